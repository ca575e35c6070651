"""The HPA controller: the replica arithmetic and stabilisation (pure), and whole syncs
against seeded caches and a fake API that answers the scale subresource and pod metrics."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from controllers.base import ControllerContext, Options
from controllers.hpa import (
    HorizontalPodAutoscalerController,
    MetricError,
    Policy,
    Rules,
    ScaleEvents,
    Target,
    limit,
    replicas_for_metric,
    rules_of,
    stabilize,
    target_of,
)
from minik8s.api import errors
from minik8s.client import AsyncClient, EventRecorder, InformerFactory

from .fakes import Clock, FakeClient, FakeRecorder

Obj = dict[str, Any]
CPU50 = Target("cpu", "Utilization", 50)


def pod(name: str, cpu: str | None = "100m", *, ready: bool = True, phase: str = "Running") -> Obj:
    resources = {"requests": {"cpu": cpu}} if cpu else {}
    return {
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "resources": resources}]},
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


# --------------------------------------------------------------------------- replica arithmetic


def test_utilization_above_target_scales_up_in_proportion() -> None:
    pods = [pod("a"), pod("b")]
    p = replicas_for_metric(2, pods, {"a": 150, "b": 150}, CPU50)
    assert (p.replicas, p.utilization, p.average) == (6, 150, 150)


def test_within_tolerance_keeps_the_count() -> None:
    pods = [pod("a"), pod("b")]
    assert replicas_for_metric(2, pods, {"a": 54, "b": 54}, CPU50).replicas == 2
    assert replicas_for_metric(2, pods, {"a": 56, "b": 56}, CPU50).replicas == 3


def test_below_target_scales_down() -> None:
    pods = [pod(n) for n in "abcd"]
    assert replicas_for_metric(4, pods, dict.fromkeys("abcd", 10), CPU50).replicas == 1


def test_missing_metrics_count_as_zero_on_a_scale_up() -> None:
    pods = [pod("a"), pod("b")]
    # a at 200 % of its request, b has no metrics yet: (200 + 0) / 2 / 50 = 2.0 -> 4
    assert replicas_for_metric(2, pods, {"a": 200}, CPU50).replicas == 4
    # a at 60 %: alone 1.2, with b at 0 the ratio flips below 1: keep 2
    assert replicas_for_metric(2, pods, {"a": 60}, CPU50).replicas == 2


def test_missing_metrics_count_as_full_target_on_a_scale_down() -> None:
    pods = [pod("a"), pod("b")]
    # a at 0, b counted at 100 % of its request: (0 + 100) / 200 * 100 / 50 = 1.0 -> keep
    assert replicas_for_metric(2, pods, {"a": 0}, CPU50).replicas == 2


def test_unready_pods_count_as_zero_on_a_scale_up_and_finished_ones_not_at_all() -> None:
    pods = [pod("a"), pod("b", ready=False), pod("c", phase="Failed")]
    usage = {"a": 100, "b": 500, "c": 500}
    # a alone is 2.0; with b at 0: 100 / 200 * 100 / 50 = 1.0 -> within tolerance, keep 2
    assert replicas_for_metric(2, pods, usage, CPU50).replicas == 2


def test_pods_without_requests_fail_the_utilization_metric() -> None:
    with pytest.raises(MetricError) as err:
        replicas_for_metric(1, [pod("a", cpu=None)], {"a": 100}, CPU50)
    assert err.value.reason == "FailedGetResourceMetric"
    assert "missing request for cpu in container c of Pod a" in err.value.message


def test_no_metrics_at_all_is_an_error() -> None:
    with pytest.raises(MetricError, match="no metrics returned"):
        replicas_for_metric(1, [pod("a")], {}, CPU50)


def test_average_value_targets() -> None:
    target = target_of(
        {
            "type": "Resource",
            "resource": {
                "name": "memory",
                "target": {"type": "AverageValue", "averageValue": "100Mi"},
            },
        }
    )
    assert target == Target("memory", "AverageValue", 100 * 2**20)
    pods = [pod("a", cpu=None), pod("b", cpu=None)]
    usage = {"a": 300 * 2**20, "b": 300 * 2**20}
    p = replicas_for_metric(2, pods, usage, target)
    assert (p.replicas, p.utilization) == (6, None)


def test_unsupported_metric_types() -> None:
    with pytest.raises(MetricError, match="not supported"):
        target_of({"type": "External"})
    with pytest.raises(MetricError, match="target of type Utilization"):
        target_of({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Value"}}})


# --------------------------------------------------------------------------- stabilisation


def test_scale_down_waits_for_the_window_scale_up_does_not() -> None:
    history: list[tuple[float, int]] = []
    replicas, history = stabilize(history, 0, 5, 2, 0, 60)
    assert replicas == 5  # up at once
    replicas, history = stabilize(history, 20, 1, 5, 0, 60)
    assert replicas == 5  # the 5 of t=0 is inside the window
    replicas, history = stabilize(history, 59, 1, 5, 0, 60)
    assert replicas == 5
    replicas, history = stabilize(history, 61, 1, 5, 0, 60)
    assert replicas == 1  # t=0 left the window
    assert [r for _, r in history] == [1, 1, 1]
    # a scale-up window holds a rise back to the lowest recent recommendation
    replicas, _ = stabilize([(0, 2)], 10, 6, 2, 30, 0)
    assert replicas == 2


def test_rules_from_behavior_or_the_defaults() -> None:
    up, down = rules_of({}, 300)
    assert up == Rules(0, "Max", (Policy("Percent", 100, 15), Policy("Pods", 4, 15)))
    assert down == Rules(300, "Max", (Policy("Percent", 100, 15),))
    spec = {
        "behavior": {
            "scaleDown": {
                "stabilizationWindowSeconds": 10,
                "selectPolicy": "Min",
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}],
            }
        }
    }
    assert rules_of(spec, 300)[1] == Rules(10, "Min", (Policy("Pods", 1, 60),))


DEFAULTS = rules_of({}, 300)


def test_limits() -> None:
    def lim(desired: int, current: int, lo: int = 1, hi: int = 3) -> tuple[int, str]:
        found = limit(desired, current, lo, hi, DEFAULTS, ScaleEvents(), 0)
        return found.replicas, found.reason

    assert lim(3, 1) == (3, "DesiredWithinRange")
    assert lim(9, 1) == (3, "TooManyReplicas")
    assert lim(0, 2) == (1, "TooFewReplicas")
    # by default at most max(2 x current, current + 4) in one period
    assert lim(50, 2, 1, 100) == (6, "ScaleUpLimit")
    assert lim(50, 10, 1, 100) == (20, "ScaleUpLimit")


def test_policies_count_from_the_start_of_their_period() -> None:
    down = Rules(0, "Max", (Policy("Pods", 1, 60),))
    rules = (DEFAULTS[0], down)
    events = ScaleEvents()
    assert limit(1, 5, 1, 10, rules, events, 0).replicas == 4  # one pod per minute
    events.record(0, 5, 4, 60)
    found = limit(1, 4, 1, 10, rules, events, 30)
    assert (found.replicas, found.reason) == (4, "ScaleDownLimit")  # the minute is used up
    assert limit(1, 4, 1, 10, rules, events, 61).replicas == 3
    disabled = (Rules(0, "Disabled", DEFAULTS[0].policies), DEFAULTS[1])
    assert limit(9, 2, 1, 10, disabled, ScaleEvents(), 0).replicas == 2


# --------------------------------------------------------------------------- whole syncs


class Response:
    def __init__(self, body: Obj) -> None:
        self.body = body

    def json(self) -> Obj:
        return self.body


class ScaleClient(FakeClient):
    """Adds the scale subresource of one Deployment and the pod metrics API."""

    def __init__(self) -> None:
        super().__init__()
        self.replicas = 1
        self.pod_metrics: list[Obj] = []
        self.metrics_error: errors.APIError | None = None
        self.requests: list[tuple[str, str, Any]] = []

    async def request(self, method: str, path: str, *, params: Any = None, **kw: Any) -> Response:
        self.requests.append((method, path, params))
        if path.endswith("/web/scale"):
            return Response(
                {
                    "kind": "Scale",
                    "apiVersion": "autoscaling/v1",
                    "metadata": {"name": "web", "namespace": "default"},
                    "spec": {"replicas": self.replicas},
                    "status": {"replicas": self.replicas, "selector": "app=web"},
                }
            )
        if path == "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods":
            if self.metrics_error is not None:
                raise self.metrics_error
            return Response({"items": self.pod_metrics})
        raise errors.NotFound(f"{path} not found")

    async def update(
        self, r: Any, obj: Obj, namespace: str | None = None, *, subresource: str | None = None
    ) -> Obj:
        if subresource == "scale":
            self.replicas = obj["spec"]["replicas"]
        return await super().update(r, obj, namespace, subresource=subresource)


def metrics(name: str, cpu: str) -> Obj:
    return {
        "metadata": {"name": name, "namespace": "default"},
        "containers": [{"name": "c", "usage": {"cpu": cpu, "memory": "1Mi"}}],
    }


def hpa(**spec: Any) -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default", "generation": 1},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 3,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 50},
                    },
                }
            ],
            **spec,
        },
    }


def setup(
    *pods: Obj, window: float = 300
) -> tuple[HorizontalPodAutoscalerController, ScaleClient, FakeRecorder, Clock]:
    client = ScaleClient()
    recorder = FakeRecorder()
    clock = Clock()
    ctx = ControllerContext(
        client=cast(AsyncClient, client),
        factory=InformerFactory(cast(AsyncClient, client)),
        recorder=cast(EventRecorder, recorder),
        options=Options(hpa_sync_period=5, hpa_downscale_stabilization=window),
        clock=clock,
        monotonic=clock,
    )
    controller = HorizontalPodAutoscalerController(ctx)
    for p in pods:
        controller.pod_informer.store.upsert(p)
    return controller, client, recorder, clock


def sync(controller: HorizontalPodAutoscalerController, obj: Obj) -> Obj:
    """One sync; the status written (also put back in the cache, as a watch would)."""
    controller.hpa_informer.store.upsert(obj)
    client = cast(ScaleClient, controller.client)
    before = len(client.writes)
    assert asyncio.run(controller.sync("default/web")) == 5
    statuses = [
        w[3]
        for w in client.writes[before:]
        if w[:3] == ("update", "horizontalpodautoscalers", "status")
    ]
    if statuses:
        controller.hpa_informer.store.upsert(statuses[-1])
        return statuses[-1]
    return obj


def conditions(obj: Obj) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in obj["status"]["conditions"]}


def test_sync_scales_up_through_the_scale_subresource() -> None:
    controller, client, recorder, clock = setup(pod("a"))
    client.pod_metrics = [metrics("a", "200m")]  # 200 % of 100m against 50 %: 4, capped at 3
    out = sync(controller, hpa())
    assert client.replicas == 3
    assert [w[:3] for w in client.writes] == [
        ("update", "deployments", "scale"),
        ("update", "horizontalpodautoscalers", "status"),
    ]
    status = out["status"]
    assert (status["currentReplicas"], status["desiredReplicas"]) == (1, 3)
    assert status["lastScaleTime"]
    assert status["currentMetrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "current": {"averageValue": "200m", "averageUtilization": 200},
            },
        }
    ]
    assert conditions(out) == {
        "AbleToScale": ("True", "SucceededRescale"),
        "ScalingActive": ("True", "ValidMetricFound"),
        "ScalingLimited": ("True", "TooManyReplicas"),
    }
    assert recorder.events == [
        (
            "Normal",
            "SuccessfulRescale",
            "New size: 3; reason: cpu resource utilization (percentage of request) above target",
        )
    ]
    assert client.requests[1][2] == {"labelSelector": "app=web"}


def test_sync_scales_down_only_after_the_window() -> None:
    controller, client, recorder, clock = setup(pod("a"), pod("b"), pod("c"), window=60)
    client.replicas = 3
    client.pod_metrics = [metrics(n, "100m") for n in "abc"]
    out = sync(controller, hpa())
    assert client.replicas == 3  # 200 %: wants 12, at max already
    client.pod_metrics = [metrics(n, "0") for n in "abc"]
    clock.now += 30
    out = sync(controller, out)
    assert client.replicas == 3
    assert conditions(out)["AbleToScale"] == ("True", "ScaleDownStabilized")
    assert out["status"]["desiredReplicas"] == 3
    clock.now += 31
    out = sync(controller, out)
    assert client.replicas == 1
    assert recorder.events[-1] == (
        "Normal",
        "SuccessfulRescale",
        "New size: 1; reason: All metrics below target",
    )


def test_pods_without_requests_make_scaling_inactive() -> None:
    controller, client, recorder, _ = setup(pod("a", cpu=None))
    client.pod_metrics = [metrics("a", "200m")]
    out = sync(controller, hpa())
    assert client.replicas == 1
    assert conditions(out)["ScalingActive"] == ("False", "FailedGetResourceMetric")
    assert "missing request for cpu" in out["status"]["conditions"][1]["message"]
    assert recorder.events[0][:2] == ("Warning", "FailedGetResourceMetric")


def test_metrics_api_errors_keep_the_count() -> None:
    controller, client, _, _ = setup(pod("a"))
    client.metrics_error = errors.ServiceUnavailable("metrics down")
    out = sync(controller, hpa())
    assert client.replicas == 1
    assert conditions(out)["ScalingActive"] == ("False", "FailedGetResourceMetric")


def test_out_of_range_targets_are_brought_into_range_without_metrics() -> None:
    controller, client, recorder, _ = setup()
    client.replicas = 7
    sync(controller, hpa())
    assert client.replicas == 3
    assert recorder.events == [
        (
            "Normal",
            "SuccessfulRescale",
            "New size: 3; reason: Current number of replicas above Spec.MaxReplicas",
        )
    ]


def test_a_target_scaled_to_zero_disables_scaling() -> None:
    controller, client, _, _ = setup(pod("a"))
    client.replicas = 0
    out = sync(controller, hpa())
    assert client.replicas == 0
    assert conditions(out)["ScalingActive"] == ("False", "ScalingDisabled")


def test_a_kind_without_scale_fails_get_scale() -> None:
    controller, client, recorder, _ = setup()
    obj = hpa(scaleTargetRef={"apiVersion": "v1", "kind": "Pod", "name": "web"})
    out = sync(controller, obj)
    assert conditions(out) == {"AbleToScale": ("False", "FailedGetScale")}
    assert recorder.events[0][:2] == ("Warning", "FailedGetScale")


def test_an_unchanged_status_is_not_written_again() -> None:
    controller, client, _, _ = setup(pod("a"))
    client.pod_metrics = [metrics("a", "50m")]  # exactly on target
    out = sync(controller, hpa())
    writes = len(client.writes)
    sync(controller, out)
    assert len(client.writes) == writes


def test_a_failing_metric_keeps_its_place_and_forbids_scaling_down() -> None:
    controller, client, _, _ = setup(pod("a", cpu=None), pod("b", cpu=None))
    client.replicas = 2
    client.pod_metrics = [metrics(n, "10m") for n in "ab"]  # 1Mi each
    memory = {
        "type": "Resource",
        "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "10Mi"}},
    }
    obj = hpa()
    obj["spec"]["metrics"].append(memory)
    out = sync(controller, obj)
    assert client.replicas == 2  # memory alone says 1, but cpu could not be measured
    assert out["status"]["currentMetrics"] == [
        {"type": ""},
        {
            "type": "Resource",
            "resource": {"name": "memory", "current": {"averageValue": "1048576"}},
        },
    ]
    assert conditions(out)["ScalingActive"] == ("True", "ValidMetricFound")


@pytest.mark.parametrize(
    ("kind", "plural"), [("ReplicaSet", "replicasets"), ("StatefulSet", "statefulsets")]
)
def test_replica_sets_and_stateful_sets_scale_the_same_way(kind: str, plural: str) -> None:
    controller, client, _, _ = setup(pod("a"))
    client.pod_metrics = [metrics("a", "200m")]
    sync(controller, hpa(scaleTargetRef={"apiVersion": "apps/v1", "kind": kind, "name": "web"}))
    assert client.requests[0][1] == f"/apis/apps/v1/namespaces/default/{plural}/web/scale"
    assert (client.writes[0][:3], client.replicas) == (("update", plural, "scale"), 3)
