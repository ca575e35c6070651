"""Prometheus metrics of the scheduler (names follow kube-scheduler's)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SCHEDULE_ATTEMPTS = Counter(
    "scheduler_schedule_attempts_total",
    "Scheduling attempts by result (scheduled, unschedulable, error) and profile.",
    ["result", "profile"],
)
ATTEMPT_DURATION = Histogram(
    "scheduler_scheduling_attempt_duration_seconds",
    "Time of one scheduling decision (filter, score, preemption), by result.",
    ["result", "profile"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
BINDING_DURATION = Histogram(
    "scheduler_binding_duration_seconds",
    "Time of the binding call to the API server.",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
PENDING_PODS = Gauge(
    "scheduler_pending_pods",
    "Pods waiting in the scheduling queue, by queue (active, backoff, unschedulable).",
    ["queue"],
)
PREEMPTION_ATTEMPTS = Counter(
    "scheduler_preemption_attempts_total", "Preemption attempts in the cluster so far."
)
PREEMPTION_VICTIMS = Counter("scheduler_preemption_victims_total", "Pods evicted by preemption.")
