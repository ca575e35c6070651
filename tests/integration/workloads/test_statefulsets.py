"""StatefulSets on the real one-node cluster: ordered pods, stable names and storage.

hostPath PersistentVolumes live in the test's tmp directory; the binder pairs them with the
claims the StatefulSet creates, the kubelet mounts them into real containers, and each
container appends its hostname to a file on its volume at every start, so the test reads,
from the host, which pod ran on which volume and how often.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.integration.workloads.conftest import Cluster, wait_for

Obj = dict[str, Any]
APPS = "/apis/apps/v1"
MERGE = {"Content-Type": "application/merge-patch+json"}
BOOT = "cat /proc/sys/kernel/hostname >> /data/boots; exec sleep 3600"


def _pv(name: str, path: Path, policy: str = "Retain", cls: str = "") -> Obj:
    return {
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": cls,
            "persistentVolumeReclaimPolicy": policy,
            "hostPath": {"path": str(path), "type": "DirectoryOrCreate"},
        },
    }


def _statefulset(cls: str) -> Obj:
    return {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "main",
                            "image": "minik8s/busybox:latest",
                            "command": ["sh", "-c", BOOT],
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                            # Ready only after a while: the next ordinal must wait for it
                            # (generous timeout and threshold: a loaded machine's slow
                            # exec must not flip a Ready pod back)
                            "readinessProbe": {
                                "exec": {"command": ["cat", "/data/boots"]},
                                "initialDelaySeconds": 2,
                                "periodSeconds": 1,
                                "timeoutSeconds": 10,
                                "failureThreshold": 30,
                            },
                        }
                    ],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "storageClassName": cls,
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "100Mi"}},
                    },
                }
            ],
        },
    }


def _pods(api: httpx.Client, ns: str) -> dict[str, Obj]:
    items = api.get(f"/api/v1/namespaces/{ns}/pods").json()["items"]
    return {p["metadata"]["name"]: p for p in items}


def _ready(pod: Obj | None) -> bool:
    if pod is None or pod["metadata"].get("deletionTimestamp"):
        return False
    conds = (pod.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conds)


def _claim_volume(api: httpx.Client, ns: str, name: str) -> str | None:
    r = api.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}")
    if r.status_code != 200:
        return None
    claim = r.json()
    if (claim.get("status") or {}).get("phase") != "Bound":
        return None
    return str(claim["spec"].get("volumeName") or "") or None


def _boots(paths: dict[str, Path], volume: str | None) -> list[str]:
    if volume is None:
        return []
    try:
        return (paths[volume] / "boots").read_text().split()
    except OSError:
        return []


def test_statefulset_order_identity_storage_and_partition(
    cluster: Cluster, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    cls = f"sts-{uuid.uuid4().hex[:6]}"  # only this test's volumes match its claims
    paths = {f"{cls}-{i}": tmp_path / f"pv{i}" for i in range(3)}
    for name, path in paths.items():
        r = api.post("/api/v1/persistentvolumes", json=_pv(name, path, cls=cls))
        assert r.status_code == 201, r.text
    service = {
        "metadata": {"name": "web"},
        "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 8080}]},
    }
    assert api.post(f"/api/v1/namespaces/{ns}/services", json=service).status_code == 201
    r = api.post(f"{APPS}/namespaces/{ns}/statefulsets", json=_statefulset(cls))
    assert r.status_code == 201, r.text
    try:
        _check(cluster, api, ns, paths)
    finally:
        api.delete(f"{APPS}/namespaces/{ns}/statefulsets/web")
        for name in paths:
            api.delete(f"/api/v1/persistentvolumes/{name}")


def _check(cluster: Cluster, api: httpx.Client, ns: str, paths: dict[str, Path]) -> None:
    # 1. OrderedReady: web-1 is not seen before web-0 was seen Ready (polled throughout)
    seen_ready: set[str] = set()

    def ordered_up() -> bool:
        pods = _pods(api, ns)
        seen_ready.update(name for name, pod in pods.items() if _ready(pod))
        for i in (1, 2):
            if f"web-{i}" in pods:
                previous = pods.get(f"web-{i - 1}") or {}
                assert f"web-{i - 1}" in seen_ready, (
                    f"web-{i} created before web-{i - 1} was Ready: "
                    f"{(previous.get('status') or {}).get('conditions')}"
                )
        return all(_ready(pods.get(f"web-{i}")) for i in range(3))

    wait_for(ordered_up, "web-0, web-1, web-2 Ready in order", timeout=180)
    pods = _pods(api, ns)
    for i in range(3):
        spec = pods[f"web-{i}"]["spec"]
        assert (spec["hostname"], spec["subdomain"]) == (f"web-{i}", "web")
        labels = pods[f"web-{i}"]["metadata"]["labels"]
        assert labels["statefulset.kubernetes.io/pod-name"] == f"web-{i}"
        assert labels["apps.kubernetes.io/pod-index"] == str(i)
    volumes = {i: _claim_volume(api, ns, f"data-web-{i}") for i in range(3)}
    assert all(volumes.values()) and len(set(volumes.values())) == 3, volumes
    # the container's hostname is the pod's, written on the volume bound to its claim
    for i in range(3):
        assert _boots(paths, volumes[i]) == [f"web-{i}"]

    # 2. the headless Service's Endpoints name every pod
    def hostnames() -> set[str] | None:
        ep = api.get(f"/api/v1/namespaces/{ns}/endpoints/web").json()
        found = {
            a.get("hostname") for s in ep.get("subsets") or [] for a in s.get("addresses") or []
        }
        return found if found == {"web-0", "web-1", "web-2"} else None

    wait_for(hostnames, "Endpoints addresses with hostnames web-0..2")
    out = cluster.mkctl("rollout", "status", "statefulset/web", "-n", ns, "--timeout", "60s")
    assert out.returncode == 0, out.stderr
    assert "roll out complete" in out.stdout
    kubectl = subprocess.run(
        ["kubectl", "--kubeconfig", str(cluster.kubeconfig), "-n", ns, "rollout", "status"]
        + ["statefulset/web", "--timeout=60s"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert kubectl.returncode == 0, kubectl.stderr
    assert "roll out complete" in kubectl.stdout

    # 3. delete web-1: a new web-1 with the same claim, and the old file still there
    old_uid = pods["web-1"]["metadata"]["uid"]
    assert api.delete(f"/api/v1/namespaces/{ns}/pods/web-1").status_code in (200, 202)

    def replaced() -> bool:
        pod = _pods(api, ns).get("web-1")
        return bool(pod and pod["metadata"]["uid"] != old_uid and _ready(pod))

    wait_for(replaced, "a new web-1 Ready")
    assert _claim_volume(api, ns, "data-web-1") == volumes[1]
    assert _boots(paths, volumes[1]) == ["web-1", "web-1"]

    # 4. partitioned rolling update: only ordinals >= 2 move to the new revision
    before = {n: p["metadata"]["uid"] for n, p in _pods(api, ns).items()}
    template = _statefulset("")["spec"]["template"]
    template["metadata"]["annotations"] = {"rev": "2"}
    patch = {
        "spec": {
            "template": template,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        }
    }
    r = api.patch(f"{APPS}/namespaces/{ns}/statefulsets/web", json=patch, headers=MERGE)
    assert r.status_code == 200, r.text

    def partitioned() -> Obj | None:
        sts = api.get(f"{APPS}/namespaces/{ns}/statefulsets/web").json()
        status = sts.get("status") or {}
        web2 = _pods(api, ns).get("web-2")
        rev = (web2 or {}).get("metadata", {}).get("labels", {}).get("controller-revision-hash")
        done = status.get("updatedReplicas") == 1 and status.get("readyReplicas") == 3
        return status if done and rev == status.get("updateRevision") and _ready(web2) else None

    status = wait_for(partitioned, "web-2 updated and Ready behind partition 2")
    assert status["currentRevision"] != status["updateRevision"]
    after = _pods(api, ns)
    for name in ("web-0", "web-1"):
        assert after[name]["metadata"]["uid"] == before[name], f"{name} was replaced"
        labels = after[name]["metadata"]["labels"]
        assert labels["controller-revision-hash"] == status["currentRevision"]
    assert after["web-2"]["metadata"]["uid"] != before["web-2"]
    # both templates are ControllerRevisions of the set, which kubectl reads as history
    items = api.get(f"{APPS}/namespaces/{ns}/controllerrevisions").json()["items"]
    numbers = {r["metadata"]["name"]: r["revision"] for r in items}
    assert numbers == {status["currentRevision"]: 1, status["updateRevision"]: 2}
    history = subprocess.run(
        ["kubectl", "--kubeconfig", str(cluster.kubeconfig), "-n", ns, "rollout", "history"]
        + ["statefulset/web"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert history.returncode == 0, history.stderr
    assert [line.split()[0] for line in history.stdout.splitlines()[2:] if line.strip()] == [
        "1",
        "2",
    ]
    ours = cluster.mkctl("rollout", "history", "statefulset/web", "-n", ns)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.split()[-4:] == ["1", "<none>", "2", "<none>"], ours.stdout

    # 5. scale down through the scale subresource: web-2 goes before web-1; claims stay
    scale = {"spec": {"replicas": 1}}
    r = api.patch(f"{APPS}/namespaces/{ns}/statefulsets/web/scale", json=scale, headers=MERGE)
    assert r.status_code == 200, r.text

    def scaled_down() -> bool:
        pods = _pods(api, ns)
        if "web-1" not in pods or pods["web-1"]["metadata"].get("deletionTimestamp"):
            assert "web-2" not in pods, "web-1 deleted while web-2 still existed"
        return set(pods) == {"web-0"}

    wait_for(scaled_down, "only web-0 left, web-2 removed first")
    for i in range(3):
        assert _claim_volume(api, ns, f"data-web-{i}") == volumes[i], "a claim was not retained"

    # 6. kubectl rollout undo writes revision 1's template back: it becomes revision 3
    first = status["currentRevision"]
    undo = subprocess.run(
        ["kubectl", "--kubeconfig", str(cluster.kubeconfig), "-n", ns, "rollout", "undo"]
        + ["statefulset/web", "--to-revision=1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert undo.returncode == 0, undo.stderr

    def renumbered() -> bool:
        sts = api.get(f"{APPS}/namespaces/{ns}/statefulsets/web").json()
        rev = api.get(f"{APPS}/namespaces/{ns}/controllerrevisions/{first}").json()
        return (sts.get("status") or {}).get("updateRevision") == first and rev["revision"] == 3

    wait_for(renumbered, "the undone template back as revision 3")
    # and mkctl's undo (to the previous revision by default): the partitioned template again
    second = status["updateRevision"]
    out = cluster.mkctl("rollout", "undo", "statefulset/web", "-n", ns)
    assert out.returncode == 0, out.stderr
    assert "rolled back" in out.stdout

    def back_again() -> bool:
        sts = api.get(f"{APPS}/namespaces/{ns}/statefulsets/web").json()
        rev = api.get(f"{APPS}/namespaces/{ns}/controllerrevisions/{second}").json()
        return (sts.get("status") or {}).get("updateRevision") == second and rev["revision"] == 4

    wait_for(back_again, "mkctl's undo back to the second template, as revision 4")


def test_binder_prebinding_and_reclaim(api: httpx.Client, ns: str, tmp_path: Path) -> None:
    cls = f"pvb-{uuid.uuid4().hex[:6]}"
    keep, drop, wanted = f"{cls}-keep", f"{cls}-drop", f"{cls}-wanted"
    for name, policy in ((keep, "Retain"), (drop, "Delete"), (wanted, "Retain")):
        body = _pv(name, tmp_path / name, policy, cls)
        if name == drop:
            body["spec"]["capacity"]["storage"] = "2Gi"  # bigger: chosen after keep
        (tmp_path / name).mkdir()
        (tmp_path / name / "file").write_text("data")
        assert api.post("/api/v1/persistentvolumes", json=body).status_code == 201
    try:

        def claim(name: str, volume: str = "") -> None:
            spec: Obj = {
                "storageClassName": cls,
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            }
            if volume:
                spec["volumeName"] = volume
            body = {"metadata": {"name": name}, "spec": spec}
            r = api.post(f"/api/v1/namespaces/{ns}/persistentvolumeclaims", json=body)
            assert r.status_code == 201, r.text

        def pv(name: str) -> Obj | None:
            r = api.get(f"/api/v1/persistentvolumes/{name}")
            return r.json() if r.status_code == 200 else None

        def phase(name: str) -> str | None:
            found = pv(name)
            return None if found is None else (found.get("status") or {}).get("phase")

        claim("pre", volume=wanted)  # pre-bound by name: gets that one, not the smallest
        claim("a")  # smallest fit: keep (1Gi) before drop (2Gi)
        wait_for(lambda: _claim_volume(api, ns, "pre") == wanted, "claim pre bound to its volume")
        wait_for(lambda: _claim_volume(api, ns, "a") == keep, "claim a bound to the smallest fit")
        claim("b")
        wait_for(lambda: _claim_volume(api, ns, "b") == drop, "claim b bound to the other")
        bound = pv(keep) or {}
        assert bound["spec"]["claimRef"]["name"] == "a"
        assert phase(keep) == "Bound"
        got = api.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/a").json()
        assert got["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
        assert got["status"]["capacity"] == {"storage": "1Gi"}

        claim("c")  # nothing left: stays Pending
        assert api.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/c").status_code == 200

        for name in ("a", "b"):
            api.delete(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}")
        wait_for(lambda: phase(keep) == "Released", "the Retain volume Released")
        wait_for(lambda: pv(drop) is None, "the Delete volume deleted")
        assert (tmp_path / drop / "file").read_text() == "data", "hostPath data stays"
        got = api.get(f"/api/v1/namespaces/{ns}/persistentvolumeclaims/c").json()
        assert (got.get("status") or {}).get("phase") == "Pending"
        assert not got["spec"].get("volumeName")
    finally:
        for name in (keep, drop, wanted):
            api.delete(f"/api/v1/persistentvolumes/{name}")
