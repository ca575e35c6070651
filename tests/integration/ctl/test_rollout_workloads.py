"""`mkctl rollout`, `set image`, `logs`, `exec`, `top`, `cordon` and `drain` as subprocesses
against the session's real API server, compared with the real `kubectl` where both work.

No controllers run yet, so the tests play their part: they create the ReplicaSets a
Deployment controller would have made (ownerReferences, revision annotations,
pod-template-hash labels), move a Deployment's status through the status subresource in
step with what `rollout status` prints, and finish the graceful deletion of evicted pods
the way a kubelet would (DELETE with gracePeriodSeconds=0). Every wait is a condition with
a deadline.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import APIServerProcess

from .conftest import Mkctl

Obj = dict[str, Any]
Kubectl = Callable[..., subprocess.CompletedProcess[str]]
REVISION = "deployment.kubernetes.io/revision"
CAUSE = "kubernetes.io/change-cause"


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def kubectl(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.fail("kubectl is not on the PATH")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [binary, "--server", apiserver.url, "--cache-dir", str(tmp_path / "kc"), "-n", ns]
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)

    return run


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def create(api: httpx.Client, path: str, obj: Obj) -> Obj:
    r = api.post(path, json=obj)
    assert r.status_code == 201, r.text
    body: Obj = r.json()
    return body


def template(tag: str, hash_label: str | None = None) -> Obj:
    labels = {"app": "web"}
    if hash_label:
        labels["pod-template-hash"] = hash_label
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [
                {"name": "web", "image": f"minik8s/httpd:{tag}", "ports": [{"containerPort": 8080}]}
            ]
        },
    }


def make_deployment(api: httpx.Client, ns: str, tag: str = "v3", revision: int = 3) -> Obj:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {REVISION: str(revision)}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template(tag),
        },
    }
    return create(api, f"/apis/apps/v1/namespaces/{ns}/deployments", deployment)


def make_replica_set(
    api: httpx.Client, ns: str, owner: Obj, revision: int, tag: str, cause: str = ""
) -> Obj:
    annotations = {REVISION: str(revision)}
    if cause:
        annotations[CAUSE] = cause
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"web-{tag}",
            "labels": {"app": "web", "pod-template-hash": tag},
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": tag}},
            "template": template(tag, tag),
        },
    }
    return create(api, f"/apis/apps/v1/namespaces/{ns}/replicasets", rs)


def with_history(api: httpx.Client, ns: str) -> Obj:
    """A Deployment at revision 3 and the ReplicaSets of revisions 1-3."""
    deployment = make_deployment(api, ns)
    make_replica_set(api, ns, deployment, 1, "v1", "mkctl create deployment web")
    make_replica_set(api, ns, deployment, 2, "v2", "mkctl set image deployment/web web=v2")
    make_replica_set(api, ns, deployment, 3, "v3")
    return deployment


def get_deployment(api: httpx.Client, ns: str) -> Obj:
    r = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert r.status_code == 200, r.text
    body: Obj = r.json()
    return body


def set_status(api: httpx.Client, ns: str, **status: Any) -> None:
    """What a Deployment controller would write: the status, at the current generation."""
    generation = get_deployment(api, ns)["metadata"]["generation"]
    r = api.patch(
        f"/apis/apps/v1/namespaces/{ns}/deployments/web/status",
        json={"status": {"observedGeneration": generation, **status}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text


# --------------------------------------------------------------------------- rollout status


def test_rollout_status_follows_the_deployment_until_it_is_available(
    mkctl: Mkctl, api: httpx.Client, ns: str
) -> None:
    make_deployment(api, ns)
    set_status(api, ns, replicas=3, updatedReplicas=1)
    running = mkctl.start("rollout", "status", "deployment/web", "--timeout=60s")
    running.stdout.wait_for("1 out of 3 new replicas have been updated...")
    set_status(api, ns, replicas=4, updatedReplicas=3)
    running.stdout.wait_for("1 old replicas are pending termination...")
    for available in range(3):
        set_status(api, ns, replicas=3, updatedReplicas=3, availableReplicas=available)
        running.stdout.wait_for(f"{available} of 3 updated replicas are available...")
    set_status(api, ns, replicas=3, updatedReplicas=3, availableReplicas=3)
    running.stdout.wait_for('deployment "web" successfully rolled out')
    assert running.wait() == 0


def test_rollout_status_fails_past_the_progress_deadline(
    mkctl: Mkctl, api: httpx.Client, ns: str
) -> None:
    make_deployment(api, ns)
    deadline = {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    set_status(api, ns, replicas=3, updatedReplicas=1, conditions=[deadline])
    line = mkctl.fails("rollout", "status", "deploy/web")
    assert line == 'error: deployment "web" exceeded its progress deadline'


def test_rollout_status_timeout_and_watch_false(
    mkctl: Mkctl, kubectl: Kubectl, api: httpx.Client, ns: str
) -> None:
    make_deployment(api, ns)
    set_status(api, ns, replicas=3, updatedReplicas=3, availableReplicas=1)
    started = time.monotonic()
    result = mkctl("rollout", "status", "deploy/web", "--timeout=1s", check=False)
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert result.stderr == "error: timed out waiting for the condition\n"
    once = mkctl("rollout", "status", "deploy/web", "--watch=false")
    assert once.stdout == (
        'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n'
    )
    assert once.stdout == kubectl("rollout", "status", "deploy/web", "--watch=false").stdout


# --------------------------------------------------------------------------- history / undo


def test_rollout_history_is_kubectl_s(
    mkctl: Mkctl, kubectl: Kubectl, api: httpx.Client, ns: str
) -> None:
    with_history(api, ns)
    for args in (
        ("rollout", "history", "deployment/web"),
        ("rollout", "history", "deployment/web", "--revision=2"),
        ("rollout", "history", "deployment/web", "--revision=3"),
    ):
        ours, theirs = mkctl(*args), kubectl(*args)
        assert theirs.returncode == 0, theirs.stderr
        assert ours.stdout == theirs.stdout, args
    assert mkctl("rollout", "history", "deploy/web").stdout == (
        "deployment.apps/web \n"
        "REVISION  CHANGE-CAUSE\n"
        "1         mkctl create deployment web\n"
        "2         mkctl set image deployment/web web=v2\n"
        "3         <none>\n\n"
    )
    line = mkctl.fails("rollout", "history", "deploy/web", "--revision=9")
    assert line == "error: unable to find the specified revision"


def test_rollout_undo_restores_a_revision_s_template(
    mkctl: Mkctl, api: httpx.Client, ns: str
) -> None:
    with_history(api, ns)
    assert mkctl("rollout", "undo", "deployment/web").stdout == "deployment.apps/web rolled back\n"
    after = get_deployment(api, ns)
    assert after["spec"]["template"]["spec"]["containers"][0]["image"] == "minik8s/httpd:v2"
    assert after["spec"]["template"]["metadata"]["labels"] == {"app": "web"}
    assert after["metadata"]["annotations"][CAUSE] == "mkctl set image deployment/web web=v2"
    assert after["metadata"]["annotations"][REVISION] == "3"

    mkctl("rollout", "undo", "deployment/web", "--to-revision=1")
    image = get_deployment(api, ns)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "minik8s/httpd:v1"
    skipped = mkctl("rollout", "undo", "deployment/web", "--to-revision=1").stdout
    assert skipped == (
        "deployment.apps/web skipped rollback (current template already matches revision 1)\n"
    )
    line = mkctl.fails("rollout", "undo", "deployment/web", "--to-revision=9")
    assert line == "error: unable to find specified revision 9 in history"


def test_rollout_undo_without_history(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    make_deployment(api, ns)
    line = mkctl.fails("rollout", "undo", "deploy/web")
    assert line == 'error: no rollout history found for deployment "web"'
    assert mkctl("rollout", "history", "deploy/web").stdout == (
        "deployment.apps/web \nNo rollout history found.\n"
    )


# --------------------------------------------------------------------------- restart / pause


def test_pause_restart_resume(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    make_deployment(api, ns)
    assert mkctl("rollout", "pause", "deploy/web").stdout == "deployment.apps/web paused\n"
    assert get_deployment(api, ns)["spec"]["paused"] is True
    assert mkctl.fails("rollout", "pause", "deploy/web") == (
        'error: deployments.apps "web" is already paused'
    )
    assert mkctl.fails("rollout", "restart", "deploy/web") == (
        'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)'
    )
    assert mkctl("rollout", "resume", "deploy/web").stdout == "deployment.apps/web resumed\n"
    assert not get_deployment(api, ns)["spec"].get("paused")
    assert mkctl.fails("rollout", "resume", "deploy/web") == (
        'error: deployments.apps "web" is not paused'
    )
    generation = get_deployment(api, ns)["metadata"]["generation"]
    assert mkctl("rollout", "restart", "deploy/web").stdout == "deployment.apps/web restarted\n"
    after = get_deployment(api, ns)
    stamp = after["spec"]["template"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/restartedAt"
    ]
    assert datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo is not None
    assert after["metadata"]["generation"] == generation + 1
    assert mkctl.fails("rollout", "restart", "pod/x") == (
        'error: pods "x" restarting is not supported'
    )


# --------------------------------------------------------------------------- set image


def test_set_image(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    make_deployment(api, ns)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "two"},
        "spec": {
            "initContainers": [{"name": "init", "image": "minik8s/busybox:latest"}],
            "containers": [
                {"name": "a", "image": "minik8s/busybox:latest"},
                {"name": "b", "image": "minik8s/busybox:latest"},
            ],
        },
    }
    create(api, f"/api/v1/namespaces/{ns}/pods", pod)

    out = mkctl("set", "image", "deployment/web", "web=minik8s/httpd:v9").stdout
    assert out == "deployment.apps/web image updated\n"
    container = get_deployment(api, ns)["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "minik8s/httpd:v9"
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert mkctl("set", "image", "deployment/web", "web=minik8s/httpd:v9").stdout == ""

    assert mkctl("set", "image", "pod/two", "*=minik8s/busybox:v2").stdout == (
        "pod/two image updated\n"
    )
    spec = api.get(f"/api/v1/namespaces/{ns}/pods/two").json()["spec"]
    images = [c["image"] for c in spec["initContainers"] + spec["containers"]]
    assert images == ["minik8s/busybox:v2"] * 3

    line = mkctl.fails("set", "image", "deploy/web", "nope=x")
    assert line == 'error: unable to find container named "nope"'


# --------------------------------------------------------------------------- kubelet features


def test_logs_exec_and_top_say_what_is_missing(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "c", "image": "minik8s/busybox:latest"}]},
    }
    create(api, f"/api/v1/namespaces/{ns}/pods", pod)
    started = time.monotonic()
    line = mkctl.fails("logs", "x", "--tail=10")
    assert time.monotonic() - started < 5  # the error is not retried
    assert line == (
        'Error from server (BadRequest): container "c" in pod "x" is waiting to start: the pod '
        "is not scheduled to a node yet"
    )
    assert mkctl.fails("logs", "nope") == (
        f'error: error from server (NotFound): pods "nope" not found in namespace "{ns}"'
    )
    assert mkctl.fails("logs", "x", "-c", "nope") == "error: container nope is not valid for pod x"
    assert mkctl.fails("exec", "x", "--", "ls", "-la") == (
        'Error from server (BadRequest): container "c" in pod "x" is waiting to start: the pod '
        "is not scheduled to a node yet"
    )
    # the metrics API is served, but no kubelet reports pod x: kubectl's message
    assert mkctl.fails("top", "pods") == "error: metrics not available yet"


# --------------------------------------------------------------------------- nodes


@pytest.fixture
def node(api: httpx.Client, ns: str) -> Iterator[str]:
    """A Node of the test's own (nodes are cluster-scoped), removed afterwards."""
    name = f"{ns}-node"
    create(api, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    yield name
    api.delete(f"/api/v1/nodes/{name}")


def bound_pod(api: httpx.Client, ns: str, name: str, node: str, **meta: Any) -> Obj:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, **meta},
        "spec": {"containers": [{"name": "c", "image": "minik8s/busybox:latest"}]},
    }
    created = create(api, f"/api/v1/namespaces/{ns}/pods", pod)
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node},
    }
    create(api, f"/api/v1/namespaces/{ns}/pods/{name}/binding", binding)
    return created


def test_cordon_and_uncordon(mkctl: Mkctl, kubectl: Kubectl, api: httpx.Client, node: str) -> None:
    def unschedulable() -> Any:
        return api.get(f"/api/v1/nodes/{node}").json()["spec"].get("unschedulable")

    assert mkctl("cordon", node).stdout == f"node/{node} cordoned\n"
    assert unschedulable() is True
    assert mkctl("cordon", node).stdout == f"node/{node} already cordoned\n"
    assert kubectl("cordon", node).stdout == f"node/{node} already cordoned\n"
    assert mkctl("uncordon", node).stdout == f"node/{node} uncordoned\n"
    assert not unschedulable()
    assert mkctl("uncordon", node).stdout == kubectl("uncordon", node).stdout
    assert mkctl.fails("cordon", f"{node}-nope") == (
        f'Error from server (NotFound): nodes "{node}-nope" not found'
    )


def test_drain_refuses_unmanaged_and_daemonset_pods(
    mkctl: Mkctl, api: httpx.Client, ns: str, node: str
) -> None:
    daemonset = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "c", "image": "minik8s/busybox:latest"}]},
            },
        },
    }
    ds = create(api, f"/apis/apps/v1/namespaces/{ns}/daemonsets", daemonset)
    owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "controller": True}
    bound_pod(api, ns, "agent-1", node, ownerReferences=[{**owner, "uid": ds["metadata"]["uid"]}])
    bound_pod(api, ns, "bare", node)

    result = mkctl("drain", node, check=False)
    assert result.returncode == 1
    assert result.stdout == f"node/{node} cordoned\n"
    assert result.stderr.splitlines() == [
        f'error: unable to drain node "{node}" due to error: [cannot delete DaemonSet-managed '
        f"Pods (use --ignore-daemonsets to ignore): {ns}/agent-1, cannot delete Pods that "
        f"declare no controller (use --force to override): {ns}/bare], continuing command...",
        "There are pending nodes to be drained:",
        f" {node}",
        f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {ns}/agent-1",
        f"cannot delete Pods that declare no controller (use --force to override): {ns}/bare",
    ]
    assert api.get(f"/api/v1/nodes/{node}").json()["spec"]["unschedulable"] is True
    assert (
        api.get(f"/api/v1/namespaces/{ns}/pods/bare").json()["metadata"].get("deletionTimestamp")
        is None
    )


def test_drain_evicts_and_waits_for_the_kubelet(
    mkctl: Mkctl, api: httpx.Client, ns: str, node: str
) -> None:
    deployment = make_deployment(api, ns)
    rs = make_replica_set(api, ns, deployment, 1, "v1")
    owner = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": rs["metadata"]["name"],
        "uid": rs["metadata"]["uid"],
        "controller": True,
    }
    bound_pod(api, ns, "web-1", node, ownerReferences=[owner])
    bound_pod(api, ns, "bare", node)

    running = mkctl.start("drain", node, "--force", "--timeout=60s")
    running.stdout.wait_for(f"node/{node} cordoned")
    running.stderr.wait_for(f"Warning: deleting Pods that declare no controller: {ns}/bare")
    for name in ("bare", "web-1"):  # in the order the API server lists them
        running.stdout.wait_for(f"evicting pod {ns}/{name}")

    def marked(name: str) -> bool:
        meta = api.get(f"/api/v1/namespaces/{ns}/pods/{name}").json()["metadata"]
        return bool(meta.get("deletionTimestamp"))

    for name in ("web-1", "bare"):
        wait_until(functools.partial(marked, name), f"pod {name} to be evicted")
        # The kubelet's part: the containers stopped, the pod goes for good.
        r = api.request(
            "DELETE",
            f"/api/v1/namespaces/{ns}/pods/{name}",
            json={"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0},
        )
        assert r.status_code == 200, r.text
        running.stdout.wait_for(f"pod/{name} evicted")
    running.stdout.wait_for(f"node/{node} drained")
    assert running.wait() == 0


def test_drain_timeout_reports_pending_pods(
    mkctl: Mkctl, api: httpx.Client, ns: str, node: str
) -> None:
    bound_pod(api, ns, "bare", node)
    result = mkctl("drain", node, "--force", "--timeout=1s", check=False)
    assert result.returncode == 1
    message = (
        f'error when waiting for pod "bare" in namespace "{ns}" to terminate: '
        "global timeout reached: 1s"
    )
    assert result.stderr.splitlines()[-4:] == [
        f'error: unable to drain node "{node}" due to error: {message}, continuing command...',
        "There are pending nodes to be drained:",
        f" {node}",
        message,
    ]
    assert f'There are pending pods in node "{node}" when an error occurred' in result.stderr
