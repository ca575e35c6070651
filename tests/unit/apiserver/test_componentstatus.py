"""ComponentStatus objects, their Table, and the probes' outcomes (etcd faked, HTTP real)."""

from __future__ import annotations

import asyncio

import pytest

from apiserver.componentstatus import (
    ComponentStatuses,
    Probe,
    component_status,
    health_url,
    to_table,
)
from minik8s.api import errors
from minik8s.cluster.processes import free_port


def test_healthy_and_unhealthy_objects_look_like_kube_apiserver_s() -> None:
    ok = component_status(Probe("scheduler", True, message="ok"))
    assert ok == {
        "kind": "ComponentStatus",
        "apiVersion": "v1",
        "metadata": {"name": "scheduler"},
        "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
    }
    bad = component_status(Probe("etcd-0", False, error="connection refused"))
    assert bad["conditions"] == [
        {"type": "Healthy", "status": "False", "error": "connection refused"}
    ]


def test_table_has_kubectl_s_columns() -> None:
    table = to_table(
        [
            component_status(Probe("scheduler", True, message="ok")),
            component_status(Probe("etcd-0", False, error="down")),
        ]
    )
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Status", "Message", "Error"]
    assert [r["cells"] for r in table["rows"]] == [
        ["scheduler", "Healthy", "ok", ""],
        ["etcd-0", "Unhealthy", "", "down"],
    ]


def test_health_url() -> None:
    assert health_url("127.0.0.1:10259") == "http://127.0.0.1:10259/healthz"
    assert health_url("http://10.0.0.1:1/") == "http://10.0.0.1:1/healthz"
    assert health_url("http://10.0.0.1:1/healthz") == "http://10.0.0.1:1/healthz"


def _statuses(etcd_ok: bool) -> ComponentStatuses:
    async def etcd_status() -> None:
        if not etcd_ok:
            raise OSError("etcd is unavailable")

    # Nothing listens on a fresh free loopback port: the probe is refused.
    return ComponentStatuses({"scheduler": f"127.0.0.1:{free_port()}"}, etcd_status)


def test_list_probes_every_component() -> None:
    body = asyncio.run(_statuses(etcd_ok=True).serve("GET", [], as_table=False))
    assert body["kind"] == "ComponentStatusList"
    by_name = {i["metadata"]["name"]: i["conditions"][0] for i in body["items"]}
    assert by_name["etcd-0"]["status"] == "True"
    assert by_name["scheduler"]["status"] == "False"
    assert by_name["scheduler"]["error"].startswith('Get "http://127.0.0.1:')


def test_get_one_and_unknown_names() -> None:
    statuses = _statuses(etcd_ok=False)
    one = asyncio.run(statuses.serve("GET", ["etcd-0"], as_table=False))
    assert one["conditions"][0] == {
        "type": "Healthy",
        "status": "False",
        "error": "etcd is unavailable",
    }
    with pytest.raises(errors.NotFound):
        asyncio.run(statuses.serve("GET", ["nope"], as_table=False))
    with pytest.raises(errors.MethodNotAllowed):
        asyncio.run(statuses.serve("POST", [], as_table=False))
