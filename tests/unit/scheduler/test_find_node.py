"""The decision part of the scheduler, on a cache fed by hand (no network)."""

from __future__ import annotations

import asyncio

from minik8s.client import AsyncClient, ClientConfig
from scheduler.config import default_config
from scheduler.framework import FitError
from scheduler.nodeinfo import PodInfo
from scheduler.scheduler import Scheduler

from .fixtures import pod


def _scheduler() -> Scheduler:
    async def build() -> Scheduler:
        return Scheduler(AsyncClient(ClientConfig(server="http://127.0.0.1:1")), default_config())

    return asyncio.run(build())


def _node(name: str, cpu: str) -> dict:
    return {
        "metadata": {"name": name, "labels": {}},
        "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}},
    }


def test_spreads_by_least_allocated_and_sees_assumed_pods() -> None:
    s = _scheduler()
    profile = s.config.profiles["default-scheduler"]
    s.cache.add_node(_node("a", "4"))
    s.cache.add_node(_node("b", "4"))
    chosen = []
    for i in range(8):
        info = PodInfo(pod(f"p{i}", "1"))
        node = s.find_node(profile, info)
        assert isinstance(node, str)
        s.cache.assume(info, node)
        chosen.append(node)
    assert sorted(chosen) == ["a"] * 4 + ["b"] * 4
    full = s.find_node(profile, PodInfo(pod("extra", "1")))
    assert isinstance(full, FitError)
    assert full.message() == "0/2 nodes are available: 2 Insufficient cpu."


def test_samples_a_fraction_of_large_clusters() -> None:
    s = _scheduler()
    profile = s.config.profiles["default-scheduler"]
    for i in range(1000):
        s.cache.add_node(_node(f"n{i:04d}", "4"))
    s.find_node(profile, PodInfo(pod("p", "1")))
    assert s._next_start == 420  # evaluated 42% of the nodes, next pod starts after them
