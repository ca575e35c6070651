"""Pod and container specs → CRI configs (pure).

Sandboxes and containers carry the pod's uid, name and namespace as CRI labels (the shim
keeps them as Docker labels), plus the node's name, so a restarted kubelet finds its own.
The PID namespace is the container's own unless the pod sets shareProcessNamespace (CRI's
default, POD, would share it); hostNetwork / hostPID / hostIPC use the node's.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from minik8s.api.quantity import parse_bytes, parse_cpu_millis

from .cri import CONTAINER_KIND, CONTAINER_NAME, POD_NAME, POD_NAMESPACE, POD_UID, pb
from .resolv import ResolvConf, mounts_own_hosts, pod_resolv_conf
from .volumes import read_only_volumes

Obj = dict[str, Any]
NODE_LABEL = "io.minik8s.kubelet.node"
CPU_PERIOD = 100_000  # microseconds, as the kubelet uses


@dataclass
class PodSettings:
    """The node-wide settings a sandbox config needs."""

    node_name: str
    pod_logs_dir: str
    cluster_dns: list[str] = field(default_factory=list)
    cluster_domain: str = "cluster.local"
    node_resolv: ResolvConf = field(default_factory=ResolvConf)  # --resolv-conf, parsed


def pod_labels(pod: Obj, node: str) -> dict[str, str]:
    meta = pod["metadata"]
    return {
        POD_UID: meta["uid"],
        POD_NAME: meta["name"],
        POD_NAMESPACE: meta.get("namespace", "default"),
        NODE_LABEL: node,
    }


def log_directory(settings: PodSettings, pod: Obj) -> str:
    meta = pod["metadata"]
    return os.path.join(
        settings.pod_logs_dir, f"{meta.get('namespace', 'default')}_{meta['name']}_{meta['uid']}"
    )


def dns_config(pod: Obj, settings: PodSettings) -> pb.DNSConfig:
    """The sandbox's resolv.conf from the pod's dnsPolicy and dnsConfig (see resolv.py)."""
    conf = pod_resolv_conf(pod, settings.cluster_dns, settings.cluster_domain, settings.node_resolv)
    return pb.DNSConfig(servers=conf.servers, searches=conf.searches, options=conf.options)


def _namespace_options(spec: Obj) -> pb.NamespaceOption:
    return pb.NamespaceOption(
        network=pb.NODE if spec.get("hostNetwork") else pb.POD,
        pid=pb.NODE
        if spec.get("hostPID")
        else (pb.POD if spec.get("shareProcessNamespace") else pb.CONTAINER),
        ipc=pb.NODE if spec.get("hostIPC") else pb.POD,
    )


def sandbox_config(pod: Obj, settings: PodSettings, attempt: int) -> pb.PodSandboxConfig:
    meta, spec = pod["metadata"], pod.get("spec") or {}
    config = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(
            name=meta["name"],
            uid=meta["uid"],
            namespace=meta.get("namespace", "default"),
            attempt=attempt,
        ),
        hostname=(spec.get("hostname") or meta["name"])[:63],
        log_directory=log_directory(settings, pod),
        dns_config=dns_config(pod, settings),
        labels=pod_labels(pod, settings.node_name),
        annotations={k: str(v) for k, v in (meta.get("annotations") or {}).items()},
    )
    for c in spec.get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                config.port_mappings.append(
                    pb.PortMapping(
                        protocol={"UDP": pb.UDP, "SCTP": pb.SCTP}.get(
                            p.get("protocol", ""), pb.TCP
                        ),
                        container_port=int(p["containerPort"]),
                        host_port=int(p["hostPort"]),
                        host_ip=p.get("hostIP", ""),
                    )
                )
    sc = spec.get("securityContext") or {}
    ctx = config.linux.security_context
    ctx.namespace_options.CopyFrom(_namespace_options(spec))
    if sc.get("runAsUser") is not None:
        ctx.run_as_user.value = int(sc["runAsUser"])
    if sc.get("runAsGroup") is not None:
        ctx.run_as_group.value = int(sc["runAsGroup"])
    ctx.supplemental_groups.extend(int(g) for g in sc.get("supplementalGroups") or [])
    for s in sc.get("sysctls") or []:
        config.linux.sysctls[s["name"]] = str(s["value"])
    return config


def resources(container: Obj) -> pb.LinuxContainerResources:
    res = container.get("resources") or {}
    limits, requests = res.get("limits") or {}, res.get("requests") or {}
    out = pb.LinuxContainerResources()
    cpu_request = requests.get("cpu") or limits.get("cpu")
    out.cpu_shares = max(2, parse_cpu_millis(cpu_request) * 1024 // 1000) if cpu_request else 2
    if limits.get("cpu"):
        out.cpu_period = CPU_PERIOD
        out.cpu_quota = max(1000, parse_cpu_millis(limits["cpu"]) * CPU_PERIOD // 1000)
    if limits.get("memory"):
        out.memory_limit_in_bytes = parse_bytes(limits["memory"])
    return out


class VolumeMountError(Exception):
    pass


def mounts(
    container: Obj, volume_paths: dict[str, str], read_only: Collection[str] = ()
) -> list[pb.Mount]:
    out = []
    for vm in container.get("volumeMounts") or []:
        name = vm.get("name", "")
        if name not in volume_paths:
            raise VolumeMountError(f"volume {name} is not defined")
        host = volume_paths[name]
        if vm.get("subPath"):
            host = os.path.join(host, vm["subPath"])
            if not os.path.exists(host):
                os.makedirs(host, exist_ok=True)
        out.append(
            pb.Mount(
                container_path=vm["mountPath"],
                host_path=host,
                readonly=bool(vm.get("readOnly")) or name in read_only,
                propagation={
                    "HostToContainer": pb.PROPAGATION_HOST_TO_CONTAINER,
                    "Bidirectional": pb.PROPAGATION_BIDIRECTIONAL,
                }.get(vm.get("mountPropagation", ""), pb.PROPAGATION_PRIVATE),
            )
        )
    return out


def container_config(
    pod: Obj,
    container: Obj,
    *,
    attempt: int,
    kind: str,
    env: list[tuple[str, str]],
    volume_paths: dict[str, str],
    node_name: str,
    hosts_path: str = "",
) -> pb.ContainerConfig:
    from .env import expand

    env_map = dict(env)
    spec = pod.get("spec") or {}
    name = container["name"]
    labels = pod_labels(pod, node_name)
    labels[CONTAINER_NAME] = name
    labels[CONTAINER_KIND] = kind
    config = pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=name, attempt=attempt),
        image=pb.ImageSpec(image=container.get("image", "")),
        command=[expand(str(c), env_map) for c in container.get("command") or []],
        args=[expand(str(a), env_map) for a in container.get("args") or []],
        working_dir=container.get("workingDir", ""),
        envs=[pb.KeyValue(key=k, value=v) for k, v in env],
        mounts=mounts(container, volume_paths, read_only_volumes(pod)),
        labels=labels,
        annotations={
            "io.kubernetes.container.terminationMessagePath": container.get(
                "terminationMessagePath", "/dev/termination-log"
            )
        },
        log_path=f"{name}/{attempt}.log",
        stdin=bool(container.get("stdin")),
        stdin_once=bool(container.get("stdinOnce")),
        tty=bool(container.get("tty")),
    )
    if hosts_path and not mounts_own_hosts(container):
        config.mounts.append(pb.Mount(container_path="/etc/hosts", host_path=hosts_path))
    config.linux.resources.CopyFrom(resources(container))
    pod_sc = spec.get("securityContext") or {}
    sc = container.get("securityContext") or {}
    ctx = config.linux.security_context
    ctx.namespace_options.CopyFrom(_namespace_options(spec))
    run_as_user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    if run_as_user is not None:
        ctx.run_as_user.value = int(run_as_user)
    run_as_group = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    if run_as_group is not None:
        ctx.run_as_group.value = int(run_as_group)
    ctx.privileged = bool(sc.get("privileged"))
    ctx.readonly_rootfs = bool(sc.get("readOnlyRootFilesystem"))
    ctx.no_new_privs = sc.get("allowPrivilegeEscalation") is False
    caps = sc.get("capabilities") or {}
    ctx.capabilities.add_capabilities.extend(caps.get("add") or [])
    ctx.capabilities.drop_capabilities.extend(caps.get("drop") or [])
    ctx.supplemental_groups.extend(int(g) for g in pod_sc.get("supplementalGroups") or [])
    return config
