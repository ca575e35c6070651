"""The decision core of `mkctl apply` (create, patch or nothing), with a fake client."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from minik8s.api import errors, resources
from minik8s.api.patch import strategic_merge_patch
from minik8s.api.resources import ResourceInfo
from minik8s.ctl.cmd_apply import LAST_APPLIED, apply_object, decide, go_json, prepare
from minik8s.ctl.common import WhenError


def _resource(name: str) -> ResourceInfo:
    info = resources.resolve(name)
    assert info is not None
    return info


DEPLOY = _resource("deployments")

MANIFEST: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "httpd:v1", "env": [{"name": "A", "value": "1"}]},
                    {"name": "sidecar", "image": "busybox"},
                ]
            },
        },
    },
}


class FakeClient:
    """Objects in a dict; patches applied with the real strategic merge code."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[str] = []
        self.conflicts = 0

    def get(self, resource: ResourceInfo, name: str, namespace: str | None = None) -> Any:
        self.calls.append("get")
        try:
            return copy.deepcopy(self.objects[(namespace or "", name)])
        except KeyError:
            raise errors.NotFound(f'{resource.group_resource} "{name}" not found') from None

    def create(
        self,
        resource: ResourceInfo,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
    ) -> Any:
        self.calls.append("create-dry" if dry_run else "create")
        stored = copy.deepcopy(obj)
        stored["metadata"]["uid"] = "u1"
        stored.setdefault("status", {"replicas": 0})
        if not dry_run:
            self.objects[(namespace or "", obj["metadata"]["name"])] = stored
        return stored

    def patch(
        self,
        resource: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> Any:
        self.calls.append(f"patch-{patch_type}")
        if self.conflicts:
            self.conflicts -= 1
            raise errors.Conflict("the object has been modified")
        key = (namespace or "", name)
        self.objects[key] = strategic_merge_patch(self.objects[key], patch, resource.kind)
        return self.objects[key]

    def request(self, method: str, path: str, **kw: Any) -> Any:
        raise AssertionError("not used here")


def test_prepare_records_the_manifest_like_kubectl() -> None:
    modified = prepare(MANIFEST, "default")
    meta = modified["metadata"]
    assert meta["namespace"] == "default"
    recorded = meta["annotations"][LAST_APPLIED]
    assert recorded.endswith("}\n")
    # Compact, sorted keys, namespace filled in, and the empty annotations kubectl leaves.
    assert recorded.startswith(
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":'
        '{"annotations":{},"labels":{"app":"web"},"name":"web",'
        '"namespace":"default"},"spec":'
    )
    assert "namespace" not in prepare(MANIFEST, None)["metadata"]
    assert MANIFEST["metadata"].get("annotations") is None  # the input is not changed


def test_go_json_escapes_html_like_go() -> None:
    assert go_json({"b": "<a&b>", "a": "é"}) == '{"a":"é","b":"\\u003ca\\u0026b\\u003e"}'


def test_decide_create_unchanged_and_patch() -> None:
    modified = prepare(MANIFEST, "default")
    assert decide(modified, None, "Deployment").action == "create"

    live = copy.deepcopy(modified)
    live["metadata"]["uid"] = "u1"
    live["spec"]["progressDeadlineSeconds"] = 600  # a server default
    live["status"] = {"replicas": 2}
    assert decide(modified, live, "Deployment").action == "unchanged"

    changed = copy.deepcopy(MANIFEST)
    changed["spec"]["replicas"] = 3
    decision = decide(prepare(changed, "default"), live, "Deployment")
    assert decision.action == "patch"
    assert decision.body["spec"] == {"replicas": 3}
    assert LAST_APPLIED in decision.body["metadata"]["annotations"]


def test_fields_removed_from_the_manifest_are_removed_live() -> None:
    client = FakeClient()
    assert apply_object(client, DEPLOY, MANIFEST, "default")[0] == "created"

    smaller = copy.deepcopy(MANIFEST)
    del smaller["metadata"]["labels"]
    smaller["spec"]["template"]["spec"]["containers"] = [{"name": "web", "image": "httpd:v2"}]
    word, live = apply_object(client, DEPLOY, smaller, "default")
    assert word == "configured"
    assert "labels" not in live["metadata"]
    assert live["spec"]["template"]["spec"]["containers"] == [{"name": "web", "image": "httpd:v2"}]
    assert live["status"] == {"replicas": 0}  # what only the server set stays
    recorded = json.loads(live["metadata"]["annotations"][LAST_APPLIED])
    assert recorded["metadata"] == {"annotations": {}, "name": "web", "namespace": "default"}

    assert apply_object(client, DEPLOY, smaller, "default")[0] == "unchanged"


def test_dry_runs_do_not_write() -> None:
    client = FakeClient()
    assert apply_object(client, DEPLOY, MANIFEST, "default", "client")[0] == "created (dry run)"
    assert client.calls == ["get"]
    assert apply_object(client, DEPLOY, MANIFEST, "default", "server")[0] == (
        "created (server dry run)"
    )
    assert client.calls == ["get", "get", "create-dry"]
    assert client.objects == {}


def test_a_conflict_is_retried_from_a_fresh_read() -> None:
    client = FakeClient()
    apply_object(client, DEPLOY, MANIFEST, "default")
    client.conflicts = 1
    changed = copy.deepcopy(MANIFEST)
    changed["spec"]["replicas"] = 5
    assert apply_object(client, DEPLOY, changed, "default")[0] == "configured"
    assert client.calls[-4:] == ["get", "patch-strategic", "get", "patch-strategic"]

    client.conflicts = 5
    changed["spec"]["replicas"] = 6
    with pytest.raises(WhenError) as err:
        apply_object(client, DEPLOY, changed, "default")
    assert err.value.doing == "patching"
    assert isinstance(err.value.error, errors.Conflict)
