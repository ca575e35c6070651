"""The HorizontalPodAutoscaler controller (autoscaling/v2, Resource metrics cpu and memory).

One sync of one HPA key, every `--horizontal-pod-autoscaler-sync-period` (and at once when
its spec changes):

    GET target/scale ──► pods of scale.status.selector (informer cache)
        ──► GET metrics.k8s.io PodMetrics of that selector
        ──► per metric: replicas_for_metric()   (pure; kube's algorithm, tolerance 0.1)
        ──► the largest proposal ──► stabilize() ──► limit() ──► PUT target/scale
        ──► status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime,
            conditions AbleToScale / ScalingActive / ScalingLimited) and Events

The replica arithmetic follows kube-controller-manager's replica calculator: utilisation is
the pods' usage summed over their requests summed; pods that are not ready (cpu) or still
Pending count as 0 on a scale up, pods without metrics count as 0 on a scale up and as 100 %
of the target on a scale down, and a recomputed ratio that flips direction or falls within
the tolerance keeps the current count. Stabilisation keeps every recommendation of the last
window per HPA (in memory, as kube does): a scale down goes to the highest recommendation of
the `behavior.scaleDown.stabilizationWindowSeconds` window (default
`--horizontal-pod-autoscaler-downscale-stabilization`, 300 s), a scale up to the lowest of
the scale-up window (default 0: at once). Then the rate `policies` (Pods / Percent per
periodSeconds, selectPolicy Max / Min / Disabled; by default up to max(+100 %, +4 pods) and
down to -100 % per 15 s), counted from the replicas at the start of each period using the
changes this controller made (kept in memory too), and finally [minReplicas, maxReplicas].

Concurrency: the shared controller shape (controllers/base.py): one worker per key at a
time, so the recommendation history of one HPA is never touched by two coroutines.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.pods import is_pod_ready, pod_phase
from minik8s.api.quantity import parse_bytes, parse_cpu_millis
from minik8s.api.resources import ResourceInfo, lookup_kind
from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.api.times import rfc3339
from minik8s.client import copy_of
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .podutil import is_deleting, is_pod_active, meta, set_condition

log = logging.getLogger(__name__)

HPA = res("horizontalpodautoscalers")
METRICS_PATH = "/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"


class MetricError(Exception):
    """A metric could not give a replica count; `reason` becomes the condition's reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# --------------------------------------------------------------------------- pure: metrics


def amount(resource: str, quantity: Any) -> int:
    """millicores for cpu, bytes for anything else."""
    if resource == "cpu":
        return parse_cpu_millis(quantity)
    return parse_bytes(quantity)


def amount_text(resource: str, value: int) -> str:
    return f"{value}m" if resource == "cpu" else str(value)


def pod_request(pod: Obj, resource: str) -> int:
    """The pod's request of `resource` over its containers; MetricError when one has none."""
    total = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        requests = (c.get("resources") or {}).get("requests") or {}
        if resource not in requests:
            raise MetricError(
                "FailedGetResourceMetric",
                f"failed to get {resource} utilization: missing request for {resource} in "
                f"container {c.get('name')} of Pod {meta(pod).get('name')}",
            )
        total += amount(resource, requests[resource])
    return total


def pod_usage(metrics: Obj, resource: str) -> int:
    """A PodMetrics' usage of `resource` summed over its containers."""
    return sum(
        amount(resource, (c.get("usage") or {}).get(resource) or 0)
        for c in metrics.get("containers") or []
    )


@dataclass
class Groups:
    """The selected pods sorted as kube's replica calculator sorts them."""

    ready: dict[str, int] = field(default_factory=dict)  # name -> usage
    unready: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


def group_pods(pods: list[Obj], usage: dict[str, int], resource: str) -> Groups:
    """Deleting and finished pods are ignored; Pending pods (and, for cpu, pods that are not
    Ready, whose start-up burst would mislead) are unready; pods without metrics missing."""
    groups = Groups()
    for pod in pods:
        name = meta(pod).get("name", "")
        if not is_pod_active(pod):
            continue
        if name not in usage:
            groups.missing.add(name)
        elif pod_phase(pod) == "Pending" or (resource == "cpu" and not is_pod_ready(pod)):
            groups.unready.add(name)
        else:
            groups.ready[name] = usage[name]
    return groups


@dataclass(frozen=True)
class Target:
    resource: str
    kind: str  # "Utilization" | "AverageValue"
    value: int  # percent, or millicores / bytes per pod


def target_of(metric: Obj) -> Target:
    """The Target of one spec.metrics entry; MetricError for what is not supported."""
    mtype = metric.get("type")
    if mtype != "Resource":
        raise MetricError(
            "InvalidMetricSourceType", f"metric type {mtype!r} is not supported (Resource only)"
        )
    source = metric.get("resource") or {}
    name = str(source.get("name") or "")
    target = source.get("target") or {}
    if target.get("type") == "Utilization" and target.get("averageUtilization") is not None:
        return Target(name, "Utilization", int(target["averageUtilization"]))
    if target.get("type") == "AverageValue" and target.get("averageValue") is not None:
        try:
            return Target(name, "AverageValue", amount(name, target["averageValue"]))
        except ValueError:
            pass
    raise MetricError(
        "InvalidMetricSourceType",
        f"invalid resource metric source for {name}: a target of type Utilization with "
        "averageUtilization or AverageValue with averageValue is required",
    )


def _ratio(values: dict[str, int], requests: dict[str, int], target: Target) -> float:
    if target.kind == "Utilization":
        requested = sum(requests[p] for p in values)
        if requested <= 0:
            raise MetricError("FailedGetResourceMetric", "no requests for the measured pods")
        return sum(values.values()) * 100 / requested / target.value
    return sum(values.values()) / len(values) / target.value


@dataclass(frozen=True)
class Proposal:
    replicas: int
    average: int  # mean usage of the ready pods with metrics
    utilization: int | None  # percent of request, for Utilization targets


def replicas_for_metric(
    current: int,
    pods: list[Obj],
    usage: dict[str, int],
    target: Target,
    tolerance: float = 0.1,
) -> Proposal:
    """kube's replica calculator for one Resource metric (see the module doc)."""
    if not usage:
        raise MetricError(
            "FailedGetResourceMetric",
            f"unable to get metrics for resource {target.resource}: no metrics returned from "
            "resource metrics API",
        )
    requests: dict[str, int] = {}
    if target.kind == "Utilization":
        requests = {
            meta(p).get("name", ""): pod_request(p, target.resource)
            for p in pods
            if not is_deleting(p)
        }
    groups = group_pods(pods, usage, target.resource)
    values = dict(groups.ready)
    if not values:
        raise MetricError(
            "FailedGetResourceMetric",
            "did not receive metrics for targeted pods (pods might be unready)",
        )
    ratio = _ratio(values, requests, target)
    average = sum(values.values()) // len(values)
    utilization = None
    if target.kind == "Utilization":
        utilization = int(sum(values.values()) * 100 / sum(requests[p] for p in values))
    scale_up_with_unready = bool(groups.unready) and ratio > 1.0
    if not scale_up_with_unready and not groups.missing:
        if abs(1.0 - ratio) <= tolerance:
            return Proposal(current, average, utilization)
        return Proposal(math.ceil(ratio * len(values)), average, utilization)
    if groups.missing:
        for name in groups.missing:
            if ratio < 1.0:
                fallback = (
                    requests[name] * max(100, target.value) // 100
                    if target.kind == "Utilization"
                    else target.value
                )
                values[name] = fallback
            elif ratio > 1.0:
                values[name] = 0
    if scale_up_with_unready:
        for name in groups.unready:
            values[name] = 0
    new_ratio = _ratio(values, requests, target)
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return Proposal(current, average, utilization)
    replicas = math.ceil(new_ratio * len(values))
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return Proposal(current, average, utilization)
    return Proposal(replicas, average, utilization)


def metric_status(target: Target, proposal: Proposal) -> Obj:
    current: Obj = {"averageValue": amount_text(target.resource, proposal.average)}
    if proposal.utilization is not None:
        current["averageUtilization"] = proposal.utilization
    return {"type": "Resource", "resource": {"name": target.resource, "current": current}}


def describe_metric(target: Target) -> str:
    if target.kind == "Utilization":
        return f"{target.resource} resource utilization (percentage of request)"
    return f"{target.resource} resource"


# --------------------------------------------------------------------------- pure: normalising


@dataclass(frozen=True)
class Policy:
    kind: str  # "Pods" | "Percent"
    value: int
    period: float  # seconds


@dataclass(frozen=True)
class Rules:
    """One direction of `spec.behavior`, with Kubernetes' defaults filled in."""

    window: float  # stabilizationWindowSeconds
    select: str  # "Max" | "Min" | "Disabled"
    policies: tuple[Policy, ...]


DEFAULT_UP_POLICIES = (Policy("Percent", 100, 15), Policy("Pods", 4, 15))
DEFAULT_DOWN_POLICIES = (Policy("Percent", 100, 15),)


def _rules(raw: Any, window: float, policies: tuple[Policy, ...]) -> Rules:
    raw = raw if isinstance(raw, dict) else {}
    value = raw.get("stabilizationWindowSeconds")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        window = float(value)
    select = (
        raw.get("selectPolicy") if raw.get("selectPolicy") in ("Max", "Min", "Disabled") else "Max"
    )
    given = []
    for p in raw.get("policies") or []:
        if not isinstance(p, dict) or p.get("type") not in ("Pods", "Percent"):
            continue
        if isinstance(p.get("value"), int) and isinstance(p.get("periodSeconds"), int):
            given.append(Policy(p["type"], p["value"], float(p["periodSeconds"])))
    return Rules(window, str(select), tuple(given) or policies)


def rules_of(spec: Obj, default_down: float) -> tuple[Rules, Rules]:
    """(scale up, scale down) rules: the HPA's behavior over kube's defaults; the scale-down
    window defaults to the controller flag."""
    behavior = spec.get("behavior") if isinstance(spec.get("behavior"), dict) else {}
    assert isinstance(behavior, dict)
    return (
        _rules(behavior.get("scaleUp"), 0.0, DEFAULT_UP_POLICIES),
        _rules(behavior.get("scaleDown"), default_down, DEFAULT_DOWN_POLICIES),
    )


def stabilize(
    history: list[tuple[float, int]],
    now: float,
    proposed: int,
    current: int,
    up_window: float,
    down_window: float,
) -> tuple[int, list[tuple[float, int]]]:
    """kube's stabilizeRecommendationWithBehaviors: never below the lowest recommendation of
    the scale-up window, never above the highest of the scale-down window. Returns the
    stabilised count and the history with `proposed` recorded (older entries dropped)."""
    up_floor = proposed
    down_ceiling = proposed
    for when, replicas in history:
        if when > now - up_window:
            up_floor = min(up_floor, replicas)
        if when > now - down_window:
            down_ceiling = max(down_ceiling, replicas)
    recommendation = current
    if recommendation < up_floor:
        recommendation = up_floor
    if recommendation > down_ceiling:
        recommendation = down_ceiling
    keep = max(up_window, down_window)
    kept = [(w, r) for w, r in history if w > now - keep]
    kept.append((now, proposed))
    return recommendation, kept


@dataclass
class ScaleEvents:
    """Replica changes this controller made, per direction: (monotonic time, count)."""

    up: list[tuple[float, int]] = field(default_factory=list)
    down: list[tuple[float, int]] = field(default_factory=list)

    def record(self, now: float, before: int, after: int, keep: float) -> None:
        if after > before:
            self.up.append((now, after - before))
        elif after < before:
            self.down.append((now, before - after))
        self.up = [e for e in self.up if e[0] > now - keep]
        self.down = [e for e in self.down if e[0] > now - keep]


def _changed(events: list[tuple[float, int]], now: float, period: float) -> int:
    return sum(n for when, n in events if when > now - period)


def scale_up_limit(current: int, events: ScaleEvents, rules: Rules, now: float) -> int:
    """kube's calculateScaleUpLimitWithScalingRules: what the policies allow, counted from
    the replicas at the start of each policy's period."""
    if rules.select == "Disabled":
        return current
    pick = min if rules.select == "Min" else max
    found: int | None = None
    for policy in rules.policies:
        start = current - _changed(events.up, now, policy.period)
        start += _changed(events.down, now, policy.period)
        if policy.kind == "Pods":
            proposed = start + policy.value
        else:
            proposed = math.ceil(start * (1 + policy.value / 100))
        found = proposed if found is None else pick(found, proposed)
    return current if found is None else found


def scale_down_limit(current: int, events: ScaleEvents, rules: Rules, now: float) -> int:
    """kube's calculateScaleDownLimitWithBehaviors (Max picks the lowest count)."""
    if rules.select == "Disabled":
        return current
    pick = max if rules.select == "Min" else min
    found: int | None = None
    for policy in rules.policies:
        start = current - _changed(events.up, now, policy.period)
        start += _changed(events.down, now, policy.period)
        if policy.kind == "Pods":
            proposed = start - policy.value
        else:
            proposed = int(start * (1 - policy.value / 100))
        found = proposed if found is None else pick(found, proposed)
    return current if found is None else found


@dataclass(frozen=True)
class Limited:
    replicas: int
    reason: str  # the ScalingLimited reason
    message: str

    @property
    def limited(self) -> bool:
        return self.reason != "DesiredWithinRange"


def limit(
    desired: int,
    current: int,
    minimum: int,
    maximum: int,
    rules: tuple[Rules, Rules],
    events: ScaleEvents,
    now: float,
) -> Limited:
    """kube's convertDesiredReplicasWithBehaviorRate: the scaling policies' rate, then
    [minReplicas, maxReplicas]."""
    up, down = rules
    if desired > current:
        allowed = max(scale_up_limit(current, events, up, now), current)
        if maximum > allowed:
            if desired > allowed:
                return Limited(
                    allowed,
                    "ScaleUpLimit",
                    "the desired replica count is increasing faster than the maximum scale rate",
                )
        elif desired > maximum:
            return Limited(
                maximum,
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            )
    elif desired < current:
        allowed = min(scale_down_limit(current, events, down, now), current)
        if minimum < allowed:
            if desired < allowed:
                return Limited(
                    allowed,
                    "ScaleDownLimit",
                    "the desired replica count is decreasing faster than the maximum scale rate",
                )
        elif desired < minimum:
            return Limited(
                minimum,
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
    return Limited(
        desired, "DesiredWithinRange", "the desired count is within the acceptable range"
    )


def condition(ctype: str, status: bool, reason: str, message: str) -> Obj:
    return {
        "type": ctype,
        "status": "True" if status else "False",
        "reason": reason,
        "message": message,
    }


# --------------------------------------------------------------------------- the controller


@dataclass
class Decision:
    """What one sync found: written to the target (replicas) and to the HPA's status."""

    current: int
    desired: int
    metrics: list[Obj] = field(default_factory=list)
    conditions: list[Obj] = field(default_factory=list)
    reason: str = ""  # of a rescale
    warnings: list[tuple[str, str]] = field(default_factory=list)  # events (reason, message)


@dataclass
class Proposed:
    """The metrics' verdict: the largest proposal (None: no metric gave one)."""

    replicas: int | None
    statuses: list[Obj]
    active: Obj  # the ScalingActive condition
    warnings: list[tuple[str, str]]
    above: str = ""  # the rescale reason when scaling up


class HorizontalPodAutoscalerController(Controller):
    name = "horizontalpodautoscaling"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.hpa_informer = ctx.informer("horizontalpodautoscalers")
        self.pod_informer = ctx.informer("pods")
        self.hpa_informer.add_handler(self.enqueue, self._hpa_updated, self.enqueue)
        self.history: dict[str, list[tuple[float, int]]] = {}  # recommendations
        self.scale_events: dict[str, ScaleEvents] = {}

    def _hpa_updated(self, old: Obj, new: Obj) -> None:
        # our own status writes come back as updates: only a spec change needs a sync now
        if old.get("spec") != new.get("spec"):
            self.enqueue(new)

    async def sync(self, key: str) -> float | None:
        hpa = self.hpa_informer.store.get(key)
        if hpa is None:
            self.history.pop(key, None)
            self.scale_events.pop(key, None)
            return None
        period = self.ctx.options.hpa_sync_period
        ns = meta(hpa).get("namespace") or ""
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        info = lookup_kind(str(ref.get("apiVersion") or ""), str(ref.get("kind") or ""))
        if info is None or "scale" not in info.subresources:
            msg = "the HPA controller was unable to get the target's current scale: no scale "
            msg += f"subresource for {ref.get('apiVersion')}/{ref.get('kind')}"
            await self._fail(hpa, "FailedGetScale", msg)
            return period
        try:
            scale = (await self.client.request("GET", self._scale_path(info, ns, ref))).json()
        except errors.APIError as e:
            msg = f"the HPA controller was unable to get the target's current scale: {e}"
            await self._fail(hpa, "FailedGetScale", msg)
            return period
        decision = await self.decide(hpa, key, scale)
        status = copy_of(hpa.get("status") or {})
        now = rfc3339(self.ctx.clock())
        if decision.desired != decision.current:
            scale = copy_of(scale)
            scale["spec"]["replicas"] = decision.desired
            try:
                await self.client.update(info, scale, ns, subresource="scale")
            except errors.APIError as e:
                msg = f"the HPA controller was unable to update the target scale: {e}"
                self.recorder.emit(hpa, "Warning", "FailedRescale", msg)
                await self._fail(hpa, "FailedUpdateScale", msg)
                return period
            up, down = rules_of(spec, self.ctx.options.hpa_downscale_stabilization)
            longest = max((p.period for p in (*up.policies, *down.policies)), default=0.0)
            events = self.scale_events.setdefault(key, ScaleEvents())
            events.record(self.ctx.monotonic(), decision.current, decision.desired, longest)
            self.recorder.emit(
                hpa,
                "Normal",
                "SuccessfulRescale",
                f"New size: {decision.desired}; reason: {decision.reason}",
            )
            decision.conditions[0] = condition(
                "AbleToScale",
                True,
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {decision.desired}",
            )
            status["lastScaleTime"] = now
        for reason, message in decision.warnings:
            self.recorder.emit(hpa, "Warning", reason, message)
        status["observedGeneration"] = meta(hpa).get("generation")
        status["currentReplicas"] = int((scale.get("status") or {}).get("replicas") or 0)
        status["desiredReplicas"] = decision.desired
        if decision.metrics:
            status["currentMetrics"] = decision.metrics
        else:  # stale numbers would mislead
            status.pop("currentMetrics", None)
        conditions = list(status.get("conditions") or [])
        for cond in decision.conditions:
            conditions = set_condition(conditions, cond, now)
        status["conditions"] = conditions
        await self._write_status(hpa, status)
        return period

    @staticmethod
    def _scale_path(info: ResourceInfo, ns: str, ref: Obj) -> str:
        return f"{info.path(ns, str(ref.get('name')))}/scale"

    async def decide(self, hpa: Obj, key: str, scale: Obj) -> Decision:
        spec = hpa.get("spec") or {}
        current = int((scale.get("spec") or {}).get("replicas") or 0)
        minimum = int(spec.get("minReplicas") or 1)
        maximum = int(spec.get("maxReplicas") or minimum)
        able = condition(
            "AbleToScale",
            True,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        )
        if current == 0 and minimum != 0:
            return Decision(
                current,
                0,
                conditions=[
                    able,
                    condition(
                        "ScalingActive",
                        False,
                        "ScalingDisabled",
                        "scaling is disabled since the replica count of the target is zero",
                    ),
                ],
            )
        if current > maximum or current < minimum:
            desired = maximum if current > maximum else minimum
            side = "above Spec.MaxReplicas" if current > maximum else "below Spec.MinReplicas"
            return Decision(
                current,
                desired,
                conditions=[able],  # as kube: metrics are not consulted out of range
                reason=f"Current number of replicas {side}",
            )
        found = await self._propose(hpa, scale, current)
        proposed, statuses, active, warnings = (
            found.replicas,
            found.statuses,
            found.active,
            found.warnings,
        )
        if proposed is None:
            return Decision(current, current, statuses, [able, active], warnings=warnings)
        rules = rules_of(spec, self.ctx.options.hpa_downscale_stabilization)
        now = self.ctx.monotonic()
        stabilized, self.history[key] = stabilize(
            self.history.get(key, []), now, proposed, current, rules[0].window, rules[1].window
        )
        if stabilized != proposed:
            higher = stabilized > proposed
            able = condition(
                "AbleToScale",
                True,
                "ScaleDownStabilized" if higher else "ScaleUpStabilized",
                "recent recommendations were "
                + ("higher" if higher else "lower")
                + " than current one, applying the "
                + ("highest" if higher else "lowest")
                + " recent recommendation",
            )
        else:
            able = condition(
                "AbleToScale", True, "ReadyForNewScale", "recommended size matches current size"
            )
        events = self.scale_events.setdefault(key, ScaleEvents())
        limited = limit(stabilized, current, minimum, maximum, rules, events, now)
        conditions = [
            able,
            active,
            condition("ScalingLimited", limited.limited, limited.reason, limited.message),
        ]
        reason = found.above if limited.replicas > current else "All metrics below target"
        return Decision(current, limited.replicas, statuses, conditions, reason, warnings)

    async def _propose(self, hpa: Obj, scale: Obj, current: int) -> Proposed:
        """The largest proposal over the metrics (None when no metric gave one)."""
        ns = meta(hpa).get("namespace") or ""
        selector_text = str((scale.get("status") or {}).get("selector") or "")
        warnings: list[tuple[str, str]] = []
        error: MetricError | None = None
        selector: LabelSelector | None = None
        if not selector_text:
            error = MetricError("InvalidSelector", "the target's scale has no selector")
        else:
            try:
                selector = LabelSelector.parse(selector_text)
            except SelectorError as e:
                error = MetricError("InvalidSelector", f"the target's selector is invalid: {e}")
        if selector is None:
            assert error is not None
            warnings.append((error.reason, error.message))
            inactive = condition("ScalingActive", False, error.reason, error.message)
            return Proposed(None, [], inactive, warnings)
        pods = [
            p
            for p in self.pod_informer.store.by_index(NAMESPACE_INDEX, ns)
            if selector.matches(meta(p).get("labels") or {})
        ]
        usage_by_resource: dict[str, dict[str, int]] = {}
        items: list[Obj] | None = None
        best: int | None = None
        best_target: Target | None = None
        statuses: list[Obj] = []
        first_error: MetricError | None = None
        for metric in (hpa.get("spec") or {}).get("metrics") or []:
            try:
                target = target_of(metric)
                if items is None:
                    items = await self._pod_metrics(ns, selector_text)
                usage = usage_by_resource.get(target.resource)
                if usage is None:
                    usage = {meta(m).get("name", ""): pod_usage(m, target.resource) for m in items}
                    usage_by_resource[target.resource] = usage
                proposal = replicas_for_metric(
                    current, pods, usage, target, self.ctx.options.hpa_tolerance
                )
            except MetricError as e:
                first_error = first_error or e
                warnings.append((e.reason, e.message))
                statuses.append({"type": ""})  # kube's empty MetricStatus keeps the order
                continue
            except (ValueError, TypeError) as e:
                err = MetricError("FailedGetResourceMetric", f"unreadable metrics: {e}")
                first_error = first_error or err
                warnings.append((err.reason, err.message))
                statuses.append({"type": ""})
                continue
            statuses.append(metric_status(target, proposal))
            if best is None or proposal.replicas > best:
                best, best_target = proposal.replicas, target
        if best is None or best_target is None:
            if first_error is None:
                first_error = MetricError("InvalidMetricSourceType", "spec.metrics is empty")
            msg = f"the HPA was unable to compute the replica count: {first_error.message}"
            inactive = condition("ScalingActive", False, first_error.reason, msg)
            return Proposed(None, [], inactive, warnings)
        if first_error is not None and best < current:
            # like kube: an invalid metric forbids scaling down on the others alone
            best = current
        active = condition(
            "ScalingActive",
            True,
            "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from "
            + describe_metric(best_target),
        )
        above = f"{describe_metric(best_target)} above target"
        return Proposed(best, statuses, active, warnings, above)

    async def _pod_metrics(self, ns: str, selector: str) -> list[Obj]:
        try:
            response = await self.client.request(
                "GET", METRICS_PATH.format(ns=ns), params={"labelSelector": selector}
            )
        except errors.APIError as e:
            raise MetricError(
                "FailedGetResourceMetric",
                f"unable to get metrics from the resource metrics API: {e}",
            ) from None
        items = response.json().get("items")
        return [i for i in items or [] if isinstance(i, dict)]

    async def _fail(self, hpa: Obj, reason: str, message: str) -> None:
        self.recorder.emit(hpa, "Warning", reason, message)
        status = copy_of(hpa.get("status") or {})
        now = rfc3339(self.ctx.clock())
        status["conditions"] = set_condition(
            list(status.get("conditions") or []),
            condition("AbleToScale", False, reason, message),
            now,
        )
        status.setdefault("currentReplicas", 0)
        status.setdefault("desiredReplicas", 0)
        await self._write_status(hpa, status)

    async def _write_status(self, hpa: Obj, status: Obj) -> None:
        if status == (hpa.get("status") or {}):
            return
        updated = copy_of(hpa)
        updated["status"] = status
        try:
            await self.client.update(HPA, updated, meta(hpa).get("namespace"), subresource="status")
        except errors.Conflict:
            log.debug("hpa %s: status conflict, next sync writes it", meta(hpa).get("name"))
