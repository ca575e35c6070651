"""Server-side Tables: columns and cells as kube-apiserver's printers produce them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apiserver import tables
from apiserver.tables import column_definitions, human_duration, table_row, to_table
from minik8s.api import errors
from minik8s.api.resources import RESOURCES, ResourceInfo, resolve

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def ts(delta: timedelta) -> str:
    """The RFC 3339 timestamp `delta` before NOW."""
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def info(name: str) -> ResourceInfo:
    found = resolve(name)
    assert found is not None, name
    return found


def row(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Cells keyed by column name, for readable assertions."""
    columns = [c["name"] for c in column_definitions(info(kind))]
    cells = table_row(info(kind), obj, NOW)
    assert len(cells) == len(columns)
    return dict(zip(columns, cells, strict=True))


def meta(name: str, age: timedelta = timedelta(minutes=5), **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ts(age), **extra}


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=2), "2m"),
        (timedelta(minutes=5, seconds=2), "5m2s"),
        (timedelta(minutes=10, seconds=30), "10m"),
        (timedelta(minutes=179), "179m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=3, minutes=5), "3h5m"),
        (timedelta(hours=8, minutes=5), "8h"),
        (timedelta(hours=47), "47h"),
        (timedelta(days=2), "2d"),
        (timedelta(days=2, hours=3), "2d3h"),
        (timedelta(days=7, hours=23), "7d23h"),
        (timedelta(days=40, hours=5), "40d"),
        (timedelta(days=729), "729d"),
        (timedelta(days=730), "2y"),
        (timedelta(days=3 * 365 + 45), "3y45d"),
        (timedelta(days=9 * 365), "9y"),
        (timedelta(seconds=-1), "0s"),
        (timedelta(seconds=-1, milliseconds=-500), "0s"),
        (timedelta(seconds=-5), "<invalid>"),
    ],
)
def test_human_duration(delta: timedelta, text: str) -> None:
    assert human_duration(delta) == text


# --------------------------------------------------------------------------- columns


def test_every_served_kind_has_its_own_columns() -> None:
    for resource in RESOURCES:
        assert tables.has_printer(resource), resource.kind


def test_column_definitions_shape() -> None:
    for resource in RESOURCES:
        columns = column_definitions(resource)
        assert columns, resource.kind
        for column in columns:
            assert set(column) == {"name", "type", "format", "description", "priority"}
            assert column["priority"] in (0, 1)
            assert column["type"] in ("string", "integer", "boolean", "date")
        name_columns = [c for c in columns if c["format"] == "name"]
        assert len(name_columns) == 1, resource.kind
        if resource.kind != "Event":
            assert columns[0]["format"] == "name"


def test_event_name_column_is_last_and_wide() -> None:
    # kube-apiserver prints events LAST SEEN first; NAME is a wide column.
    columns = column_definitions(info("events"))
    assert columns[0]["name"] == "Last Seen"
    assert columns[-1] == {**columns[-1], "name": "Name", "format": "name", "priority": 1}


@pytest.mark.parametrize(
    ("kind", "normal", "wide"),
    [
        ("pods", ["Name", "Ready", "Status", "Restarts", "Age"],
         ["IP", "Node", "Nominated Node", "Readiness Gates"]),
        ("deployments", ["Name", "Ready", "Up-to-date", "Available", "Age"],
         ["Containers", "Images", "Selector"]),
        ("replicasets", ["Name", "Desired", "Current", "Ready", "Age"],
         ["Containers", "Images", "Selector"]),
        ("services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"],
         ["Selector"]),
        ("nodes", ["Name", "Status", "Roles", "Age", "Version"],
         ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"]),
        ("namespaces", ["Name", "Status", "Age"], []),
        ("endpoints", ["Name", "Endpoints", "Age"], []),
        ("configmaps", ["Name", "Data", "Age"], []),
        ("secrets", ["Name", "Type", "Data", "Age"], []),
        ("events", ["Last Seen", "Type", "Reason", "Object", "Message"],
         ["Subobject", "Source", "First Seen", "Count", "Name"]),
        ("serviceaccounts", ["Name", "Secrets", "Age"], []),
        ("daemonsets", ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                        "Node Selector", "Age"], ["Containers", "Images", "Selector"]),
        ("statefulsets", ["Name", "Ready", "Age"], ["Containers", "Images"]),
        ("jobs", ["Name", "Status", "Completions", "Duration", "Age"],
         ["Containers", "Images", "Selector"]),
        ("cronjobs", ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule",
                      "Age"], ["Containers", "Images", "Selector"]),
        ("leases", ["Name", "Holder", "Age"], []),
        ("hpa", ["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"], []),
    ],
)  # fmt: skip
def test_columns_per_kind(kind: str, normal: list[str], wide: list[str]) -> None:
    columns = column_definitions(info(kind))
    assert [c["name"] for c in columns if c["priority"] == 0] == normal
    assert [c["name"] for c in columns if c["priority"] == 1] == wide


# --------------------------------------------------------------------------- robustness

ODD_OBJECTS: list[Any] = [
    {},
    {"metadata": {}},
    {"metadata": "x", "spec": [1, 2], "status": 7},
    {"metadata": {"name": 5, "creationTimestamp": "not a time", "labels": ["a"]},
     "spec": {"containers": "x", "replicas": "many", "ports": [None, 3, {"port": "x"}],
              "selector": {"matchExpressions": [{"key": "a"}, 3]}, "metrics": [{"type": 3}],
              "template": {"spec": {"containers": [None, {"name": 1}]}}},
     "status": {"conditions": [None, {"type": "Ready"}], "containerStatuses": [{"state": 3}],
                "initContainerStatuses": [{"state": {"terminated": "x"}}],
                "addresses": "x", "loadBalancer": {"ingress": [1]}},
     "subsets": [{"addresses": [{"ip": None}], "ports": [{}]}, "x"],
     "involvedObject": None, "series": {"count": "x"}, "data": [1]},
]  # fmt: skip


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.kind)
def test_rows_never_fail_on_odd_objects(resource: ResourceInfo) -> None:
    for obj in ODD_OBJECTS:
        cells = table_row(resource, obj, NOW)
        assert len(cells) == len(column_definitions(resource))
        json.dumps(cells)
    not_even_dicts: list[Any] = [*ODD_OBJECTS, None, "x"]
    for mode in ("None", "Metadata", "Object"):
        table = to_table(resource, not_even_dicts, include_object=mode, now=NOW)
        assert len(table["rows"]) == len(ODD_OBJECTS) + 2
        json.dumps(table)


def test_naive_now_is_taken_as_utc() -> None:
    pod = {"metadata": meta("p", timedelta(seconds=30))}
    assert table_row(info("pods"), pod, NOW.replace(tzinfo=None))[4] == "30s"


def test_fractional_and_offset_timestamps() -> None:
    created = "2024-05-01T11:59:30.123456789Z"
    assert row("pods", {"metadata": {"name": "p", "creationTimestamp": created}})["Age"] == "29s"
    offset = "2024-05-01T13:58:00+02:00"
    assert row("pods", {"metadata": {"name": "p", "creationTimestamp": offset}})["Age"] == "2m"
    assert row("pods", {"metadata": {"name": "p"}})["Age"] == "<unknown>"


# --------------------------------------------------------------------------- pods


def container_status(name: str, state: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "state": state, "ready": False, "restartCount": 0, **extra}


def pod(
    statuses: list[dict[str, Any]],
    phase: str = "Running",
    containers: int | None = None,
    **status: Any,
) -> dict[str, Any]:
    count = len(statuses) if containers is None else containers
    return {
        "metadata": meta("web-1"),
        "spec": {"containers": [{"name": f"c{i}", "image": "x"} for i in range(count)]},
        "status": {"phase": phase, "containerStatuses": statuses, **status},
    }


def test_pod_pending_without_status() -> None:
    cells = row("pods", {"metadata": meta("p"), "spec": {"containers": [{"name": "a"}]}})
    assert cells == {
        "Name": "p",
        "Ready": "0/1",
        "Status": "Pending",
        "Restarts": "0",
        "Age": "5m",
        "IP": "<none>",
        "Node": "<none>",
        "Nominated Node": "<none>",
        "Readiness Gates": "<none>",
    }


def test_pod_running_and_ready() -> None:
    obj = pod([container_status("c0", {"running": {}}, ready=True)], podIP="10.244.0.5")
    obj["spec"]["nodeName"] = "node-a"
    cells = row("pods", obj)
    assert (cells["Ready"], cells["Status"], cells["IP"], cells["Node"]) == (
        "1/1", "Running", "10.244.0.5", "node-a",
    )  # fmt: skip


def test_pod_ips_preferred_over_pod_ip() -> None:
    obj = pod([], podIP="10.0.0.1", podIPs=[{"ip": "10.0.0.2"}, {"ip": "fd00::2"}])
    assert row("pods", obj)["IP"] == "10.0.0.2"


def test_pod_container_creating() -> None:
    obj = pod([container_status("c0", {"waiting": {"reason": "ContainerCreating"}})], "Pending")
    assert row("pods", obj)["Status"] == "ContainerCreating"


def test_pod_crash_loop_with_restarts_ago() -> None:
    last = {"terminated": {"exitCode": 1, "finishedAt": ts(timedelta(minutes=5))}}
    obj = pod(
        [
            container_status("c0", {"running": {}}, ready=True),
            container_status(
                "c1",
                {"waiting": {"reason": "CrashLoopBackOff"}},
                restartCount=4,
                lastState=last,
            ),
        ]
    )
    cells = row("pods", obj)
    assert (cells["Ready"], cells["Status"], cells["Restarts"]) == (
        "1/2", "CrashLoopBackOff", "4 (5m ago)",
    )  # fmt: skip


def test_pod_restarts_without_last_state_have_no_suffix() -> None:
    obj = pod([container_status("c0", {"running": {}}, ready=True, restartCount=2)])
    assert row("pods", obj)["Restarts"] == "2"


def test_pod_completed_has_row_condition() -> None:
    done = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    obj = pod([container_status("c0", done)], "Succeeded")
    assert row("pods", obj)["Status"] == "Completed"
    table = to_table(info("pods"), [obj], now=NOW)
    assert table["rows"][0]["conditions"] == [
        {
            "type": "Completed",
            "status": "True",
            "reason": "Succeeded",
            "message": "The pod has completed successfully.",
        }
    ]


def test_pod_failed_row_condition_and_exit_code() -> None:
    obj = pod([container_status("c0", {"terminated": {"exitCode": 2}})], "Failed")
    assert row("pods", obj)["Status"] == "ExitCode:2"
    signalled = pod([container_status("c0", {"terminated": {"exitCode": 137, "signal": 9}})])
    assert row("pods", signalled)["Status"] == "Signal:9"
    table = to_table(info("pods"), [obj], now=NOW)
    assert table["rows"][0]["conditions"][0]["reason"] == "Failed"


def test_running_pod_has_no_row_conditions() -> None:
    table = to_table(info("pods"), [pod([])], now=NOW)
    assert "conditions" not in table["rows"][0]


def test_pod_completed_container_but_other_running() -> None:
    done = container_status("c0", {"terminated": {"exitCode": 0, "reason": "Completed"}})
    running = container_status("c1", {"running": {}}, ready=True)
    not_ready = pod([running, done])
    assert row("pods", not_ready)["Status"] == "NotReady"
    ready = pod([running, done], conditions=[{"type": "Ready", "status": "True"}])
    assert row("pods", ready)["Status"] == "Running"


def test_pod_terminating_and_unknown() -> None:
    obj = pod([container_status("c0", {"running": {}}, ready=True)])
    obj["metadata"]["deletionTimestamp"] = ts(timedelta(seconds=3))
    assert row("pods", obj)["Status"] == "Terminating"
    obj["status"]["reason"] = "NodeLost"
    assert row("pods", obj)["Status"] == "Unknown"
    finished = pod([], "Succeeded")
    finished["metadata"]["deletionTimestamp"] = ts(timedelta(seconds=3))
    assert row("pods", finished)["Status"] == "Succeeded"


def test_pod_status_reason_wins_over_phase() -> None:
    assert row("pods", pod([], "Failed", reason="Evicted"))["Status"] == "Evicted"


def test_pod_scheduling_gated() -> None:
    gated = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
    assert row("pods", pod([], "Pending", conditions=gated))["Status"] == "SchedulingGated"


def init_pod(init_statuses: list[dict[str, Any]], **spec_extra: Any) -> dict[str, Any]:
    obj = pod([container_status("c0", {"waiting": {"reason": "PodInitializing"}})], "Pending")
    obj["spec"]["initContainers"] = [
        {"name": s["name"], **spec_extra.get(s["name"], {})} for s in init_statuses
    ]
    obj["status"]["initContainerStatuses"] = init_statuses
    return obj


def test_pod_init_progress() -> None:
    first_done = container_status("i0", {"terminated": {"exitCode": 0}})
    second_running = container_status("i1", {"running": {}})
    assert row("pods", init_pod([first_done, second_running]))["Status"] == "Init:1/2"


def test_pod_init_failures() -> None:
    crash = container_status("i0", {"waiting": {"reason": "CrashLoopBackOff"}}, restartCount=3)
    cells = row("pods", init_pod([crash]))
    assert (cells["Status"], cells["Restarts"]) == ("Init:CrashLoopBackOff", "3")
    failed = container_status("i0", {"terminated": {"exitCode": 1}})
    assert row("pods", init_pod([failed]))["Status"] == "Init:ExitCode:1"
    reasoned = container_status("i0", {"terminated": {"exitCode": 1, "reason": "Error"}})
    assert row("pods", init_pod([reasoned]))["Status"] == "Init:Error"


def test_pod_sidecar_init_container_counts_as_container() -> None:
    sidecar = container_status("i0", {"running": {}}, ready=True, started=True, restartCount=1)
    obj = init_pod([sidecar], i0={"restartPolicy": "Always"})
    obj["status"]["containerStatuses"] = [container_status("c0", {"running": {}}, ready=True)]
    obj["status"]["phase"] = "Running"
    cells = row("pods", obj)
    assert (cells["Ready"], cells["Status"], cells["Restarts"]) == ("2/2", "Running", "1")


def test_pod_readiness_gates() -> None:
    obj = pod([], conditions=[{"type": "example.com/lb", "status": "True"}])
    obj["spec"]["readinessGates"] = [
        {"conditionType": "example.com/lb"},
        {"conditionType": "example.com/other"},
    ]
    assert row("pods", obj)["Readiness Gates"] == "1/2"


def test_pod_nominated_node() -> None:
    assert row("pods", pod([], "Pending", nominatedNodeName="n2"))["Nominated Node"] == "n2"


# --------------------------------------------------------------------------- workloads

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {
        "containers": [
            {"name": "httpd", "image": "minik8s/httpd:v2"},
            {"name": "sidecar", "image": "minik8s/busybox:latest"},
        ]
    },
}


def test_deployment_row() -> None:
    obj = {
        "metadata": meta("web", timedelta(hours=3, minutes=5)),
        "spec": {
            "replicas": 3,
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
            },
            "template": TEMPLATE,
        },
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert table_row(info("deploy"), obj, NOW) == [
        "web",
        "2/3",
        3,
        2,
        "3h5m",
        "httpd,sidecar",
        "minik8s/httpd:v2,minik8s/busybox:latest",
        "app=web,tier in (a,b)",
    ]


def test_deployment_replicas_default_to_one() -> None:
    assert row("deploy", {"metadata": meta("d")})["Ready"] == "0/1"
    assert row("deploy", {"metadata": meta("d"), "spec": {"replicas": 0}})["Ready"] == "0/0"


def test_replicaset_row() -> None:
    obj = {
        "metadata": meta("web-5d9c"),
        "spec": {"replicas": 2, "selector": {"matchLabels": {"b": "2", "a": "1"}},
                 "template": TEMPLATE},
        "status": {"replicas": 2, "readyReplicas": 1},
    }  # fmt: skip
    assert table_row(info("rs"), obj, NOW) == [
        "web-5d9c", 2, 2, 1, "5m", "httpd,sidecar",
        "minik8s/httpd:v2,minik8s/busybox:latest", "a=1,b=2",
    ]  # fmt: skip
    assert row("rs", {"metadata": meta("x")})["Selector"] == "<none>"


def test_selector_expressions() -> None:
    selector = {
        "matchExpressions": [
            {"key": "z", "operator": "Exists"},
            {"key": "b", "operator": "DoesNotExist"},
            {"key": "a", "operator": "NotIn", "values": ["x"]},
        ]
    }
    obj = {"metadata": meta("x"), "spec": {"selector": selector}}
    assert row("rs", obj)["Selector"] == "a notin (x),!b,z"


def test_daemonset_row() -> None:
    template = {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}, "containers": []}}
    obj = {
        "metadata": meta("proxy"),
        "spec": {"selector": {"matchLabels": {"k": "p"}}, "template": template},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
                   "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2},
    }  # fmt: skip
    assert table_row(info("ds"), obj, NOW)[:8] == [
        "proxy", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "5m",
    ]  # fmt: skip
    assert row("ds", {"metadata": meta("x")})["Node Selector"] == "<none>"


def test_statefulset_row() -> None:
    obj = {"metadata": meta("db"), "spec": {"replicas": 3, "template": TEMPLATE},
           "status": {"readyReplicas": 1}}  # fmt: skip
    assert table_row(info("sts"), obj, NOW)[:3] == ["db", "1/3", "5m"]


def job(**status: Any) -> dict[str, Any]:
    return {"metadata": meta("pi"), "spec": {"template": TEMPLATE}, "status": status}


def test_job_completions() -> None:
    obj = job(succeeded=1)
    obj["spec"]["completions"] = 3
    assert row("jobs", obj)["Completions"] == "1/3"
    assert row("jobs", job(succeeded=0))["Completions"] == "0/1"
    parallel = job(succeeded=2)
    parallel["spec"]["parallelism"] = 4
    assert row("jobs", parallel)["Completions"] == "2/1 of 4"


def test_job_status_and_duration() -> None:
    running = job(startTime=ts(timedelta(minutes=7)))
    assert (row("jobs", running)["Status"], row("jobs", running)["Duration"]) == ("Running", "7m")
    complete = job(
        startTime=ts(timedelta(minutes=10)),
        completionTime=ts(timedelta(minutes=9, seconds=15)),
        conditions=[{"type": "Complete", "status": "True"}],
    )
    assert (row("jobs", complete)["Status"], row("jobs", complete)["Duration"]) == (
        "Complete", "45s",
    )  # fmt: skip
    failed = job(conditions=[{"type": "Failed", "status": "True"}])
    assert (row("jobs", failed)["Status"], row("jobs", failed)["Duration"]) == ("Failed", "")
    suspended = job(conditions=[{"type": "Suspended", "status": "True"}])
    assert row("jobs", suspended)["Status"] == "Suspended"
    deleting = job()
    deleting["metadata"]["deletionTimestamp"] = ts(timedelta(seconds=1))
    assert row("jobs", deleting)["Status"] == "Terminating"


def test_cronjob_row() -> None:
    obj = {
        "metadata": meta("nightly", timedelta(days=2, hours=3)),
        "spec": {"schedule": "0 3 * * *",
                 "jobTemplate": {"spec": {"template": TEMPLATE}}},
        "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": ts(timedelta(hours=9))},
    }  # fmt: skip
    assert table_row(info("cj"), obj, NOW)[:7] == [
        "nightly", "0 3 * * *", "<none>", "False", 1, "9h", "2d3h",
    ]  # fmt: skip
    obj["spec"].update(suspend=True, timeZone="Europe/Paris")
    del obj["status"]["lastScheduleTime"]
    cells = row("cj", obj)
    assert (cells["Suspend"], cells["Timezone"], cells["Last Schedule"]) == (
        "True", "Europe/Paris", "<none>",
    )  # fmt: skip


# --------------------------------------------------------------------------- services


def service(spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": meta("web"), "spec": spec, "status": status or {}}


def test_service_cluster_ip() -> None:
    obj = service(
        {
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "selector": {"app": "web"},
            "ports": [{"port": 80, "protocol": "TCP"}],
        }
    )
    assert table_row(info("svc"), obj, NOW) == [
        "web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "5m", "app=web",
    ]  # fmt: skip


def test_service_node_port_and_defaults() -> None:
    obj = service(
        {
            "type": "NodePort",
            "clusterIP": "10.96.0.11",
            "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}],
        }
    )
    cells = row("svc", obj)
    assert (cells["Cluster-IP"], cells["Port(s)"], cells["Selector"]) == (
        "10.96.0.11", "80:30080/TCP,53/UDP", "<none>",
    )  # fmt: skip


def test_service_external_ips() -> None:
    headless = service({"clusterIP": "None", "externalIPs": ["1.2.3.4", "5.6.7.8"]})
    cells = row("svc", headless)
    assert (cells["Cluster-IP"], cells["External-IP"], cells["Port(s)"]) == (
        "None", "1.2.3.4,5.6.7.8", "<none>",
    )  # fmt: skip
    pending = service({"type": "LoadBalancer"})
    assert row("svc", pending)["External-IP"] == "<pending>"
    ingress = {"loadBalancer": {"ingress": [{"ip": "9.9.9.9"}, {"hostname": "lb.example"}]}}
    balanced = service({"type": "LoadBalancer", "externalIPs": ["1.1.1.1"]}, ingress)
    assert row("svc", balanced)["External-IP"] == "9.9.9.9,lb.example,1.1.1.1"
    external = service({"type": "ExternalName", "externalName": "db.example.com"})
    assert row("svc", external)["External-IP"] == "db.example.com"
    assert row("svc", service({"type": "Weird"}))["External-IP"] == "<unknown>"
    assert row("svc", service({}))["Cluster-IP"] == "<none>"


def test_endpoints_row() -> None:
    subsets = [
        {"addresses": [{"ip": "10.244.0.5"}, {"ip": "10.244.0.6"}],
         "ports": [{"port": 8080}, {"port": 9090}]},
    ]  # fmt: skip
    obj = {"metadata": meta("web"), "subsets": subsets}
    assert row("ep", obj)["Endpoints"] == (
        "10.244.0.5:8080,10.244.0.6:8080,10.244.0.5:9090 + 1 more..."
    )
    assert row("ep", {"metadata": meta("web")})["Endpoints"] == "<none>"
    headless = {"metadata": meta("h"), "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}
    assert row("ep", headless)["Endpoints"] == "10.0.0.1"
    v6 = {"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}],
                                                 "ports": [{"port": 80}]}]}  # fmt: skip
    assert row("ep", v6)["Endpoints"] == "[fd00::1]:80"
    exactly_three = {"metadata": meta("w"), "subsets": [
        {"addresses": [{"ip": f"10.0.0.{i}"} for i in range(3)], "ports": [{"port": 80}]}
    ]}  # fmt: skip
    assert "more" not in row("ep", exactly_three)["Endpoints"]


# --------------------------------------------------------------------------- nodes


def node(conditions: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": meta("node-a", timedelta(days=40), labels={
            "node-role.kubernetes.io/control-plane": "",
            "node-role.kubernetes.io/": "",
            "kubernetes.io/role": "worker",
        }),
        "spec": spec,
        "status": {
            "conditions": conditions,
            "addresses": [{"type": "Hostname", "address": "node-a"},
                          {"type": "InternalIP", "address": "192.168.1.10"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0-minik8s", "osImage": "Debian 12",
                         "kernelVersion": "6.1.0", "containerRuntimeVersion": "docker://24"},
        },
    }  # fmt: skip


def test_node_row() -> None:
    ready = [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]
    assert table_row(info("nodes"), node(ready), NOW) == [
        "node-a", "Ready", "control-plane,worker", "40d", "v1.32.0-minik8s",
        "192.168.1.10", "<none>", "Debian 12", "6.1.0", "docker://24",
    ]  # fmt: skip


def test_node_status_variants() -> None:
    assert row("nodes", node([{"type": "Ready", "status": "False"}]))["Status"] == "NotReady"
    assert row("nodes", node([{"type": "Ready", "status": "Unknown"}]))["Status"] == "NotReady"
    assert row("nodes", node([]))["Status"] == "Unknown"
    cordoned = node([{"type": "Ready", "status": "True"}], unschedulable=True)
    assert row("nodes", cordoned)["Status"] == "Ready,SchedulingDisabled"
    bare = row("nodes", {"metadata": meta("n")})
    assert (bare["Roles"], bare["Version"], bare["OS-Image"], bare["Internal-IP"]) == (
        "<none>", "", "<unknown>", "<none>",
    )  # fmt: skip


# --------------------------------------------------------------------------- config & misc


def test_namespace_configmap_secret_serviceaccount_lease() -> None:
    assert table_row(info("ns"), {"metadata": meta("default"), "status": {"phase": "Active"}},
                     NOW) == ["default", "Active", "5m"]  # fmt: skip
    terminating = {"metadata": meta("old"), "status": {"phase": "Terminating"}}
    assert row("ns", terminating)["Status"] == "Terminating"
    cm = {"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert table_row(info("cm"), cm, NOW) == ["cfg", 3, "5m"]
    secret = {"metadata": meta("s"), "type": "kubernetes.io/tls", "data": {"tls.crt": "", "k": ""}}
    assert table_row(info("secrets"), secret, NOW) == ["s", "kubernetes.io/tls", 2, "5m"]
    assert row("secrets", {"metadata": meta("o")})["Type"] == "Opaque"
    sa = {"metadata": meta("default"), "secrets": [{"name": "t"}]}
    assert table_row(info("sa"), sa, NOW) == ["default", 1, "5m"]
    lease = {"metadata": meta("kube-scheduler"), "spec": {"holderIdentity": "host_1234"}}
    assert table_row(info("leases"), lease, NOW) == ["kube-scheduler", "host_1234", "5m"]
    assert row("leases", {"metadata": meta("free")})["Holder"] == ""


# --------------------------------------------------------------------------- events


def test_event_row() -> None:
    event = {
        "metadata": meta("web-1.17a"),
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{b}"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container\n",
        "type": "Warning",
        "count": 5,
        "firstTimestamp": ts(timedelta(minutes=12)),
        "lastTimestamp": ts(timedelta(seconds=20)),
        "source": {"component": "kubelet", "host": "node-a"},
    }
    assert table_row(info("events"), event, NOW) == [
        "20s", "Warning", "BackOff", "pod/web-1", "spec.containers{b}", "kubelet, node-a",
        "Back-off restarting failed container", "12m", 5, "web-1.17a",
    ]  # fmt: skip


def test_event_new_api_fields() -> None:
    event = {
        "metadata": meta("e"),
        "involvedObject": {"kind": "Node"},
        "eventTime": "2024-05-01T11:59:00.000000Z",
        "reportingController": "scheduler",
    }
    cells = row("events", event)
    assert (cells["Last Seen"], cells["First Seen"], cells["Count"], cells["Object"]) == (
        "60s", "60s", 1, "node",
    )  # fmt: skip
    assert cells["Source"] == "scheduler"
    event["series"] = {"count": 7, "lastObservedTime": "2024-05-01T11:59:50.000000Z"}
    cells = row("events", event)
    assert (cells["Last Seen"], cells["Count"]) == ("10s", 7)
    assert row("events", {"metadata": meta("x")})["Last Seen"] == "<unknown>"


# --------------------------------------------------------------------------- autoscaling


def hpa(metrics: list[dict[str, Any]], current: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": meta("web"),
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2,
                 "maxReplicas": 10, "metrics": metrics},
        "status": {"currentReplicas": 3, "currentMetrics": current},
    }  # fmt: skip


CPU_50 = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
}


def test_hpa_row() -> None:
    current = [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 12}}}
    ]
    assert table_row(info("hpa"), hpa([CPU_50], current), NOW) == [
        "web", "Deployment/web", "cpu: 12%/50%", "2", 10, 3, "5m",
    ]  # fmt: skip
    bare = row("hpa", {"metadata": meta("h")})
    assert (bare["Reference"], bare["Targets"], bare["MinPods"], bare["MaxPods"]) == (
        "/", "<none>", "1", 0,
    )  # fmt: skip


def test_hpa_targets_variants() -> None:
    memory = {
        "type": "Resource",
        "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}},
    }
    pods = {
        "type": "Pods",
        "pods": {
            "metric": {"name": "qps"},
            "target": {"type": "AverageValue", "averageValue": "1k"},
        },
    }
    external = {
        "type": "External",
        "external": {
            "metric": {"name": "queue"},
            "target": {"type": "AverageValue", "averageValue": "30"},
        },
    }
    obj_metric = {
        "type": "Object",
        "object": {"metric": {"name": "hits"}, "target": {"type": "Value", "value": "10k"}},
    }
    auto = {
        "type": "ContainerResource",
        "containerResource": {"name": "cpu", "container": "app", "target": {"type": "Utilization"}},
    }
    current = [
        {"type": "Resource", "resource": {"current": {"averageValue": "50Mi"}}},
        {"type": "Pods", "pods": {"current": {"averageValue": "500"}}},
    ]
    assert row("hpa", hpa([memory, pods], current))["Targets"] == ("memory: 50Mi/100Mi, 500/1k")
    assert row("hpa", hpa([external, obj_metric, auto], []))["Targets"] == (
        "<unknown>/30 (avg), <unknown>/10k + 1 more..."
    )
    assert row("hpa", hpa([auto], []))["Targets"] == "cpu: <unknown>/<auto>"
    assert row("hpa", hpa([CPU_50], []))["Targets"] == "cpu: <unknown>/50%"
    assert row("hpa", hpa([{"type": "Other"}], []))["Targets"] == "<unknown type>"


# --------------------------------------------------------------------------- tables


def test_to_table_shape_with_metadata_objects() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": meta("cfg", labels={"a": "b"}), "data": {"k": "v"}}  # fmt: skip
    table = to_table(
        info("cm"), [obj], list_metadata={"resourceVersion": "42", "continue": "abc"}, now=NOW
    )
    assert table == {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "42", "continue": "abc"},
        "columnDefinitions": column_definitions(info("cm")),
        "rows": [
            {
                "cells": ["cfg", 1, "5m"],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj["metadata"],
                },
            }
        ],
    }
    json.dumps(table)


def test_to_table_include_object_modes() -> None:
    obj = {"metadata": meta("p"), "spec": {}}
    none = to_table(info("pods"), [obj], include_object="None", now=NOW)
    assert "object" not in none["rows"][0]
    full = to_table(info("deploy"), [obj], include_object="Object", now=NOW)
    assert full["rows"][0]["object"] == {**obj, "kind": "Deployment", "apiVersion": "apps/v1"}
    assert "kind" not in obj  # the caller's object is not modified
    default = to_table(info("pods"), [obj], include_object="", now=NOW)
    assert default["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    with pytest.raises(errors.BadRequest):
        to_table(info("pods"), [obj], include_object="Everything")


def test_to_table_empty_list_and_default_clock() -> None:
    table = to_table(info("nodes"), [])
    assert table["rows"] == [] and table["metadata"] == {}
    assert [c["name"] for c in table["columnDefinitions"]][:2] == ["Name", "Status"]
    fresh = {"metadata": {"name": "n", "creationTimestamp": datetime.now(UTC).isoformat()}}
    assert to_table(info("nodes"), [fresh])["rows"][0]["cells"][3].endswith("s")


def test_unknown_kind_gets_default_columns() -> None:
    other = ResourceInfo("example.com", "v1", "Widget", "widgets", "widget", True)
    assert not tables.has_printer(other)
    assert [c["name"] for c in column_definitions(other)] == ["Name", "Created At"]
    created = ts(timedelta(hours=1))
    assert table_row(other, {"metadata": {"name": "w", "creationTimestamp": created}}, NOW) == [
        "w",
        created,
    ]
