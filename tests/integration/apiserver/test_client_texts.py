"""Parameters and texts as Kubernetes writes them, seen by real clients (issue #15 part 5).

Booleans and integers in query strings are parsed like Go's strconv (the official Python
client's older releases send `watch=True`); `Status` bodies and objects come back with
their keys in Kubernetes' order, byte for byte where a client compares text
(`utils.create_from_yaml`'s errors).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import utils as k8s_utils
from kubernetes import watch as k8s_watch

from tests.conftest import APIServerProcess

Obj = dict[str, Any]


@pytest.fixture
def core(apiserver: APIServerProcess) -> Iterator[k8s.ApiClient]:
    cfg = k8s.Configuration()
    cfg.host = apiserver.url
    with k8s.ApiClient(cfg) as api_client:
        yield api_client


def _events(api: httpx.Client, path: str, **params: str) -> list[Obj]:
    """Every event of a watch that ends by its own timeout."""
    with api.stream("GET", path, params=params, timeout=15) as r:
        assert r.status_code == 200, r.read()
        return [json.loads(line) for line in r.iter_lines() if line]


@pytest.mark.parametrize("text", ["True", "true", "TRUE", "T", "t", "1"])
def test_every_go_true_form_starts_a_watch(api: httpx.Client, ns: str, text: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    assert api.post(path, json={"metadata": {"name": "seen"}}).status_code == 201
    events = _events(api, path, watch=text, timeoutSeconds="1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "seen")]


@pytest.mark.parametrize("text", ["False", "false", "F", "f", "0"])
def test_every_go_false_form_is_a_list(api: httpx.Client, ns: str, text: str) -> None:
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps", params={"watch": text})
    assert r.status_code == 200 and r.json()["kind"] == "ConfigMapList", r.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("watch=yes", 'invalid watch: strconv.ParseBool: parsing "yes": invalid syntax'),
        (
            "watch=1&allowWatchBookmarks=on",
            'invalid allowWatchBookmarks: strconv.ParseBool: parsing "on": invalid syntax',
        ),
        ("limit=1.5", 'invalid limit: strconv.ParseInt: parsing "1.5": invalid syntax'),
        ("limit=1_0", 'invalid limit: strconv.ParseInt: parsing "1_0": invalid syntax'),
        (
            "watch=1&timeoutSeconds=2.5",
            'invalid timeoutSeconds: strconv.ParseInt: parsing "2.5": invalid syntax',
        ),
    ],
)
def test_what_go_refuses_is_a_400(api: httpx.Client, ns: str, query: str, message: str) -> None:
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps?{query}")
    assert r.status_code == 400, r.text
    assert (r.json()["reason"], r.json()["message"]) == ("BadRequest", message)


def test_delete_options_in_the_query(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    assert api.post(path, json={"metadata": {"name": "keep"}}).status_code == 201
    r = api.delete(f"{path}/keep?orphanDependents=yes")
    assert r.status_code == 400 and "strconv.ParseBool" in r.json()["message"], r.text
    r = api.delete(f"{path}/keep?orphanDependents=True")  # Orphan: a finalizer holds it
    assert r.status_code == 202, r.text
    assert r.json()["metadata"]["finalizers"] == ["orphan"]


def test_send_initial_events_ends_with_an_annotated_bookmark(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for name in ("a", "b"):
        assert api.post(path, json={"metadata": {"name": name}}).status_code == 201
    r = api.get(path, params={"watch": "1", "sendInitialEvents": "true"})
    assert r.status_code == 422, r.text
    assert r.json()["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
    )
    events = _events(
        api,
        path,
        watch="true",
        sendInitialEvents="true",
        resourceVersionMatch="NotOlderThan",
        allowWatchBookmarks="true",
        timeoutSeconds="1",
    )
    assert [e["type"] for e in events[:3]] == ["ADDED", "ADDED", "BOOKMARK"]
    assert events[2]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert api.get(path, params={"sendInitialEvents": "true"}).status_code == 422
    # sendInitialEvents=false: from now on, without the current state
    later = _events(
        api,
        path,
        watch="1",
        sendInitialEvents="false",
        resourceVersionMatch="NotOlderThan",
        timeoutSeconds="1",
    )
    assert later == []


def test_the_official_clients_watch_with_a_label_selector(core: k8s.ApiClient, ns: str) -> None:
    """watch.Watch().stream() from a listed resourceVersion: ADDED, MODIFIED, DELETED of
    the matching objects only (a relabelled object leaves the selection as DELETED)."""
    v1 = k8s.CoreV1Api(core)

    def cm(name: str, tier: str) -> k8s.V1ConfigMap:
        return k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=name, labels={"tier": tier}))

    v1.create_namespaced_config_map(ns, cm("before", "web"))
    listed = v1.list_namespaced_config_map(ns, label_selector="tier=web")
    assert [i.metadata.name for i in listed.items] == ["before"]
    seen: list[tuple[str, str]] = []
    done = threading.Event()
    w = k8s_watch.Watch()

    def consume() -> None:
        for ev in w.stream(
            v1.list_namespaced_config_map,
            ns,
            label_selector="tier=web",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=20,
        ):
            seen.append((ev["type"], ev["object"].metadata.name))
            if len(seen) == 5:
                w.stop()
        done.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    v1.create_namespaced_config_map(ns, cm("other", "db"))  # never seen
    v1.create_namespaced_config_map(ns, cm("w1", "web"))
    v1.patch_namespaced_config_map("w1", ns, {"data": {"x": "y"}})
    v1.patch_namespaced_config_map("before", ns, {"metadata": {"labels": {"tier": "db"}}})
    v1.patch_namespaced_config_map("other", ns, {"metadata": {"labels": {"tier": "web"}}})
    v1.delete_namespaced_config_map("w1", ns)
    assert done.wait(25), seen
    assert seen == [
        ("ADDED", "w1"),
        ("MODIFIED", "w1"),
        ("DELETED", "before"),
        ("ADDED", "other"),
        ("DELETED", "w1"),
    ]


def test_an_informer_style_list_and_watch_converges(core: k8s.ApiClient, ns: str) -> None:
    """What an informer does with the official client: list, then watch from the list's
    resourceVersion, applying each event to a cache that must end equal to the server."""
    v1 = k8s.CoreV1Api(core)
    for i in range(3):
        v1.create_namespaced_config_map(
            ns, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=f"i{i}", labels={"app": "x"}))
        )
    listed = v1.list_namespaced_config_map(ns, label_selector="app=x")
    cache = {i.metadata.name: i.metadata.resource_version for i in listed.items}
    w = k8s_watch.Watch()
    done = threading.Event()
    changes = 0

    def consume() -> None:
        nonlocal changes
        for ev in w.stream(
            v1.list_namespaced_config_map,
            ns,
            label_selector="app=x",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=20,
        ):
            name, rv = ev["object"].metadata.name, ev["object"].metadata.resource_version
            if ev["type"] == "DELETED":
                cache.pop(name, None)
            else:
                cache[name] = rv
            changes += 1
            if changes == 4:
                w.stop()
        done.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    v1.patch_namespaced_config_map("i0", ns, {"data": {"a": "b"}})
    v1.delete_namespaced_config_map("i1", ns)
    v1.create_namespaced_config_map(
        ns, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="i3", labels={"app": "x"}))
    )
    v1.patch_namespaced_config_map("i2", ns, {"data": {"c": "d"}})
    assert done.wait(25), cache
    now = v1.list_namespaced_config_map(ns, label_selector="app=x")
    assert cache == {i.metadata.name: i.metadata.resource_version for i in now.items}


def _status(message: str, reason: str, details: str, code: int) -> str:
    return (
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        f'"message":{json.dumps(message)},"reason":"{reason}","details":{details},'
        f'"code":{code}}}\n'
    )


def test_create_from_yaml_conflicts_read_as_kubernetes_writes_them(
    core: k8s.ApiClient, ns: str
) -> None:
    docs = list(
        yaml.safe_load_all(
            """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: minik8s/httpd:latest}]}
"""
        )
    )
    k8s_utils.create_from_yaml(core, yaml_objects=docs, namespace=ns)
    with pytest.raises(k8s_utils.FailToCreateError) as failed:
        k8s_utils.create_from_yaml(core, yaml_objects=docs, namespace=ns)
    assert str(failed.value) == (
        "Error from server (Conflict): "
        + _status(
            'configmaps "cfg" already exists',
            "AlreadyExists",
            '{"name":"cfg","kind":"configmaps"}',
            409,
        )
        + "Error from server (Conflict): "
        + _status(
            'deployments.apps "web" already exists',
            "AlreadyExists",
            '{"name":"web","group":"apps","kind":"deployments"}',
            409,
        )
    )
    bad = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}}]
    with pytest.raises(k8s_utils.FailToCreateError) as invalid:
        k8s_utils.create_from_yaml(core, yaml_objects=bad, namespace=ns)
    text = str(invalid.value)
    assert text.startswith(
        'Error from server (Unprocessable Entity): {"kind":"Status","apiVersion":"v1",'
        '"metadata":{},"status":"Failure","message":"ConfigMap \\"Bad_Name\\" is invalid: '
    ), text
    assert re.search(r'"details":\{"name":"Bad_Name","kind":"ConfigMap","causes":\[', text)
    assert text.endswith('"code":422}\n')


def test_objects_come_back_in_kubernetes_key_order(api: httpx.Client, ns: str) -> None:
    """The create answer, a get and a watch line have the same text: struct order, maps
    sorted, resourceVersion after uid, Go's escapes."""
    path = f"/api/v1/namespaces/{ns}/configmaps"
    body = {
        "data": {"z": "1", "a": "<&>"},
        "metadata": {"labels": {"b": "2", "a": "1"}, "name": "ordered"},
        "kind": "ConfigMap",
        "apiVersion": "v1",
    }
    created = api.post(path, json=body)
    assert created.status_code == 201, created.text
    text = created.text
    assert re.match(
        r'\{"kind":"ConfigMap","apiVersion":"v1","metadata":\{"name":"ordered",'
        rf'"namespace":"{ns}","uid":"[0-9a-f-]+","resourceVersion":"\d+",'
        r'"generation":1,"creationTimestamp":"[^"]+","labels":\{"a":"1","b":"2"\},'
        r'"managedFields":\[\{"manager":"[^"]+","operation":"Update",.*\}\]\},'
        r'"data":\{"a":"\\u003c\\u0026\\u003e","z":"1"\}\}\n$',
        text,
    ), text
    assert api.get(f"{path}/ordered").text == text
    rv = created.json()["metadata"]["resourceVersion"]
    with api.stream(
        "GET", path, params={"watch": "1", "resourceVersion": str(int(rv) - 1)}, timeout=15
    ) as r:
        line = next(r.iter_lines())
    assert line == '{"type":"ADDED","object":' + text.rstrip("\n") + "}"
    listed = api.get(path).text
    assert text.rstrip("\n") in listed and listed.endswith("]}\n")
