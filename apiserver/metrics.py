"""Prometheus metrics of the API server, named like kube-apiserver's."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "apiserver_request_total",
            "Requests by verb, resource, subresource and HTTP code.",
            ["verb", "resource", "subresource", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "apiserver_request_duration_seconds",
            "Request latency by verb, resource and subresource (watches excluded).",
            ["verb", "resource", "subresource"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.watchers = Gauge(
            "apiserver_registered_watchers",
            "Open watch streams by resource.",
            ["resource"],
            registry=self.registry,
        )

        # Labelled children by key: `labels()` takes a lock and builds a tuple per call.
        self._counters: dict[tuple[str, str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str, str], Any] = {}

    def count(self, verb: str, resource: str, sub: str, code: int) -> None:
        key = (verb, resource, sub, code)
        child = self._counters.get(key)
        if child is None:
            child = self._counters[key] = self.requests.labels(verb, resource, sub, str(code))
        child.inc()

    def observe(self, verb: str, resource: str, sub: str, code: int, started: float) -> None:
        self.count(verb, resource, sub, code)
        key = (verb, resource, sub)
        child = self._histograms.get(key)
        if child is None:
            child = self._histograms[key] = self.latency.labels(verb, resource, sub)
        child.observe(time.perf_counter() - started)
