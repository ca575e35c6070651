"""Service environment variables, as the kubelet gives every container.

For each Service a pod sees, Kubernetes sets (name upper-cased, `-` → `_`; ports in the
Service's order, protocol default TCP):

    {SVC}_SERVICE_HOST=<clusterIP>           {SVC}_SERVICE_PORT=<first port>
    {SVC}_SERVICE_PORT_{PORTNAME}=<port>     (every named port)
    {SVC}_PORT=<proto>://<clusterIP>:<first port>
    {SVC}_PORT_{port}_{PROTO}=<proto>://<clusterIP>:<port>   and its _PROTO, _PORT, _ADDR

A pod sees the Services of its own namespace when `spec.enableServiceLinks` is true (the
default), and always the `kubernetes` Service of `default` (a Service called
`kubernetes` in the pod's own namespace wins when links are on). Services without a
ClusterIP (headless, ExternalName) give nothing. Pure: the caller hands in the Services
(the kubelet's informer cache).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Obj = dict[str, Any]

MASTER_NAMESPACE = "default"
MASTER_SERVICES = frozenset({"kubernetes"})


def _has_ip(svc: Obj) -> bool:
    ip = (svc.get("spec") or {}).get("clusterIP")
    return bool(ip) and ip != "None"


def visible_services(services: Iterable[Obj], namespace: str, enable_links: bool) -> list[Obj]:
    """The Services a pod in `namespace` gets variables for, by name (kubelet's rules)."""
    by_name: dict[str, Obj] = {}
    for svc in services:
        if not _has_ip(svc):
            continue
        meta = svc.get("metadata") or {}
        name, ns = str(meta.get("name") or ""), meta.get("namespace")
        if ns == MASTER_NAMESPACE and name in MASTER_SERVICES:
            by_name.setdefault(name, svc)
        elif ns == namespace and enable_links:
            by_name[name] = svc
    return [by_name[name] for name in sorted(by_name)]


def _env_name(text: str) -> str:
    return text.upper().replace("-", "_")


def _host_port(ip: str, port: int) -> str:
    try:
        if ipaddress.ip_address(ip).version == 6:
            return f"[{ip}]:{port}"
    except ValueError:
        pass
    return f"{ip}:{port}"


def service_variables(svc: Obj) -> list[tuple[str, str]]:
    """The variables of one Service, in the kubelet's order."""
    spec = svc.get("spec") or {}
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    if not _has_ip(svc) or not ports:
        return []
    ip = str(spec["clusterIP"])
    prefix = _env_name(str((svc.get("metadata") or {}).get("name") or ""))
    out = [
        (f"{prefix}_SERVICE_HOST", ip),
        (f"{prefix}_SERVICE_PORT", str(ports[0].get("port"))),
    ]
    for port in ports:
        if port.get("name"):
            out.append((f"{prefix}_SERVICE_PORT_{_env_name(port['name'])}", str(port["port"])))
    for i, port in enumerate(ports):
        proto = str(port.get("protocol") or "TCP")
        url = f"{proto.lower()}://{_host_port(ip, int(port.get('port') or 0))}"
        if i == 0:
            out.append((f"{prefix}_PORT", url))
        base = f"{prefix}_PORT_{port.get('port')}_{proto.upper()}"
        out += [
            (base, url),
            (f"{base}_PROTO", proto.lower()),
            (f"{base}_PORT", str(port.get("port"))),
            (f"{base}_ADDR", ip),
        ]
    return out


def service_env(services: Iterable[Obj], pod: Obj) -> dict[str, str]:
    """Every Service variable a container of `pod` gets."""
    spec = pod.get("spec") or {}
    namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
    links = spec.get("enableServiceLinks")
    env: dict[str, str] = {}
    for svc in visible_services(services, namespace, links is None or bool(links)):
        env.update(service_variables(svc))
    return env
