"""Docker's view of containers and images → CRI messages: pure functions, no I/O.

Inputs are the JSON Docker answers: a container summary (`GET /containers/json`, what
List* use: one request for every object), a container inspect (`GET /containers/{id}/json`,
what *Status use), an image summary or inspect, and a one-shot stats sample.
Everything CRI-specific is read back from the labels (see `cridocker.labels`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cridocker import labels as lbl
from cridocker.spec import parse_namespace_modes
from minik8s.cri import cri_pb2 as pb

_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")

_CONTAINER_STATES = {
    "created": pb.CONTAINER_CREATED,
    "running": pb.CONTAINER_RUNNING,
    "paused": pb.CONTAINER_RUNNING,
    "restarting": pb.CONTAINER_RUNNING,
    "exited": pb.CONTAINER_EXITED,
    "dead": pb.CONTAINER_EXITED,
    "removing": pb.CONTAINER_EXITED,
}


def parse_time(text: str | None) -> int:
    """Nanoseconds since the epoch from Docker's RFC 3339 time; 0 for Docker's zero time."""
    if not text:
        return 0
    match = _TIME.match(text)
    if match is None:
        return 0
    whole, fraction, zone = match.groups()
    stamp = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    if stamp.year <= 1:
        return 0
    seconds = int(stamp.astimezone(UTC).timestamp())
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    return seconds * 1_000_000_000 + nanos


def format_time(nanos: int) -> str:
    """RFC 3339 with nanoseconds in UTC, the CRI log file's timestamp format."""
    seconds, rest = divmod(nanos, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{rest:09d}Z"


def container_state(docker_state: str) -> pb.ContainerState:
    return _CONTAINER_STATES.get(docker_state.lower(), pb.CONTAINER_UNKNOWN)


def sandbox_state(docker_state: str) -> pb.PodSandboxState:
    return pb.SANDBOX_READY if docker_state.lower() == "running" else pb.SANDBOX_NOTREADY


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(obj.get("Labels") or {})


def sandbox_metadata(labels: Mapping[str, str]) -> pb.PodSandboxMetadata:
    return pb.PodSandboxMetadata(
        name=labels.get(lbl.POD_NAME, ""),
        namespace=labels.get(lbl.POD_NAMESPACE, ""),
        uid=labels.get(lbl.POD_UID, ""),
        attempt=lbl.attempt(labels, lbl.SANDBOX_ATTEMPT),
    )


def container_metadata(labels: Mapping[str, str]) -> pb.ContainerMetadata:
    return pb.ContainerMetadata(
        name=labels.get(lbl.CONTAINER_NAME, ""),
        attempt=lbl.attempt(labels, lbl.CONTAINER_ATTEMPT),
    )


# ---------------------------------------------------------------- sandboxes


def sandbox_from_summary(summary: Mapping[str, Any]) -> pb.PodSandbox:
    labels = _labels(summary)
    return pb.PodSandbox(
        id=summary["Id"],
        metadata=sandbox_metadata(labels),
        state=sandbox_state(str(summary.get("State", ""))),
        created_at=int(summary.get("Created", 0)) * 1_000_000_000,
        labels=lbl.user_labels(labels),
        annotations=lbl.annotations_of(labels),
        runtime_handler=labels.get(lbl.RUNTIME_HANDLER, ""),
    )


def sandbox_ip(inspect: Mapping[str, Any], network: str) -> str:
    """The sandbox's IP on the pod network; empty on the host network or when stopped."""
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    if network in networks:
        return str(networks[network].get("IPAddress") or "")
    for name, settings in networks.items():  # a sandbox made before a network rename
        if name not in ("host", "none"):
            return str(settings.get("IPAddress") or "")
    return ""


def sandbox_status(inspect: Mapping[str, Any], network: str) -> pb.PodSandboxStatus:
    labels = _labels(inspect.get("Config") or {})
    state = sandbox_state(str((inspect.get("State") or {}).get("Status", "")))
    options = parse_namespace_modes(labels.get(lbl.NAMESPACES))
    ip = sandbox_ip(inspect, network) if state == pb.SANDBOX_READY else ""
    return pb.PodSandboxStatus(
        id=inspect["Id"],
        metadata=sandbox_metadata(labels),
        state=state,
        created_at=parse_time(inspect.get("Created")),
        network=pb.PodSandboxNetworkStatus(ip=ip),
        linux=pb.LinuxPodSandboxStatus(namespaces=pb.Namespace(options=options)),
        labels=lbl.user_labels(labels),
        annotations=lbl.annotations_of(labels),
        runtime_handler=labels.get(lbl.RUNTIME_HANDLER, ""),
    )


# ---------------------------------------------------------------- containers


def container_from_summary(summary: Mapping[str, Any]) -> pb.Container:
    labels = _labels(summary)
    return pb.Container(
        id=summary["Id"],
        pod_sandbox_id=labels.get(lbl.SANDBOX_ID, ""),
        metadata=container_metadata(labels),
        image=pb.ImageSpec(image=labels.get(lbl.IMAGE) or str(summary.get("Image", ""))),
        image_ref=str(summary.get("ImageID", "")),
        state=container_state(str(summary.get("State", ""))),
        created_at=int(summary.get("Created", 0)) * 1_000_000_000,
        labels=lbl.user_labels(labels),
        annotations=lbl.annotations_of(labels),
    )


def exit_reason(state: Mapping[str, Any]) -> tuple[str, str]:
    """(reason, message) for a container state, as the kubelet shows them."""
    status = str(state.get("Status", ""))
    error = str(state.get("Error") or "")
    if status not in ("exited", "dead"):
        return "", error
    if state.get("OOMKilled"):
        return "OOMKilled", error
    if error and parse_time(state.get("StartedAt")) == 0:
        return "ContainerCannotRun", error
    if int(state.get("ExitCode", 0)) == 0:
        return "Completed", error
    return "Error", error


def _mounts(inspect: Mapping[str, Any]) -> list[pb.Mount]:
    propagation = {
        "rslave": pb.PROPAGATION_HOST_TO_CONTAINER,
        "slave": pb.PROPAGATION_HOST_TO_CONTAINER,
        "rshared": pb.PROPAGATION_BIDIRECTIONAL,
        "shared": pb.PROPAGATION_BIDIRECTIONAL,
    }
    return [
        pb.Mount(
            container_path=str(m.get("Destination", "")),
            host_path=str(m.get("Source", "")),
            readonly=not m.get("RW", True),
            propagation=propagation.get(str(m.get("Propagation", "")), pb.PROPAGATION_PRIVATE),
        )
        for m in inspect.get("Mounts") or []
        if m.get("Type") == "bind"
    ]


def container_status(inspect: Mapping[str, Any]) -> pb.ContainerStatus:
    labels = _labels(inspect.get("Config") or {})
    state = inspect.get("State") or {}
    cri_state = container_state(str(state.get("Status", "")))
    reason, message = exit_reason(state)
    started = parse_time(state.get("StartedAt"))
    finished = parse_time(state.get("FinishedAt")) if cri_state == pb.CONTAINER_EXITED else 0
    if finished and started:
        # Docker stamps start and finish from different sources: a container that exits at
        # once can "finish" a fraction of a millisecond before it "started".
        finished = max(finished, started)
    return pb.ContainerStatus(
        id=inspect["Id"],
        metadata=container_metadata(labels),
        state=cri_state,
        created_at=parse_time(inspect.get("Created")),
        started_at=started,
        finished_at=finished,
        exit_code=int(state.get("ExitCode", 0)),
        image=pb.ImageSpec(image=labels.get(lbl.IMAGE) or str(inspect.get("Image", ""))),
        image_ref=str(inspect.get("Image", "")),
        reason=reason,
        message=message,
        labels=lbl.user_labels(labels),
        annotations=lbl.annotations_of(labels),
        mounts=_mounts(inspect),
        log_path=labels.get(lbl.LOG_PATH, ""),
    )


# ---------------------------------------------------------------- images


def image(obj: Mapping[str, Any]) -> pb.Image:
    """An Image from Docker's image summary or inspect."""
    tags = [t for t in obj.get("RepoTags") or [] if t != "<none>:<none>"]
    digests = [d for d in obj.get("RepoDigests") or [] if d != "<none>@<none>"]
    out = pb.Image(
        id=str(obj["Id"]),
        repo_tags=tags,
        repo_digests=digests,
        size=max(0, int(obj.get("Size") or 0)),
        spec=pb.ImageSpec(image=str(obj["Id"])),
    )
    user = str((obj.get("Config") or {}).get("User") or "")
    name = user.split(":", 1)[0]
    if name.isdigit():
        out.uid.value = int(name)
    elif name:
        out.username = name
    return out


# ---------------------------------------------------------------- stats


def _u64(value: Any) -> pb.UInt64Value:
    return pb.UInt64Value(value=max(0, int(value or 0)))


def memory_usage(memory: Mapping[str, Any], timestamp: int) -> pb.MemoryUsage:
    """Memory as the kubelet reads it: working set = usage - inactive file cache."""
    stats = memory.get("stats") or {}
    usage = int(memory.get("usage") or 0)
    # cgroup v1 keys, then v2's
    inactive = stats.get("total_inactive_file", stats.get("inactive_file", 0)) or 0
    working_set = max(0, usage - int(inactive))
    out = pb.MemoryUsage(
        timestamp=timestamp,
        working_set_bytes=_u64(working_set),
        usage_bytes=_u64(usage),
        rss_bytes=_u64(stats.get("total_rss", stats.get("rss", stats.get("anon", 0)))),
        page_faults=_u64(stats.get("total_pgfault", stats.get("pgfault", 0))),
        major_page_faults=_u64(stats.get("total_pgmajfault", stats.get("pgmajfault", 0))),
    )
    limit = int(memory.get("limit") or 0)
    if limit:
        out.available_bytes.value = max(0, limit - working_set)
    return out


def container_stats(
    raw: Mapping[str, Any], summary: Mapping[str, Any], nano_cores: int | None
) -> pb.ContainerStats:
    """A ContainerStats from one Docker stats sample of a container (summary: its List row)."""
    labels = _labels(summary)
    timestamp = parse_time(raw.get("read"))
    cpu_total = ((raw.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage", 0)
    cpu = pb.CpuUsage(timestamp=timestamp, usage_core_nano_seconds=_u64(cpu_total))
    if nano_cores is not None:
        cpu.usage_nano_cores.value = nano_cores
    return pb.ContainerStats(
        attributes=pb.ContainerAttributes(
            id=str(summary["Id"]),
            metadata=container_metadata(labels),
            labels=lbl.user_labels(labels),
            annotations=lbl.annotations_of(labels),
        ),
        cpu=cpu,
        memory=memory_usage(raw.get("memory_stats") or {}, timestamp),
    )
