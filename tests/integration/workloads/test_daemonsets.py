"""DaemonSets on real nodes: the fixture's node plus extra nodes this module starts itself.

An extra node is a second real node next to the fixture's: its own mk-cri-docker (its own
`--instance`, so its containers never mix with the fixture's, its own pod bridge network and
socket) and its own mk-kubelet (`--hostname-override`, own root/log dirs and ports) against
the fixture cluster's API server; Node IPAM gives it a podCIDR. The module stops them at the
end and removes their containers (by instance label), bridge network and Node objects.
Each test deletes its DaemonSet and waits for its pods to go while the kubelets still run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from minik8s.cluster import processes
from tests.integration.workloads.conftest import KUBELET_ARGS, Cluster, wait_for

Obj = dict[str, Any]
HASH_LABEL = "controller-revision-hash"


@dataclass
class ExtraNode:
    name: str
    instance: str
    root: Path
    procs: list[subprocess.Popen[bytes]]


def _node_ready(api: httpx.Client, name: str) -> bool:
    r = api.get(f"/api/v1/nodes/{name}")
    if r.status_code != 200:
        return False
    node = r.json()
    conditions = (node.get("status") or {}).get("conditions") or []
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
    return ready and bool((node.get("spec") or {}).get("podCIDR"))


def node_names(api: httpx.Client) -> set[str]:
    return {n["metadata"]["name"] for n in api.get("/api/v1/nodes").json()["items"]}


def ready_node_names(api: httpx.Client) -> set[str]:
    return {name for name in node_names(api) if _node_ready(api, name)}


def avoiding_stale_nodes(api: httpx.Client) -> Obj:
    """Template fields that keep daemon pods off nodes another test may have left behind
    NotReady (a daemon pod tolerates not-ready, but would never run there)."""
    stale = sorted(node_names(api) - ready_node_names(api))
    if not stale:
        return {}
    term = {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": stale}]}
    required = {"nodeSelectorTerms": [term]}
    return {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": required}}
    }


def start_node(cluster: Cluster, root: Path) -> ExtraNode:
    tag = uuid.uuid4().hex[:6]
    node = ExtraNode(f"ds-node-{tag}", f"mk-ds-{tag}", root, [])
    sock = root / "cri.sock"
    node.procs.append(
        processes.spawn(
            [
                sys.executable, "-m", "cridocker.main",
                "--listen", f"unix://{sock}",
                "--healthz-port", str(processes.free_port()),
                "--instance", node.instance,
                "--network-name", f"{node.instance}-pods",
            ],
            root / "cri.log",
        )
    )  # fmt: skip
    wait_for(sock.exists, f"the CRI socket of {node.name} (log {root / 'cri.log'})")
    node.procs.append(
        processes.spawn(
            [
                sys.executable, "-m", "kubelet.main",
                "--server", cluster.url,
                "--hostname-override", node.name,
                "--container-runtime-endpoint", f"unix://{sock}",
                "--root-dir", str(root / "kubelet"),
                "--pod-logs-dir", str(root / "pod-logs"),
                "--port", str(processes.free_port()),
                "--healthz-port", str(processes.free_port()),
                *KUBELET_ARGS,
            ],
            root / "kubelet.log",
        )
    )  # fmt: skip
    with cluster.client() as api:
        wait_for(lambda: _node_ready(api, node.name), f"node {node.name} Ready with a podCIDR")
    return node


def stop_node(cluster: Cluster, node: ExtraNode) -> None:
    with cluster.client() as api:
        # pods left on the node would wait for a kubelet that is about to go: remove now
        pods = api.get("/api/v1/pods", params={"fieldSelector": f"spec.nodeName={node.name}"})
        for pod in pods.json().get("items", []) if pods.status_code == 200 else []:
            m = pod["metadata"]
            api.delete(
                f"/api/v1/namespaces/{m['namespace']}/pods/{m['name']}",
                params={"gracePeriodSeconds": "0"},
            )
        for proc in reversed(node.procs):  # kubelet first, then its CRI shim
            processes.stop(proc, timeout=30)
        api.delete(f"/api/v1/nodes/{node.name}")
    if shutil.which("docker"):
        label = f"label=io.minik8s.cri.instance={node.instance}"
        ids = subprocess.run(
            ["docker", "ps", "-aq", "--filter", label], capture_output=True, text=True, timeout=60
        ).stdout.split()
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)
        subprocess.run(
            ["docker", "network", "rm", f"{node.instance}-pods"], capture_output=True, timeout=60
        )


class Nodes:
    """Extra nodes, started on demand and shared by this module's tests."""

    def __init__(self, cluster: Cluster, factory: pytest.TempPathFactory) -> None:
        self.cluster = cluster
        self.factory = factory
        self.extra: list[ExtraNode] = []

    def ensure(self, count: int) -> list[ExtraNode]:
        while len(self.extra) < count:
            self.extra.append(start_node(self.cluster, self.factory.mktemp("dsnode")))
        return self.extra[:count]

    def stop(self) -> None:
        for node in self.extra:
            stop_node(self.cluster, node)


@pytest.fixture(scope="module")
def nodes(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    found = Nodes(cluster, tmp_path_factory)
    try:
        yield found
    finally:
        found.stop()


def daemonset(name: str, version: str = "1", **spec: Any) -> Obj:
    pod_spec = spec.pop("pod_spec", {})
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "main",
                            "image": "minik8s/busybox:latest",
                            "command": ["sleep", "3600"],
                            "env": [{"name": "VERSION", "value": version}],
                        }
                    ],
                    **pod_spec,
                },
            },
            **spec,
        },
    }


def ds_url(ns: str, name: str = "") -> str:
    return f"/apis/apps/v1/namespaces/{ns}/daemonsets" + (f"/{name}" if name else "")


def pods_of(api: httpx.Client, ns: str, name: str) -> list[Obj]:
    r = api.get(f"/api/v1/namespaces/{ns}/pods", params={"labelSelector": f"app={name}"})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def running_by_node(api: httpx.Client, ns: str, name: str) -> dict[str, Obj]:
    out = {}
    for pod in pods_of(api, ns, name):
        if pod["metadata"].get("deletionTimestamp"):
            continue
        if (pod.get("status") or {}).get("phase") == "Running":
            out[pod["spec"].get("nodeName", "")] = pod
    return out


def status_of(api: httpx.Client, ns: str, name: str) -> Obj:
    return dict(api.get(ds_url(ns, name)).json().get("status") or {})


def delete_and_wait(api: httpx.Client, ns: str, name: str) -> None:
    api.delete(ds_url(ns, name), params={"propagationPolicy": "Foreground"})
    wait_for(lambda: not pods_of(api, ns, name), f"the pods of daemonset {name} gone")


def test_covers_every_node_and_a_new_one(
    cluster: Cluster, api: httpx.Client, ns: str, nodes: Nodes
) -> None:
    before = ready_node_names(api) - {n.name for n in nodes.extra}
    r = api.post(ds_url(ns), json=daemonset("agent", pod_spec=avoiding_stale_nodes(api)))
    assert r.status_code == 201, r.text
    try:
        wait_for(
            lambda: set(running_by_node(api, ns, "agent")) == before,
            f"a daemon pod Running on {before}",
        )
        extra = nodes.ensure(1)[0]
        wait_for(
            lambda: set(running_by_node(api, ns, "agent")) == {*before, extra.name},
            f"a daemon pod Running on the new node {extra.name}",
        )
        pods = running_by_node(api, ns, "agent")
        # placed through the scheduler, pinned by a matchFields affinity term
        terms = pods[extra.name]["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]["nodeSelectorTerms"]
        assert terms == [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [extra.name]}]}
        ]
        count = len(before) + 1
        wait_for(
            lambda: status_of(api, ns, "agent").get("numberAvailable") == count,
            f"status.numberAvailable {count}",
        )
        status = status_of(api, ns, "agent")
        assert status["desiredNumberScheduled"] == count
        assert status["currentNumberScheduled"] == count
        assert status["updatedNumberScheduled"] == count
        assert status["numberMisscheduled"] == 0
        # a daemon pod deleted by hand comes back on its node
        victim = pods[extra.name]["metadata"]["name"]
        api.delete(f"/api/v1/namespaces/{ns}/pods/{victim}")
        wait_for(
            lambda: (
                (p := running_by_node(api, ns, "agent").get(extra.name)) is not None
                and p["metadata"]["name"] != victim
            ),
            "a new daemon pod on the node whose pod was deleted",
        )
        got = cluster.mkctl("get", "daemonsets", "-n", ns)
        assert got.returncode == 0, got.stderr
        header = got.stdout.splitlines()[0].split()
        assert header[:6] == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE"]
    except AssertionError:
        print(cluster.log("controller-manager"))
        raise
    finally:
        delete_and_wait(api, ns, "agent")


def test_node_selector_excludes_nodes(
    cluster: Cluster, api: httpx.Client, ns: str, nodes: Nodes
) -> None:
    chosen = nodes.ensure(1)[0]
    label = f"ds-test-{ns}"
    merge = {"Content-Type": "application/merge-patch+json"}

    def set_label(value: str | None) -> None:
        r = api.patch(
            f"/api/v1/nodes/{chosen.name}",
            json={"metadata": {"labels": {label: value}}},
            headers=merge,
        )
        assert r.status_code == 200, r.text

    set_label("yes")
    body = daemonset("picky", pod_spec={"nodeSelector": {label: "yes"}})
    assert api.post(ds_url(ns), json=body).status_code == 201
    try:
        wait_for(
            lambda: set(running_by_node(api, ns, "picky")) == {chosen.name},
            f"a daemon pod on {chosen.name} only",
        )
        status = status_of(api, ns, "picky")
        assert status["desiredNumberScheduled"] == 1
        # the node stops qualifying: its pod goes
        set_label(None)
        wait_for(lambda: not pods_of(api, ns, "picky"), "the pod gone after the label went")
        wait_for(
            lambda: status_of(api, ns, "picky").get("desiredNumberScheduled") == 0,
            "desiredNumberScheduled 0",
        )
    finally:
        set_label(None)
        delete_and_wait(api, ns, "picky")


def test_rolling_update_respects_max_unavailable(
    cluster: Cluster, api: httpx.Client, ns: str, nodes: Nodes
) -> None:
    nodes.ensure(2)
    every = ready_node_names(api)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    body = daemonset("roll", pod_spec=avoiding_stale_nodes(api), updateStrategy=strategy)
    assert api.post(ds_url(ns), json=body).status_code == 201
    watcher: subprocess.Popen[str] | None = None
    try:
        wait_for(
            lambda: status_of(api, ns, "roll").get("numberAvailable") == len(every),
            f"{len(every)} available daemon pods",
        )
        before = {p["metadata"]["name"] for p in pods_of(api, ns, "roll")}
        before_hash = pods_of(api, ns, "roll")[0]["metadata"]["labels"][HASH_LABEL]
        r = api.patch(
            ds_url(ns, "roll"),
            json={"spec": {"template": {"spec": {"containers": [
                {"name": "main", "env": [{"name": "VERSION", "value": "2"}]}
            ]}}}},
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )  # fmt: skip
        assert r.status_code == 200, r.text
        watcher = subprocess.Popen(
            [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(cluster.kubeconfig),
             "rollout", "status", "daemonset/roll", "-n", ns, "--timeout", "150s"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        worst = 0

        def rolled_out() -> bool:
            nonlocal worst
            pods = pods_of(api, ns, "roll")  # one consistent list per look
            ready_nodes = set()
            for pod in pods:
                ready = any(
                    c["type"] == "Ready" and c["status"] == "True"
                    for c in (pod.get("status") or {}).get("conditions") or []
                )
                if ready and not pod["metadata"].get("deletionTimestamp"):
                    ready_nodes.add(pod["spec"].get("nodeName"))
            worst = max(worst, len(every - ready_nodes))
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            names = {p["metadata"]["name"] for p in live}
            return ready_nodes == every and len(live) == len(every) and not names & before

        wait_for(rolled_out, "every daemon pod replaced", timeout=150, interval=0.1)
        assert worst == 1  # one node at a time, never more
        hashes = {p["metadata"]["labels"][HASH_LABEL] for p in pods_of(api, ns, "roll")}
        assert len(hashes) == 1
        out, err = watcher.communicate(timeout=120)
        assert watcher.returncode == 0, err
        assert 'daemon set "roll" successfully rolled out' in out
        assert "Waiting for daemon set" in out
        kubectl = shutil.which("kubectl")
        if kubectl:
            done = subprocess.run(
                [kubectl, "--kubeconfig", str(cluster.kubeconfig), "rollout", "status",
                 "daemonset/roll", "-n", ns, "--timeout=60s"],
                capture_output=True, text=True, timeout=90,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert 'daemon set "roll" successfully rolled out' in done.stdout
        check_history_and_undo(cluster, api, ns, first=before_hash, second=hashes.pop())
    except AssertionError:
        print(cluster.log("controller-manager"))
        raise
    finally:
        if watcher is not None and watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
        delete_and_wait(api, ns, "roll")


def revision_numbers(api: httpx.Client, ns: str) -> dict[str, int]:
    r = api.get(f"/apis/apps/v1/namespaces/{ns}/controllerrevisions")
    assert r.status_code == 200, r.text
    return {i["metadata"]["name"]: i["revision"] for i in r.json()["items"]}


def template_version(api: httpx.Client, ns: str) -> str:
    container = api.get(ds_url(ns, "roll")).json()["spec"]["template"]["spec"]["containers"][0]
    return str(container["env"][0]["value"])


def check_history_and_undo(
    cluster: Cluster, api: httpx.Client, ns: str, first: str, second: str
) -> None:
    """After the rolling update of "roll" (VERSION 1 -> 2, pod hashes `first` -> `second`):
    its two templates are ControllerRevisions that both clients list and undo."""
    assert revision_numbers(api, ns) == {f"roll-{first}": 1, f"roll-{second}": 2}
    ours = cluster.mkctl("rollout", "history", "daemonset/roll", "-n", ns)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.split()[-4:] == ["1", "<none>", "2", "<none>"], ours.stdout
    one = cluster.mkctl("rollout", "history", "ds/roll", "-n", ns, "--revision", "1")
    assert one.returncode == 0, one.stderr
    assert "VERSION:\t1" in one.stdout, one.stdout
    kubectl = shutil.which("kubectl")
    if kubectl:
        base = [kubectl, "--kubeconfig", str(cluster.kubeconfig), "-n", ns, "rollout"]
        listed = subprocess.run(
            [*base, "history", "daemonset/roll"], capture_output=True, text=True, timeout=60
        )
        assert listed.returncode == 0, listed.stderr
        rows = [line.split()[0] for line in listed.stdout.splitlines()[2:] if line.strip()]
        assert rows == ["1", "2"], listed.stdout
        shown = subprocess.run(
            [*base, "history", "daemonset/roll", "--revision=1"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert shown.returncode == 0, shown.stderr
        assert re.search(r"VERSION:\s+1\b", shown.stdout), shown.stdout
        # kubectl's undo sends revision 1's data back: the template returns, as revision 3
        undo = subprocess.run(
            [*base, "undo", "daemonset/roll"], capture_output=True, text=True, timeout=60
        )
        assert undo.returncode == 0, undo.stderr
    else:
        undo = cluster.mkctl("rollout", "undo", "daemonset/roll", "-n", ns, "--to-revision=1")
        assert undo.returncode == 0, undo.stderr
    assert "rolled back" in undo.stdout
    wait_for(
        lambda: revision_numbers(api, ns).get(f"roll-{first}") == 3,
        "the undone template renumbered as revision 3",
    )
    assert template_version(api, ns) == "1"
    # the rollback is itself a rolling update: pods with the first hash come back
    wait_for(
        lambda: any(
            p["metadata"]["labels"].get(HASH_LABEL) == first
            for p in running_by_node(api, ns, "roll").values()
        ),
        "a daemon pod of the first template Running again",
    )
    # mkctl's undo (to the previous revision: 2) brings the second template back, as 4
    out = cluster.mkctl("rollout", "undo", "daemonset/roll", "-n", ns)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "daemonset.apps/roll rolled back"
    wait_for(
        lambda: revision_numbers(api, ns) == {f"roll-{first}": 3, f"roll-{second}": 4},
        "mkctl's undo renumbering the second template as revision 4",
    )
    assert template_version(api, ns) == "2"
    again = cluster.mkctl("rollout", "undo", "ds/roll", "-n", ns, "--to-revision=4")
    assert again.returncode == 0, again.stderr
    assert "skipped rollback (current template already matches revision 4)" in again.stdout
