"""CRI configs → Docker create parameters: pure functions, validated, no I/O.

A pod sandbox becomes a pause container that owns the pod's namespaces: its network
namespace (on the pod bridge network, or the host's for hostNetwork pods), its hostname, its
/etc/resolv.conf and a shareable IPC namespace. An app container joins them
(`network_mode=container:<sandbox>`, `ipc_mode=container:<sandbox>`, and the PID namespace
too when the pod shares it), so the containers of one pod share one IP and reach each other
on localhost. Docker gives a container that joins another's network namespace the other's
hostname, hosts and resolv.conf files, so those are set once, on the sandbox.

Invalid input raises INVALID_ARGUMENT naming the field, before Docker is asked anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cridocker import labels as lbl
from cridocker.errors import invalid
from minik8s.cri import cri_pb2 as pb

_PROTOCOLS = {pb.TCP: "tcp", pb.UDP: "udp", pb.SCTP: "sctp"}
_PROPAGATION = {
    pb.PROPAGATION_PRIVATE: "rprivate",
    pb.PROPAGATION_HOST_TO_CONTAINER: "rslave",
    pb.PROPAGATION_BIDIRECTIONAL: "rshared",
}
_MODES = set(pb.NamespaceMode.keys())
_MIN_MEMORY = 6 * 1024 * 1024  # Docker refuses smaller memory limits


@dataclass
class CreateSpec:
    """Arguments for `APIClient.create_container` (host_config: for `create_host_config`)."""

    name: str
    image: str
    labels: dict[str, str]
    host_config: dict[str, Any] = field(default_factory=dict)
    entrypoint: list[str] | None = None
    command: list[str] | None = None
    environment: list[str] | None = None
    working_dir: str | None = None
    hostname: str | None = None
    user: str | None = None
    ports: list[tuple[int, str]] | None = None
    tty: bool = False
    stdin_open: bool = False
    stdin_once: bool = False  # the first attach that ends stdin closes it for good


def namespace_modes(options: pb.NamespaceOption) -> str:
    """The `namespaces` label: network,pid,ipc mode names."""
    return ",".join(pb.NamespaceMode.Name(m) for m in (options.network, options.pid, options.ipc))


def parse_namespace_modes(text: str | None) -> pb.NamespaceOption:
    """The NamespaceOption back from a `namespaces` label (defaults when absent)."""
    parts = (text or "").split(",")
    if len(parts) != 3 or not set(parts) <= _MODES:
        return pb.NamespaceOption()
    return pb.NamespaceOption(network=parts[0], pid=parts[1], ipc=parts[2])


def _require(value: str, field_path: str) -> None:
    if not value:
        raise invalid(f"{field_path} is required")


# ---------------------------------------------------------------- sandboxes


def validate_sandbox(config: pb.PodSandboxConfig) -> None:
    meta = config.metadata
    _require(meta.name, "config.metadata.name")
    _require(meta.namespace, "config.metadata.namespace")
    _require(meta.uid, "config.metadata.uid")
    options = config.linux.security_context.namespace_options
    for name in ("network", "pid", "ipc"):
        if getattr(options, name) == pb.TARGET:
            raise invalid(
                f"config.linux.security_context.namespace_options.{name}: TARGET "
                "is not supported for a sandbox"
            )
    for i, port in enumerate(config.port_mappings):
        path = f"config.port_mappings[{i}]"
        if not 0 < port.container_port < 65536:
            raise invalid(f"{path}.container_port: {port.container_port} is not in 1-65535")
        if not 0 <= port.host_port < 65536:
            raise invalid(f"{path}.host_port: {port.host_port} is not in 0-65535")
    if config.log_directory and not os.path.isabs(config.log_directory):
        raise invalid(f"config.log_directory: {config.log_directory!r} is not absolute")


def sandbox_spec(
    config: pb.PodSandboxConfig,
    *,
    instance: str,
    pause_image: str,
    network: str,
    runtime_handler: str = "",
) -> CreateSpec:
    """The pause container of a pod sandbox; `network` is the pod bridge network's name."""
    validate_sandbox(config)
    meta = config.metadata
    security = config.linux.security_context
    options = security.namespace_options
    host_network = options.network == pb.NODE
    internal = {
        lbl.TYPE: lbl.SANDBOX,
        lbl.INSTANCE: instance,
        lbl.POD_NAME: meta.name,
        lbl.POD_NAMESPACE: meta.namespace,
        lbl.POD_UID: meta.uid,
        lbl.SANDBOX_ATTEMPT: str(meta.attempt),
        lbl.NAMESPACES: namespace_modes(options),
    }
    if config.log_directory:
        internal[lbl.LOG_DIRECTORY] = config.log_directory
    if runtime_handler:
        internal[lbl.RUNTIME_HANDLER] = runtime_handler
    host_config: dict[str, Any] = {
        "network_mode": "host" if host_network else network,
        "ipc_mode": "host" if options.ipc == pb.NODE else "shareable",
        "restart_policy": {"Name": "no"},
        "privileged": security.privileged,
        "read_only": security.readonly_rootfs or None,
    }
    if options.pid == pb.NODE:
        host_config["pid_mode"] = "host"
    if config.linux.cgroup_parent:
        host_config["cgroup_parent"] = config.linux.cgroup_parent
    if config.linux.sysctls:
        host_config["sysctls"] = dict(config.linux.sysctls)
    if security.supplemental_groups:
        host_config["group_add"] = [str(g) for g in security.supplemental_groups]
    ports, bindings = _port_bindings(config.port_mappings)
    if bindings:
        host_config["port_bindings"] = bindings
    return CreateSpec(
        name=lbl.sandbox_name(meta.name, meta.namespace, meta.uid, meta.attempt),
        image=pause_image,
        labels=lbl.encode(internal, config.labels, config.annotations),
        host_config=host_config,
        hostname=None if host_network or not config.hostname else config.hostname,
        user=_user(security),
        ports=ports or None,
    )


def _port_bindings(
    mappings: Sequence[pb.PortMapping],
) -> tuple[list[tuple[int, str]], dict[str, list[tuple[str, int]]]]:
    ports: list[tuple[int, str]] = []
    bindings: dict[str, list[tuple[str, int]]] = {}
    for port in mappings:
        if port.host_port == 0:
            continue  # nothing to publish: the pod's IP is reachable as it is
        protocol = _PROTOCOLS.get(port.protocol, "tcp")
        ports.append((port.container_port, protocol))
        key = f"{port.container_port}/{protocol}"
        bindings.setdefault(key, []).append((port.host_ip or "0.0.0.0", port.host_port))
    return ports, bindings


def resolv_conf(dns: pb.DNSConfig) -> str | None:
    """The sandbox's /etc/resolv.conf for a DNSConfig; None: keep Docker's."""
    if not (dns.servers or dns.searches or dns.options):
        return None
    lines = [f"nameserver {server}" for server in dns.servers]
    if dns.searches:
        lines.append("search " + " ".join(dns.searches))
    if dns.options:
        lines.append("options " + " ".join(dns.options))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- containers


@dataclass
class SandboxView:
    """What CreateContainer needs to know about the sandbox it joins (from its labels)."""

    id: str
    labels: Mapping[str, str]
    host_network: bool
    running: bool

    @property
    def namespaces(self) -> pb.NamespaceOption:
        return parse_namespace_modes(self.labels.get(lbl.NAMESPACES))


def validate_container(config: pb.ContainerConfig) -> None:
    _require(config.metadata.name, "config.metadata.name")
    _require(config.image.image, "config.image.image")
    for i, mount in enumerate(config.mounts):
        path = f"config.mounts[{i}]"
        if not os.path.isabs(mount.container_path):
            raise invalid(f"{path}.container_path: {mount.container_path!r} is not absolute")
        if not os.path.isabs(mount.host_path):
            raise invalid(f"{path}.host_path: {mount.host_path!r} is not absolute")
    resources = config.linux.resources
    for name in ("cpu_period", "cpu_quota", "cpu_shares", "memory_limit_in_bytes"):
        if getattr(resources, name) < 0:
            raise invalid(f"config.linux.resources.{name} is negative")
    if 0 < resources.memory_limit_in_bytes < _MIN_MEMORY:
        raise invalid(
            f"config.linux.resources.memory_limit_in_bytes: {resources.memory_limit_in_bytes} "
            f"is below Docker's minimum of {_MIN_MEMORY} bytes (6 MiB)"
        )
    if not -1000 <= resources.oom_score_adj <= 1000:
        raise invalid("config.linux.resources.oom_score_adj is not in -1000..1000")
    for i, env in enumerate(config.envs):
        if not env.key or "=" in env.key:
            raise invalid(f"config.envs[{i}].key: {env.key!r} is not a variable name")


def container_log_path(config: pb.ContainerConfig, log_directory: str) -> str | None:
    """The absolute path of the container's CRI log file; None: no log file."""
    if not config.log_path:
        return None
    if os.path.isabs(config.log_path):
        return config.log_path
    if not log_directory:
        raise invalid(
            f"config.log_path: {config.log_path!r} is relative and the sandbox has no log_directory"
        )
    return os.path.join(log_directory, config.log_path)


def container_spec(
    config: pb.ContainerConfig,
    sandbox: SandboxView,
    *,
    instance: str,
    log_path: str | None,
) -> CreateSpec:
    """An app container that joins `sandbox`'s namespaces."""
    validate_container(config)
    meta = config.metadata
    pod = sandbox.labels
    internal = {
        lbl.TYPE: lbl.CONTAINER,
        lbl.INSTANCE: instance,
        lbl.POD_NAME: pod.get(lbl.POD_NAME, ""),
        lbl.POD_NAMESPACE: pod.get(lbl.POD_NAMESPACE, ""),
        lbl.POD_UID: pod.get(lbl.POD_UID, ""),
        lbl.SANDBOX_ID: sandbox.id,
        lbl.CONTAINER_NAME: meta.name,
        lbl.CONTAINER_ATTEMPT: str(meta.attempt),
        lbl.IMAGE: config.image.image,
    }
    if log_path:
        internal[lbl.LOG_PATH] = log_path
    security = config.linux.security_context
    options = security.namespace_options
    joined = f"container:{sandbox.id}"
    host_config: dict[str, Any] = {
        "network_mode": "host" if sandbox.host_network else joined,
        "ipc_mode": "host" if sandbox.namespaces.ipc == pb.NODE else joined,
        "restart_policy": {"Name": "no"},
        "privileged": security.privileged,
        "read_only": security.readonly_rootfs or None,
    }
    if options.pid == pb.NODE:
        host_config["pid_mode"] = "host"
    elif options.pid == pb.POD:
        host_config["pid_mode"] = joined
    elif options.pid == pb.TARGET and options.target_id:
        host_config["pid_mode"] = f"container:{options.target_id}"
    host_config.update(_resources(config.linux.resources))
    host_config.update(_security(security))
    binds = [_bind(m) for m in config.mounts]
    if binds:
        host_config["binds"] = binds
    return CreateSpec(
        name=lbl.container_name(
            meta.name,
            pod.get(lbl.POD_NAME, ""),
            pod.get(lbl.POD_NAMESPACE, ""),
            pod.get(lbl.POD_UID, ""),
            meta.attempt,
        ),
        image=config.image.image,
        labels=lbl.encode(internal, config.labels, config.annotations),
        host_config=host_config,
        entrypoint=list(config.command) or None,
        command=list(config.args) or None,
        environment=[f"{e.key}={e.value}" for e in config.envs] or None,
        working_dir=config.working_dir or None,
        user=_user(security, security.run_as_username),
        tty=config.tty,
        stdin_open=config.stdin,
        stdin_once=config.stdin and config.stdin_once,
    )


def _bind(mount: pb.Mount) -> str:
    mode = ["ro" if mount.readonly else "rw", _PROPAGATION.get(mount.propagation, "rprivate")]
    if mount.selinux_relabel:
        mode.append("Z")
    return f"{mount.host_path}:{mount.container_path}:{','.join(mode)}"


def _resources(resources: pb.LinuxContainerResources) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if resources.cpu_shares:
        out["cpu_shares"] = max(2, resources.cpu_shares)  # the kernel's minimum weight
    if resources.cpu_period:
        out["cpu_period"] = resources.cpu_period
    if resources.cpu_quota:
        out["cpu_quota"] = resources.cpu_quota
    if resources.memory_limit_in_bytes:
        out["mem_limit"] = resources.memory_limit_in_bytes
        out["memswap_limit"] = resources.memory_limit_in_bytes  # no swap, as Kubernetes
    if resources.oom_score_adj:
        out["oom_score_adj"] = resources.oom_score_adj
    if resources.cpuset_cpus:
        out["cpuset_cpus"] = resources.cpuset_cpus
    if resources.cpuset_mems:
        out["cpuset_mems"] = resources.cpuset_mems
    return out


def _capability(name: str) -> str:
    name = name.upper()
    return name if name == "ALL" or name.startswith("CAP_") else "CAP_" + name


def _security(security: pb.LinuxContainerSecurityContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if security.capabilities.add_capabilities:
        out["cap_add"] = [_capability(c) for c in security.capabilities.add_capabilities]
    if security.capabilities.drop_capabilities:
        out["cap_drop"] = [_capability(c) for c in security.capabilities.drop_capabilities]
    if security.no_new_privs:
        out["security_opt"] = ["no-new-privileges"]
    if security.supplemental_groups:
        out["group_add"] = [str(g) for g in security.supplemental_groups]
    return out


def _optional(message: Any, name: str) -> int | None:
    """An Int64Value field's value, None when unset (0 is a real uid: root)."""
    return int(getattr(message, name).value) if message.HasField(name) else None


def _user(security: Any, username: str = "") -> str | None:
    """Docker's `user` from runAsUserName/runAsUser/runAsGroup; None: the image's user."""
    uid = _optional(security, "run_as_user")
    gid = _optional(security, "run_as_group")
    user = username or ("" if uid is None else str(uid))
    if not user:
        return None
    return user if gid is None else f"{user}:{gid}"
