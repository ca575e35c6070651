"""Docker's JSON → CRI messages."""

from __future__ import annotations

from cridocker import labels as lbl
from cridocker.views import (
    container_from_summary,
    container_state,
    container_stats,
    container_status,
    exit_reason,
    format_time,
    image,
    memory_usage,
    parse_time,
    sandbox_from_summary,
    sandbox_status,
)
from minik8s.cri import cri_pb2 as pb

LABELS = {
    lbl.TYPE: lbl.CONTAINER,
    lbl.POD_NAME: "web",
    lbl.POD_NAMESPACE: "prod",
    lbl.POD_UID: "u-1",
    lbl.SANDBOX_ATTEMPT: "1",
    lbl.SANDBOX_ID: "s1",
    lbl.CONTAINER_NAME: "app",
    lbl.CONTAINER_ATTEMPT: "3",
    lbl.IMAGE: "busybox:1",
    lbl.LOG_PATH: "/logs/app/3.log",
    lbl.NAMESPACES: "POD,CONTAINER,POD",
    lbl.LABEL_PREFIX + "k": "v",
    lbl.ANNOTATION_PREFIX + "a": "b",
    "maintainer": "from the image",
}


def test_parse_and_format_time() -> None:
    assert parse_time("2024-05-01T12:00:00.123456789Z") == 1714564800_123456789
    assert parse_time("2024-05-01T14:00:00.5+02:00") == 1714564800_500000000
    assert parse_time("2024-05-01T12:00:00Z") == 1714564800_000000000
    assert parse_time("0001-01-01T00:00:00Z") == 0
    assert parse_time("") == 0 and parse_time(None) == 0 and parse_time("junk") == 0
    assert format_time(1714564800_000000042) == "2024-05-01T12:00:00.000000042Z"
    assert parse_time(format_time(1714564800_123456789)) == 1714564800_123456789


def test_states() -> None:
    assert container_state("created") == pb.CONTAINER_CREATED
    assert container_state("running") == pb.CONTAINER_RUNNING
    assert container_state("exited") == pb.CONTAINER_EXITED
    assert container_state("dead") == pb.CONTAINER_EXITED
    assert container_state("weird") == pb.CONTAINER_UNKNOWN


def test_exit_reasons() -> None:
    assert exit_reason({"Status": "running"}) == ("", "")
    assert exit_reason({"Status": "exited", "ExitCode": 0}) == ("Completed", "")
    assert exit_reason({"Status": "exited", "ExitCode": 1}) == ("Error", "")
    assert exit_reason({"Status": "exited", "ExitCode": 137, "OOMKilled": True}) == (
        "OOMKilled",
        "",
    )
    never_ran = {
        "Status": "exited",
        "ExitCode": 127,
        "Error": "exec: not found",
        "StartedAt": "0001-01-01T00:00:00Z",
    }
    assert exit_reason(never_ran) == ("ContainerCannotRun", "exec: not found")


def test_container_from_summary() -> None:
    item = container_from_summary(
        {"Id": "c1", "Labels": LABELS, "State": "exited", "Created": 100, "ImageID": "sha256:i"}
    )
    assert (item.id, item.pod_sandbox_id, item.state) == ("c1", "s1", pb.CONTAINER_EXITED)
    assert (item.metadata.name, item.metadata.attempt) == ("app", 3)
    assert (item.image.image, item.image_ref) == ("busybox:1", "sha256:i")
    assert item.created_at == 100 * 10**9
    assert dict(item.labels) == {"k": "v"} and dict(item.annotations) == {"a": "b"}


def test_container_status_from_inspect() -> None:
    status = container_status(
        {
            "Id": "c1",
            "Created": "2024-05-01T12:00:00.1Z",
            "Image": "sha256:i",
            "Config": {"Labels": LABELS},
            "State": {
                "Status": "exited",
                "ExitCode": 2,
                "StartedAt": "2024-05-01T12:00:01Z",
                "FinishedAt": "2024-05-01T12:00:02Z",
            },
            "Mounts": [
                {
                    "Type": "bind",
                    "Source": "/h",
                    "Destination": "/c",
                    "RW": False,
                    "Propagation": "rslave",
                },
                {"Type": "volume", "Source": "/v", "Destination": "/v"},
            ],
        }
    )
    assert status.state == pb.CONTAINER_EXITED
    assert (status.exit_code, status.reason) == (2, "Error")
    assert status.started_at == 1714564801 * 10**9
    assert status.finished_at == 1714564802 * 10**9
    assert status.log_path == "/logs/app/3.log"
    assert [(m.host_path, m.container_path, m.readonly, m.propagation) for m in status.mounts] == [
        ("/h", "/c", True, pb.PROPAGATION_HOST_TO_CONTAINER)
    ]


def test_sandbox_views() -> None:
    labels = {**LABELS, lbl.TYPE: lbl.SANDBOX}
    item = sandbox_from_summary({"Id": "s1", "Labels": labels, "State": "running", "Created": 5})
    assert item.state == pb.SANDBOX_READY
    assert (item.metadata.name, item.metadata.namespace, item.metadata.uid) == (
        "web",
        "prod",
        "u-1",
    )
    assert item.metadata.attempt == 1
    inspect = {
        "Id": "s1",
        "Created": "2024-05-01T12:00:00Z",
        "Config": {"Labels": labels},
        "State": {"Status": "running"},
        "NetworkSettings": {"Networks": {"pods": {"IPAddress": "10.244.1.5"}}},
    }
    status = sandbox_status(inspect, "pods")
    assert status.network.ip == "10.244.1.5"
    assert status.linux.namespaces.options.pid == pb.CONTAINER
    inspect["State"] = {"Status": "exited"}
    assert sandbox_status(inspect, "pods").network.ip == ""
    assert sandbox_status(inspect, "pods").state == pb.SANDBOX_NOTREADY


def test_image() -> None:
    found = image(
        {
            "Id": "sha256:abc",
            "RepoTags": ["busybox:1", "<none>:<none>"],
            "RepoDigests": ["busybox@sha256:d"],
            "Size": 1234,
            "Config": {"User": "1000:1000"},
        }
    )
    assert (found.id, list(found.repo_tags), found.size) == ("sha256:abc", ["busybox:1"], 1234)
    assert found.uid.value == 1000 and found.username == ""
    assert image({"Id": "x", "Config": {"User": "www"}}).username == "www"


def test_memory_and_cpu_stats() -> None:
    memory = memory_usage(
        {
            "usage": 100 << 20,
            "limit": 200 << 20,
            "stats": {
                "total_inactive_file": 30 << 20,
                "total_rss": 50 << 20,
                "total_pgfault": 7,
                "total_pgmajfault": 1,
            },
        },
        42,
    )
    assert memory.working_set_bytes.value == 70 << 20
    assert memory.available_bytes.value == 130 << 20
    assert memory.rss_bytes.value == 50 << 20
    assert (memory.page_faults.value, memory.major_page_faults.value) == (7, 1)
    assert memory_usage({}, 1).working_set_bytes.value == 0
    stats = container_stats(
        {"read": "2024-05-01T12:00:00Z", "cpu_stats": {"cpu_usage": {"total_usage": 99}}},
        {"Id": "c1", "Labels": LABELS},
        nano_cores=5,
    )
    assert stats.attributes.id == "c1" and stats.attributes.metadata.name == "app"
    assert stats.cpu.usage_core_nano_seconds.value == 99
    assert stats.cpu.usage_nano_cores.value == 5
    assert stats.cpu.timestamp == 1714564800 * 10**9


def test_finish_is_never_before_start() -> None:
    from cridocker import views

    inspect = {
        "Id": "c1",
        "Config": {"Labels": {}},
        "Created": "2026-11-24T00:00:00.000000000Z",
        "State": {
            "Status": "exited",
            "ExitCode": 0,
            "StartedAt": "2026-11-24T00:00:01.000900000Z",
            "FinishedAt": "2026-11-24T00:00:01.000200000Z",
        },
    }
    status = views.container_status(inspect)
    assert status.finished_at >= status.started_at > 0
