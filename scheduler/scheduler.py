"""The scheduling loop: pop a pod, decide, assume, bind in the background.

    pod informer ──handlers──► SchedulingQueue ──pop──► schedule_one()
    node informer ─┘   └──────► SchedulerCache ◄──assume/forget──┘   │
                                                                     ├─ fits: assume, bind task
                                                                     └─ fits nowhere: preempt?,
                                                                        PodScheduled=False + Event

Decisions are synchronous and quick (pure plugins on the cache); every API write (binding,
status, events, evictions) runs in a background task bounded by `parallelism`, so the loop
decides the next pod while earlier bindings are in flight — their pods are assumed, so
nothing is placed twice. Concurrency: one asyncio event loop; informer handlers, the loop
and the write tasks interleave only at awaits. While pods are waiting the loop decides for
up to `DECIDE_SECONDS` before it yields, so a burst's bindings leave together: etcd then
commits them in a few batches instead of one fsync each (measured: 0.2 fsyncs a binding
instead of 0.7, and a third less CPU a pod across scheduler, API server and etcd). A lone
pod is bound at once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from minik8s import gctuning
from minik8s.api import errors
from minik8s.api.pods import is_pod_terminal
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.times import now_rfc3339
from minik8s.client import AsyncClient, EventRecorder, InformerFactory, SharedInformer
from minik8s.client.events import NORMAL, WARNING

from . import metrics
from .cache import SchedulerCache
from .config import SchedulerConfig
from .framework import CycleState, FitError, Profile
from .nodeinfo import PodInfo, node_ready, pod_key, subset_of
from .preemption import preempt, terminating_victims
from .queue import QueuedPod, SchedulingQueue

log = logging.getLogger(__name__)

Obj = dict[str, Any]


def _resource(group: str, version: str, plural: str) -> ResourceInfo:
    info = lookup(group, version, plural)
    assert info is not None
    return info


PODS = _resource("", "v1", "pods")
NODES = _resource("", "v1", "nodes")

MIN_FEASIBLE_NODES = 100
# How long the loop decides before it lets handlers and bindings run (see the docstring).
DECIDE_SECONDS = 0.1
MIN_PERCENTAGE = 5


def num_feasible_nodes_to_find(num_nodes: int, percentage: int) -> int:
    """kube-scheduler's sampling: all nodes below 100; else `percentage` (0: adaptive,
    50% − nodes/125, at least 5%) of them, and at least 100."""
    if num_nodes < MIN_FEASIBLE_NODES or percentage >= 100:
        return num_nodes
    if percentage <= 0:
        percentage = max(MIN_PERCENTAGE, 50 - num_nodes // 125)
    return max(MIN_FEASIBLE_NODES, num_nodes * percentage // 100)


def select_host(scores: dict[str, int], rng: random.Random) -> str:
    """The best score; ties broken at random."""
    best = max(scores.values())
    return rng.choice([name for name, score in scores.items() if score == best])


@dataclass
class SchedulerOptions:
    parallelism: int = 64  # API writes in flight at once
    record_scheduled_events: bool = True
    initial_backoff: float = 1.0
    max_backoff: float = 10.0
    tune_gc: bool = False  # process-wide collector settings (the daemon's, not a test's)


class Scheduler:
    def __init__(
        self,
        client: AsyncClient,
        config: SchedulerConfig,
        options: SchedulerOptions | None = None,
        *,
        recorder: EventRecorder | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.options = options or SchedulerOptions()
        self.recorder = recorder or EventRecorder(client, "default-scheduler")
        self.cache = SchedulerCache()
        self.queue = SchedulingQueue(self.options.initial_backoff, self.options.max_backoff)
        self.factory = InformerFactory(client)
        self.nodes: SharedInformer = self.factory.informer(NODES)
        self.pods: SharedInformer = self.factory.informer(PODS)
        self.nodes.add_handler(self._node_added, self._node_updated, self._node_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self._rng = random.Random()
        self._next_start = 0
        self._slots = asyncio.Semaphore(self.options.parallelism)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        for queue_name in ("active", "backoff", "unschedulable"):
            metrics.PENDING_PODS.labels(queue_name).set_function(self._depth(queue_name))

    def _depth(self, queue_name: str) -> Callable[[], float]:
        return lambda: float(self.queue.counts()[queue_name])

    # ---- informers
    async def run_informers(self) -> None:
        """Runs the informers until cancelled (they feed the cache and the queue)."""
        await self.factory.start()
        try:
            await self._stopped.wait()
        finally:
            await self.factory.stop()

    def stop(self) -> None:
        """Ends `run()` (after its writes in flight) and `run_informers()`."""
        self.queue.close()
        self._stopped.set()

    def synced(self) -> bool:
        return self.factory.has_synced()

    def _responsible(self, pod: Obj) -> bool:
        spec = pod.get("spec") or {}
        name = spec.get("schedulerName") or "default-scheduler"
        return (
            name in self.config.profiles
            and not spec.get("nodeName")
            and not (pod.get("metadata") or {}).get("deletionTimestamp")
            and not is_pod_terminal(pod)
        )

    def _pod_added(self, pod: Obj) -> None:
        if (pod.get("spec") or {}).get("nodeName"):
            self.cache.add_pod(pod)
        elif self._responsible(pod):
            self.queue.add(pod)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if (new.get("spec") or {}).get("nodeName"):
            self.queue.delete(pod_key(new))
            self.cache.update_pod(new)
            if is_pod_terminal(new):
                self.queue.move_all_to_active_or_backoff()  # it freed its resources
        elif self._responsible(new):
            self.queue.update(new)
        else:
            self.queue.delete(pod_key(new))

    def _pod_deleted(self, pod: Obj) -> None:
        key = pod_key(pod)
        self.queue.delete(key)
        if self.cache.node_of(key) is not None:
            self.cache.remove_pod(key)
            self.queue.move_all_to_active_or_backoff()

    def _node_added(self, node: Obj) -> None:
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff()

    def _node_updated(self, old: Obj, new: Obj) -> None:
        self.cache.update_node(new)
        if _schedulable_view(old) != _schedulable_view(new):
            self.queue.move_all_to_active_or_backoff()

    def _node_deleted(self, node: Obj) -> None:
        self.cache.remove_node((node.get("metadata") or {}).get("name", ""))

    # ---- the loop
    async def run(self) -> None:
        """Schedules until cancelled or the queue is closed (waits for the informers)."""
        while not await self.factory.wait_synced(30):
            log.warning("informers not synced after 30s; still waiting")
        log.info("informers synced: %d nodes; scheduling", len(self.cache))
        if self.options.tune_gc:
            gctuning.tune()  # the caches just filled are the long-lived heap
        loop = asyncio.get_running_loop()
        try:
            yield_at = loop.time() + DECIDE_SECONDS
            while True:
                q = await self.queue.pop()
                if q is None:
                    return
                try:
                    self.schedule_one(q)
                except Exception:
                    log.exception("scheduling %s failed", q.key)
                    self.queue.add_backoff(q)
                if loop.time() >= yield_at or not self.queue.has_active():
                    # let handlers run and the bindings decided meanwhile go out together
                    await asyncio.sleep(0)
                    yield_at = loop.time() + DECIDE_SECONDS
        finally:
            await self.drain()

    async def drain(self) -> None:
        """Waits for the write tasks in flight."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Awaitable[None]) -> None:
        async def bounded() -> None:
            async with self._slots:
                await coro

        task = asyncio.get_running_loop().create_task(bounded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def schedule_one(self, q: QueuedPod) -> None:
        pod = q.pod
        spec = pod.get("spec") or {}
        profile = self.config.profiles[spec.get("schedulerName") or "default-scheduler"]
        started = time.perf_counter()
        cycle = self.queue.scheduling_cycle
        result = self.find_node(profile, q.info)
        name = profile.scheduler_name
        if isinstance(result, str):
            metrics.ATTEMPT_DURATION.labels("scheduled", name).observe(
                time.perf_counter() - started
            )
            self.cache.assume(q.info.on_node(result), result)
            self._spawn(self._bind(q, result, profile))
            return
        nominated = self._post_filter(profile, q.info, result)
        metrics.ATTEMPT_DURATION.labels("unschedulable", name).observe(
            time.perf_counter() - started
        )
        metrics.SCHEDULE_ATTEMPTS.labels("unschedulable", name).inc()
        message = result.message()
        log.info("pod %s is unschedulable: %s", q.key, message)
        self.queue.add_unschedulable(q, cycle)
        self._spawn(self._record_unschedulable(pod, message, nominated))

    def find_node(self, profile: Profile, pod: PodInfo) -> str | FitError:
        """The chosen node's name, or why none fits. Pure apart from the sampling start."""
        nodes = self.cache.node_list()
        fit = FitError(pod, len(nodes))
        if not nodes:
            return fit
        state: CycleState = {}
        filters, failed = profile.run_pre_filters(state, pod, nodes)
        if failed is not None:
            fit.pre_filter = failed
            return fit
        want = num_feasible_nodes_to_find(len(nodes), profile.percentage_of_nodes_to_score)
        feasible = subset_of(nodes)
        n = len(nodes)
        start = self._next_start % n
        processed = 0
        checks = [f.filter for f in filters]
        statuses = fit.statuses
        # the hot loop of a cycle: round-robin from where the last pod stopped
        for node in itertools.chain(itertools.islice(nodes, start, None), nodes[:start]):
            processed += 1
            for check in checks:
                status = check(state, pod, node)
                if status is not None:
                    statuses[node.name] = status
                    break
            else:
                feasible.append(node)
                if len(feasible) >= want:
                    break
        self._next_start = (start + processed) % n
        if not feasible:
            return fit
        if len(feasible) == 1:
            return feasible[0].name
        return select_host(profile.run_scores(state, pod, feasible), self._rng)

    def _post_filter(self, profile: Profile, pod: PodInfo, fit: FitError) -> str:
        """Preemption; answers the nominated node ("" if none)."""
        if not profile.preemption or fit.pre_filter is not None or not fit.statuses:
            return ""
        nodes = self.cache.node_list()
        nominated = (fit.pod.pod.get("status") or {}).get("nominatedNodeName")
        if nominated:
            node = self.cache.node(nominated)
            if node is not None and terminating_victims(pod, node):
                return str(nominated)  # victims still going: wait for them
        metrics.PREEMPTION_ATTEMPTS.inc()
        candidate, why = preempt(profile, pod, nodes, fit.statuses)
        if candidate is None:
            fit.preemption_message = why
            return ""
        log.info(
            "pod %s preempts %s on %s",
            pod.key,
            ", ".join(v.key for v in candidate.victims),
            candidate.node,
        )
        for victim in candidate.victims:
            metrics.PREEMPTION_VICTIMS.inc()
            self._spawn(self._evict(victim, pod, candidate.node))
        return candidate.node

    # ---- API writes (background tasks)
    async def _bind(self, q: QueuedPod, node: str, profile: Profile) -> None:
        meta = q.pod.get("metadata") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": ns, "uid": meta.get("uid")},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        started = time.perf_counter()
        try:
            await self.client.request_json(
                "POST", f"/api/v1/namespaces/{ns}/pods/{name}/binding", json=body
            )
        except (errors.Conflict, errors.NotFound) as e:
            # bound by someone else, being deleted, or gone: the informer tells the truth
            log.info("binding %s to %s refused: %s", q.key, node, e)
            self.cache.forget(q.key)
            self.queue.forget(q)
            metrics.SCHEDULE_ATTEMPTS.labels("error", profile.scheduler_name).inc()
            return
        except Exception as e:
            log.warning("binding %s to %s failed: %s", q.key, node, e)
            self.cache.forget(q.key)
            self.queue.add_backoff(q)
            self.queue.move_all_to_active_or_backoff()
            metrics.SCHEDULE_ATTEMPTS.labels("error", profile.scheduler_name).inc()
            await self.recorder.event(q.pod, WARNING, "FailedScheduling", f"Binding rejected: {e}")
            return
        metrics.BINDING_DURATION.observe(time.perf_counter() - started)
        metrics.SCHEDULE_ATTEMPTS.labels("scheduled", profile.scheduler_name).inc()
        self.queue.forget(q)
        if self.options.record_scheduled_events:
            await self.recorder.event(
                q.pod, NORMAL, "Scheduled", f"Successfully assigned {ns}/{name} to {node}"
            )

    async def _record_unschedulable(self, pod: Obj, message: str, nominated: str) -> None:
        meta = pod.get("metadata") or {}
        status = pod.get("status") or {}
        current: Obj = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), {}
        )
        patch: Obj = {}
        if (current.get("status"), current.get("reason"), current.get("message")) != (
            "False",
            "Unschedulable",
            message,
        ):
            patch["conditions"] = [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": message,
                    "lastProbeTime": None,
                    "lastTransitionTime": now_rfc3339(),
                }
            ]
        if nominated and status.get("nominatedNodeName") != nominated:
            patch["nominatedNodeName"] = nominated
        if patch:
            try:
                await self.client.patch(
                    PODS,
                    meta.get("name", ""),
                    {"status": patch},
                    meta.get("namespace"),
                    patch_type="strategic",
                    subresource="status",
                )
            except errors.NotFound:
                return
            except errors.APIError as e:
                log.warning("cannot update the status of %s: %s", pod_key(pod), e)
        await self.recorder.event(pod, WARNING, "FailedScheduling", message)

    async def _evict(self, victim: PodInfo, preemptor: PodInfo, node: str) -> None:
        meta = victim.pod.get("metadata") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": ns},
        }
        try:
            await self.client.request_json(
                "POST", f"/api/v1/namespaces/{ns}/pods/{name}/eviction", json=body
            )
        except errors.NotFound:
            return
        except errors.APIError as e:
            log.warning("cannot evict %s for %s: %s", victim.key, preemptor.key, e)
            return
        uid = (preemptor.pod.get("metadata") or {}).get("uid", "")
        await self.recorder.event(
            victim.pod, NORMAL, "Preempted", f"Preempted by pod {uid} on node {node}"
        )


def _schedulable_view(node: Obj) -> tuple[Any, ...]:
    """What about a node can make a pod fit; heartbeats that change nothing else are ignored."""
    meta = node.get("metadata") or {}
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    return (
        meta.get("labels"),
        spec.get("taints"),
        spec.get("unschedulable"),
        status.get("allocatable"),
        status.get("capacity"),
        node_ready(node),
    )
