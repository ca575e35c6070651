"""Protobuf bodies against the real API server: kubectl 1.32's (and 1.33's) typed commands,
which send nothing else (1.31 and older send JSON), the other writes typed Go clients make
(update, scale, eviction, delete options), answers in protobuf for a client that accepts
nothing else, and bad bodies.

A typed create must store what the same object sent as JSON stores: each test creates one
object with kubectl (protobuf) and its twin from `kubectl create ... --dry-run=client -o
json` (JSON), and compares the two stored objects but for their names and server-owned
fields.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from minik8s.api import protobuf
from tests.conftest import APIServerProcess
from tests.protofacts import PROTO_PENDING, kubectl_binary

PROTOBUF = "application/vnd.kubernetes.protobuf"
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def _runner(binary: str, apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [binary, "--server", apiserver.url, "--cache-dir", str(tmp_path / "cache")]
        result = subprocess.run([*cmd, "-n", ns, *args], capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {result.stderr[-2000:]}")
        return result

    return run


@pytest.fixture
def kubectl(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.fail("kubectl is not on the PATH")
    return _runner(binary, apiserver, ns, tmp_path)


@pytest.fixture
def kubectl_133(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    binary = kubectl_binary("1.33")
    if binary is None:
        pytest.skip("kubectl 1.33 is not installed")
    return _runner(binary, apiserver, ns, tmp_path)


def _pending(*kinds: str) -> pytest.MarkDecorator:
    waiting = sorted(set(kinds) & PROTO_PENDING)
    return pytest.mark.skipif(
        bool(waiting), reason=f"{', '.join(waiting)} in PROTO_PENDING: numbers not declared yet"
    )


def _comparable(obj: dict[str, Any]) -> Any:
    """An object without what the server owns or the test chose: names, uids, versions."""
    meta = obj["metadata"]
    text = json.dumps(obj)
    for own in (meta["uid"], meta["name"]):
        text = text.replace(own, "<own>")
    out = json.loads(text)
    for key in ("resourceVersion", "creationTimestamp", "managedFields"):
        out["metadata"].pop(key, None)
    return out


def _within(wanted: Any, stored: Any) -> bool:
    """Every value `wanted` sets is in `stored` (null is unset; lists element by element)."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(
            v is None or (k in stored and _within(v, stored[k])) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(wanted)
            and all(_within(w, s) for w, s in zip(wanted, stored, strict=True))
        )
    return bool(wanted == stored)


# (arguments after `create`, the collection path below /api or /apis, the kind)
TYPED = {
    "namespace": (["namespace", "{name}"], "v1/namespaces", "Namespace"),
    "configmap": (
        ["configmap", "{name}", "--from-literal=a=b", "--from-literal=multi=x\ny"],
        "v1/namespaces/{ns}/configmaps",
        "ConfigMap",
    ),
    "secret": (
        ["secret", "generic", "{name}", "--from-literal=user=admin", "--type=Opaque"],
        "v1/namespaces/{ns}/secrets",
        "Secret",
    ),
    # bytes that are not UTF-8: Secret data and ConfigMap binaryData travel raw
    "secret-binary": (
        ["secret", "generic", "{name}", "--from-file=blob={dir}/blob"],
        "v1/namespaces/{ns}/secrets",
        "Secret",
    ),
    "configmap-binary": (
        ["configmap", "{name}", "--from-file=blob={dir}/blob", "--from-literal=text=ü"],
        "v1/namespaces/{ns}/configmaps",
        "ConfigMap",
    ),
    "serviceaccount": (["serviceaccount", "{name}"], "v1/namespaces/{ns}/serviceaccounts", ""),
    "deployment": (
        ["deployment", "{name}", "--image=minik8s/httpd:latest", "--replicas=2", "--port=8080"],
        "apps/v1/namespaces/{ns}/deployments",
        "Deployment",
    ),
    "deployment-zero": (
        ["deployment", "{name}", "--image=minik8s/httpd:latest", "--replicas=0"],
        "apps/v1/namespaces/{ns}/deployments",
        "Deployment",
    ),
    "job": (
        ["job", "{name}", "--image=minik8s/busybox:latest", "--", "echo", "hi"],
        "batch/v1/namespaces/{ns}/jobs",
        "Job",
    ),
    "cronjob": (
        ["cronjob", "{name}", "--image=minik8s/busybox:latest", "--schedule=*/5 * * * *"],
        "batch/v1/namespaces/{ns}/cronjobs",
        "CronJob",
    ),
    "role": (
        ["role", "{name}", "--verb=get,list,watch", "--resource=pods,deployments.apps"],
        "rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
        "Role",
    ),
    "rolebinding": (
        ["rolebinding", "{name}", "--role=pod-reader", "--user=alice", "--serviceaccount=a:b"],
        "rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        "RoleBinding",
    ),
    "clusterrole": (
        ["clusterrole", "{name}", "--verb=get", "--resource=nodes", "--non-resource-url=/logs/*"],
        "rbac.authorization.k8s.io/v1/clusterroles",
        "ClusterRole",
    ),
    "clusterrole-aggregated": (
        ["clusterrole", "{name}", "--aggregation-rule=example.com/aggregate=true"],
        "rbac.authorization.k8s.io/v1/clusterroles",
        "ClusterRole",
    ),
    "clusterrolebinding": (
        [
            "clusterrolebinding",
            "{name}",
            "--clusterrole=view",
            "--group=ops",
            "--serviceaccount=a:b",
        ],
        "rbac.authorization.k8s.io/v1/clusterrolebindings",
        "ClusterRoleBinding",
    ),
}
RBAC = ["role", "rolebinding", "clusterrole", "clusterrole-aggregated", "clusterrolebinding"]


def _typed_create(kubectl: Kubectl, api: httpx.Client, ns: str, case: str, tmp_path: Path) -> None:
    args, collection, _ = TYPED[case]
    tag = uuid.uuid4().hex[:6]
    by_kubectl, by_json = f"pb-{tag}", f"js-{tag}"
    (tmp_path / "blob").write_bytes(bytes(range(256)) * 4)
    named = [a.format(name=by_kubectl, dir=tmp_path) for a in args]
    # flags before a command's `--`
    split = named.index("--") if "--" in named else len(named)
    dry_run = [*named[:split], "--dry-run=client", "-o", "json", *named[split:]]
    wanted = json.loads(kubectl("create", *dry_run).stdout)
    created = kubectl("create", "-v=8", *named)
    assert "created" in created.stdout
    assert f"Content-Type: {PROTOBUF}" in created.stderr  # really a protobuf body
    base = ("/api/" if collection.startswith("v1/") else "/apis/") + collection.format(ns=ns)

    twin = json.loads(json.dumps(wanted).replace(by_kubectl, by_json))
    r = api.post(base, json=twin)
    assert r.status_code == 201, r.text
    stored = api.get(f"{base}/{by_kubectl}").json()
    assert _comparable(stored) == _comparable(api.get(f"{base}/{by_json}").json())
    # and it holds all kubectl meant; the server only added its own fields and defaults
    # (and dropped the status a client may not set)
    wanted.pop("status", None)
    assert _within(wanted, stored), (wanted, stored)


BASIC = ["namespace", "configmap", "secret", "serviceaccount", "secret-binary", "configmap-binary"]


@pytest.mark.parametrize("case", BASIC)
def test_kubectl_typed_create(
    kubectl: Kubectl, api: httpx.Client, ns: str, case: str, tmp_path: Path
) -> None:
    _typed_create(kubectl, api, ns, case, tmp_path)


@pytest.mark.parametrize("case", ["namespace", "configmap", "secret-binary", "serviceaccount"])
def test_kubectl_133_typed_create(
    kubectl_133: Kubectl, api: httpx.Client, ns: str, case: str, tmp_path: Path
) -> None:
    _typed_create(kubectl_133, api, ns, case, tmp_path)


@pytest.mark.parametrize("case", RBAC)
def test_kubectl_typed_create_of_rbac(
    kubectl: Kubectl, api: httpx.Client, ns: str, case: str, tmp_path: Path
) -> None:
    _typed_create(kubectl, api, ns, case, tmp_path)


@pytest.mark.parametrize("case", ["role", "rolebinding"])
def test_kubectl_133_typed_create_of_rbac(
    kubectl_133: Kubectl, api: httpx.Client, ns: str, case: str, tmp_path: Path
) -> None:
    _typed_create(kubectl_133, api, ns, case, tmp_path)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("deployment", marks=_pending("Deployment")),
        pytest.param("deployment-zero", marks=_pending("Deployment")),
        pytest.param("job", marks=_pending("Job")),
        pytest.param("cronjob", marks=_pending("CronJob")),
    ],
)
def test_kubectl_typed_create_of_workloads(
    kubectl: Kubectl, api: httpx.Client, ns: str, case: str, tmp_path: Path
) -> None:
    _typed_create(kubectl, api, ns, case, tmp_path)


@_pending("Deployment")
def test_replicas_zero_survives_protobuf(kubectl: Kubectl, api: httpx.Client, ns: str) -> None:
    kubectl("create", "deployment", "none", "--image=minik8s/httpd:latest", "--replicas=0")
    got = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/none").json()
    assert got["spec"]["replicas"] == 0


# --------------------------------------------------------------------------- other typed writes


def _configmap(api: httpx.Client, ns: str, name: str) -> dict[str, Any]:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "1"}}
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def test_update_with_a_protobuf_body(api: httpx.Client, ns: str) -> None:
    current = _configmap(api, ns, "cm")
    stale = json.loads(json.dumps(current))
    current["data"] = {"a": "2", "b": ""}
    current["metadata"]["labels"] = {"v": "2"}
    path = f"/api/v1/namespaces/{ns}/configmaps/cm"
    headers = {"Content-Type": PROTOBUF, "Accept": f"{PROTOBUF}, application/json"}
    r = api.put(path, content=protobuf.encode(current), headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"  # JSON is acceptable: JSON it is
    assert r.json()["data"] == {"a": "2", "b": ""} and r.json()["metadata"]["labels"] == {"v": "2"}
    # optimistic concurrency works as for JSON
    r = api.put(path, content=protobuf.encode(stale), headers=headers)
    assert r.status_code == 409 and r.json()["reason"] == "Conflict"


def test_a_large_body_is_decoded_off_the_loop(api: httpx.Client, ns: str) -> None:
    # over INLINE_PROTOBUF: the decoder thread's path
    data = {f"key-{i}": f"value {i} " * 20 for i in range(400)}
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data}
    body = protobuf.encode(big)
    assert len(body) > 64 * 1024
    r = _post(api, f"/api/v1/namespaces/{ns}/configmaps", body)
    assert r.status_code == 201, r.text
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps/big").json()["data"] == data


def test_delete_options_in_protobuf(api: httpx.Client, ns: str) -> None:
    current = _configmap(api, ns, "gone")
    path = f"/api/v1/namespaces/{ns}/configmaps/gone"
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "nope"}}
    headers = {"Content-Type": PROTOBUF}
    r = api.request("DELETE", path, content=protobuf.encode(options), headers=headers)
    assert r.status_code == 409, r.text
    options["preconditions"] = {"uid": current["metadata"]["uid"]}
    r = api.request("DELETE", path, content=protobuf.encode(options), headers=headers)
    assert r.status_code == 200, r.text
    assert api.get(path).status_code == 404


def test_scale_with_a_protobuf_body(api: httpx.Client, ns: str) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "minik8s/httpd:latest"}]},
            },
        },
    }
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    assert api.post(path, json=deployment).status_code == 201
    scale = {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"replicas": 4},
    }
    r = api.put(
        f"{path}/web/scale", content=protobuf.encode(scale), headers={"Content-Type": PROTOBUF}
    )
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["replicas"] == 4
    assert api.get(f"{path}/web").json()["spec"]["replicas"] == 4


def test_eviction_with_a_protobuf_body(api: httpx.Client, ns: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "minik8s/busybox:latest"}]},
    }
    path = f"/api/v1/namespaces/{ns}/pods"
    assert api.post(path, json=pod).status_code == 201
    eviction = {
        "kind": "Eviction",
        "apiVersion": "policy/v1",
        "metadata": {"name": "p", "namespace": ns},
        "deleteOptions": {"gracePeriodSeconds": 0},
    }
    r = api.post(
        f"{path}/p/eviction", content=protobuf.encode(eviction), headers={"Content-Type": PROTOBUF}
    )
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 10
    while api.get(f"{path}/p").status_code != 404:
        assert time.monotonic() < deadline, "the evicted pod is still there"
        time.sleep(0.05)


# --------------------------------------------------------------------------- protobuf answers


def test_answers_in_protobuf_to_a_client_that_takes_nothing_else(
    api: httpx.Client, ns: str
) -> None:
    _configmap(api, ns, "cm")
    path = f"/api/v1/namespaces/{ns}/configmaps"
    only = {"Accept": PROTOBUF}

    r = api.get(f"{path}/cm", headers=only)
    assert r.status_code == 200 and r.headers["content-type"] == PROTOBUF
    assert r.content.startswith(b"k8s\x00")
    assert protobuf.decode(r.content).obj == api.get(f"{path}/cm").json()

    r = api.get(path, headers=only)
    assert r.headers["content-type"] == PROTOBUF
    listed = protobuf.decode(r.content).obj
    assert listed["kind"] == "ConfigMapList" and [
        i["metadata"]["name"] for i in listed["items"]
    ] == ["cm"]
    assert (
        listed["metadata"]["resourceVersion"] == api.get(path).json()["metadata"]["resourceVersion"]
    )

    r = api.get(f"{path}/nope", headers=only)
    assert r.status_code == 404 and r.headers["content-type"] == PROTOBUF
    status = protobuf.decode(r.content).obj
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "NotFound", 404)

    # a kubectl-style Accept gets JSON, as does a table
    assert api.get(f"{path}/cm", headers={"Accept": f"{PROTOBUF},application/json"}).json()
    table = api.get(path, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table.json()["kind"] == "Table"


# --------------------------------------------------------------------------- bad bodies


def _post(api: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return api.post(path, content=body, headers={"Content-Type": PROTOBUF})


def test_a_malformed_body_is_a_400_and_stores_nothing(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    good = protobuf.encode(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cut"}, "data": {"a": "b"}}
    )
    for body, text in (
        (good[:-9], "runs past the end"),
        (good.replace(b"cut", b"c\xffT"), "invalid UTF-8"),
        (b'{"kind": "ConfigMap"}', "protobuf prefix"),
    ):
        r = _post(api, path, body)
        assert r.status_code == 400, r.text
        status = r.json()
        assert status["kind"] == "Status" and status["reason"] == "BadRequest"
        assert "not a valid protobuf object" in status["message"] and text in status["message"]
    assert api.get(path).json()["items"] == []


def test_an_unknown_kind_in_the_envelope_is_a_400(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    body = protobuf.encode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    r = _post(api, path, body.replace(b"\x09ConfigMap", b"\x09ConfigMaq"))
    assert r.status_code == 400
    assert 'no kind "ConfigMaq" is registered for version "v1"' in r.json()["message"]
    # a kind the server knows, sent to another kind's collection
    secret = protobuf.encode({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}})
    r = _post(api, path, secret)
    assert r.status_code == 400 and "does not match" in r.json()["message"]
    assert api.get(path).json()["items"] == []


@pytest.mark.skipif("Pod" not in PROTO_PENDING, reason="Pod's numbers are declared")
def test_a_kind_not_yet_mapped_is_a_415(api: httpx.Client, ns: str) -> None:
    # a Pod body whose spec (field 2) the server cannot read yet: refused, not dropped
    type_meta = b"\x0a\x02v1\x12\x03Pod"
    raw = b"\x0a\x03\x0a\x01p" + b"\x12\x02\x0a\x00"
    body = b"k8s\x00\x0a" + bytes([len(type_meta)]) + type_meta + b"\x12" + bytes([len(raw)]) + raw
    r = _post(api, f"/api/v1/namespaces/{ns}/pods", body)
    assert r.status_code == 415 and "Pod" in r.json()["message"], r.text
