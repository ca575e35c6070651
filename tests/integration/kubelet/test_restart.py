"""Killing the kubelet and starting it again changes nothing that was running; pods that
left the node meanwhile are cleaned up."""

from __future__ import annotations

import time
from typing import Any

import httpx

from minik8s.cri import cri_pb2 as pb
from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import container, create, cstatus, get, phase, pod, wait_pod


def _containers(kubelet: KubeletProcess, uid: str) -> list[pb.Container]:
    items = kubelet.shim.rt.ListContainers(pb.ListContainersRequest()).containers
    return [c for c in items if c.labels.get("io.kubernetes.pod.uid") == uid]


def test_restarted_kubelet_adopts_running_pods(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    create(api, ns, pod("keep", kubelet.node, container("main")))
    create(api, ns, pod("gone", kubelet.node, container("main")))
    keep = wait_pod(api, ns, "keep", lambda p: phase(p) == "Running", "keep Running")
    gone = wait_pod(api, ns, "gone", lambda p: phase(p) == "Running", "gone Running")
    before = {c.id for c in _containers(kubelet, keep["metadata"]["uid"])}
    assert before

    kubelet.kill()
    # While the kubelet is down, "gone" is force-deleted: its containers become orphans.
    r = api.delete(f"/api/v1/namespaces/{ns}/pods/gone", params={"gracePeriodSeconds": "0"})
    assert r.status_code in (200, 202), r.text
    assert get(api, ns, "gone") is None
    kubelet.start()

    deadline = time.monotonic() + 60
    while _containers(kubelet, gone["metadata"]["uid"]):
        assert time.monotonic() < deadline, "the orphaned pod's containers were not removed"
        time.sleep(0.3)
    after = {c.id for c in _containers(kubelet, keep["metadata"]["uid"])}
    assert after == before, "a healthy container was restarted or replaced"
    p = get(api, ns, "keep")
    assert p is not None and phase(p) == "Running" and cstatus(p)["restartCount"] == 0


def test_dead_sandbox_is_recreated(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    p = create(api, ns, pod("phoenix", kubelet.node, container("main")))
    uid = p["metadata"]["uid"]
    p = wait_pod(api, ns, "phoenix", lambda p: phase(p) == "Running", "phoenix Running")
    old_ip = p["status"]["podIP"]
    old_container = cstatus(p)["containerID"]
    sandboxes = kubelet.shim.rt.ListPodSandbox(pb.ListPodSandboxRequest()).items
    (first,) = [s for s in sandboxes if s.metadata.uid == uid]
    # the pod's network namespace dies behind the kubelet's back
    kubelet.shim.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=first.id))

    def recreated(p: dict[str, Any]) -> bool:
        items = kubelet.shim.rt.ListPodSandbox(pb.ListPodSandboxRequest()).items
        ready = [s for s in items if s.metadata.uid == uid and s.state == pb.SANDBOX_READY]
        status = cstatus(p)
        replaced = status.get("containerID") not in (None, old_container)
        running = bool(status.get("state", {}).get("running"))
        return bool(ready) and ready[0].metadata.attempt == 1 and replaced and running

    p = wait_pod(api, ns, "phoenix", recreated, "a new sandbox and Running again", 60)
    # StopPodSandbox stops the app container before the sandbox: a relist in between may
    # restart the container once in the still-ready sandbox before the sandbox is seen dead.
    assert phase(p) == "Running" and cstatus(p)["restartCount"] in (1, 2)
    assert p["status"]["podIP"] and old_ip
