"""compute_status / phase_of: kubelet's phase and condition rules, without a runtime."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from kubelet.runtime_state import EXITED, RUNNING, ContainerInfo, PodRuntime, SandboxInfo
from kubelet.status import PODS, Observed, StatusManager, compute_status
from minik8s.api import errors
from minik8s.api.defaults import apply_defaults
from minik8s.api.pods import qos_class

NOW = "2026-01-01T00:00:00Z"


def _pod(policy: str = "Always", init: bool = False, **status: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"restartPolicy": policy, "containers": [{"name": "main", "image": "i"}]}
    if init:
        spec["initContainers"] = [{"name": "setup", "image": "i"}]
    return {"metadata": {"name": "p", "namespace": "d", "uid": "u"}, "spec": spec, "status": status}


def _c(state: str, attempt: int = 0, code: int = 0, name: str = "main", **kw: Any) -> ContainerInfo:
    return ContainerInfo(
        id=f"{name}{attempt}", name=name, attempt=attempt, state=state, exit_code=code, **kw
    )


def _rt(*containers: ContainerInfo) -> PodRuntime:
    rt = PodRuntime(sandboxes=[SandboxInfo("s", 0, True, 0, "10.0.0.2")])
    for c in sorted(containers, key=lambda c: c.attempt, reverse=True):
        rt.containers.setdefault(c.name, []).append(c)
    return rt


def _status(pod: dict[str, Any], rt: PodRuntime, obs: Observed | None = None) -> dict[str, Any]:
    return compute_status(pod, rt, obs or Observed(pod_ip="10.0.0.2"), now=lambda: NOW)


def test_pending_without_containers() -> None:
    s = _status(_pod(), _rt())
    assert s["phase"] == "Pending"
    assert s["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"


def test_running_and_ready() -> None:
    s = _status(_pod(), _rt(_c(RUNNING)))
    assert s["phase"] == "Running"
    assert {c["type"]: c["status"] for c in s["conditions"]}["Ready"] == "True"
    assert s["podIP"] == "10.0.0.2"


def test_crash_loop_keeps_running_phase_with_last_state() -> None:
    obs = Observed(waiting={"main": ("CrashLoopBackOff", "back-off")})
    s = _status(_pod(), _rt(_c(EXITED, 0, 1), _c(EXITED, 1, 1)), obs)
    cs = s["containerStatuses"][0]
    assert s["phase"] == "Running"
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert cs["restartCount"] == 1


def test_never_policy_phases() -> None:
    assert _status(_pod("Never"), _rt(_c(EXITED, code=0)))["phase"] == "Succeeded"
    assert _status(_pod("Never"), _rt(_c(EXITED, code=2)))["phase"] == "Failed"
    assert _status(_pod("OnFailure"), _rt(_c(EXITED, code=2)))["phase"] == "Running"
    assert _status(_pod("OnFailure"), _rt(_c(EXITED, code=0)))["phase"] == "Succeeded"


def test_terminal_phase_sticks() -> None:
    assert _status(_pod(phase="Succeeded"), _rt(_c(RUNNING)))["phase"] == "Succeeded"


def test_init_container_gates_phase() -> None:
    s = _status(_pod(init=True), _rt(_c(RUNNING, name="setup")))
    assert s["phase"] == "Pending"
    assert s["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    s = _status(_pod(init=True), _rt(_c(EXITED, name="setup"), _c(RUNNING)))
    assert s["phase"] == "Running"
    assert s["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_readiness_result_drives_ready() -> None:
    s = _status(_pod(), _rt(_c(RUNNING)), Observed(ready={"main": False}))
    conditions = {c["type"]: c["status"] for c in s["conditions"]}
    assert conditions["Ready"] == "False" and conditions["ContainersReady"] == "False"


def test_transition_time_kept_when_unchanged() -> None:
    old = [{"type": "Ready", "status": "True", "lastTransitionTime": "earlier"}]
    s = _status(_pod(conditions=old), _rt(_c(RUNNING)))
    ready = next(c for c in s["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == "earlier"


def test_oom_reason_passes_through() -> None:
    s = _status(_pod("Never"), _rt(_c(EXITED, code=137, reason="OOMKilled")))
    assert s["containerStatuses"][0]["state"]["terminated"]["reason"] == "OOMKilled"


def test_qos_class() -> None:
    pod = _pod()
    assert qos_class(pod) == "BestEffort"
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert qos_class(pod) == "Guaranteed"
    pod["spec"]["containers"][0]["resources"] = {"requests": {"memory": "1Gi"}}
    assert qos_class(pod) == "Burstable"


def test_an_init_container_makes_the_pod_burstable_for_api_server_and_kubelet() -> None:
    # the app container alone would be Guaranteed; Kubernetes counts init containers too
    pod = _pod(init=True)
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "500m", "memory": "64Mi"}}
    stored = copy.deepcopy(pod)
    del stored["status"]
    apply_defaults(PODS, stored)  # what the API server stores at creation
    assert stored["status"]["qosClass"] == "Burstable"
    rt = _rt(_c(EXITED, name="setup"), _c(RUNNING))
    assert _status(stored, rt)["qosClass"] == "Burstable"
    assert _status(pod, rt)["qosClass"] == "Burstable"  # from the spec alone, too


def test_recomputing_on_the_newest_status_is_stable() -> None:
    pod, rt = _pod(), _rt(_c(RUNNING))
    first = compute_status(pod, rt, Observed(pod_ip="10.0.0.2"), now=lambda: NOW)
    later = compute_status(
        {**pod, "status": first},
        rt,
        Observed(pod_ip="10.0.0.2"),
        now=lambda: "2030-01-01T00:00:00Z",
    )
    assert later == first  # nothing to write on a resync


class FakePods:
    """Answers get/update like the API server's pods and status subresource."""

    def __init__(self, conflicts: int) -> None:
        self.pod: dict[str, Any] = {
            **_pod(),
            "metadata": {"name": "p", "namespace": "d", "uid": "u"},
        }
        self.conflicts = conflicts
        self.updates: list[dict[str, Any]] = []

    async def get(self, resource: Any, name: str, namespace: str | None = None) -> dict[str, Any]:
        return copy.deepcopy(self.pod)

    async def update(
        self,
        resource: Any,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        assert subresource == "status"
        if self.conflicts:
            self.conflicts -= 1
            raise errors.Conflict("stale resourceVersion")
        self.updates.append(obj["status"])
        self.pod = obj
        return obj


def test_status_manager_coalesces_and_retries_conflicts() -> None:
    async def scenario() -> FakePods:
        fake = FakePods(conflicts=2)
        manager = StatusManager(fake)  # type: ignore[arg-type]
        task = asyncio.create_task(manager.run())
        pod = fake.pod
        manager.set(pod, {"phase": "Pending"})
        manager.set(pod, {"phase": "Running"})  # replaces the queued one
        for _ in range(100):
            if fake.updates:
                break
            await asyncio.sleep(0.01)
        manager.set(pod, {"phase": "Running"})  # already written: nothing to do
        assert not manager._wanted
        task.cancel()
        return fake

    fake = asyncio.run(scenario())
    assert fake.updates == [{"phase": "Running"}]
