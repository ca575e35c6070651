"""A container's environment: env, envFrom, valueFrom, $(VAR) expansion and the Service
variables (`svcenv.py`).

`resolve_env()` is pure apart from `fetch(kind, namespace, name)`, which answers a
ConfigMap or Secret (or None when it does not exist). A missing object or key that is not
`optional` raises `ConfigError`, which keeps the container waiting with
CreateContainerConfigError. As in Kubernetes, `$(VAR)` may name a Service variable, and
the Service variables come last, each unless the container sets that name itself.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from typing import Any

Obj = dict[str, Any]
Fetch = Callable[[str, str, str], Awaitable[Obj | None]]

_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


class ConfigError(Exception):
    """The container's config cannot be made (CreateContainerConfigError)."""


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: unknown names stay as written, $$ is a literal $."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _VAR.sub(sub, text)


def _data(obj: Obj, kind: str) -> dict[str, str]:
    if kind == "Secret":
        out = {
            k: base64.b64decode(v).decode(errors="replace")
            for k, v in (obj.get("data") or {}).items()
        }
        out.update(obj.get("stringData") or {})
        return out
    return dict(obj.get("data") or {})


def field_value(pod: Obj, path: str, pod_ip: str = "", host_ip: str = "") -> str:
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": pod_ip,
        "status.hostIP": host_ip,
    }
    if path in simple:
        return str(simple[path])
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    if path in ("metadata.labels", "metadata.annotations"):
        items = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(items.items()))
    raise ConfigError(f"unsupported fieldRef {path!r}")


def resource_value(container: Obj, resource: str, divisor: str | None = None) -> str:
    res = container.get("resources") or {}
    value = (res.get("limits") or {}).get(resource) or (res.get("requests") or {}).get(resource)
    return str(value or "0")


async def resolve_env(
    pod: Obj,
    container: Obj,
    fetch: Fetch,
    *,
    pod_ip: str = "",
    host_ip: str = "",
    service_env: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    ns = pod["metadata"].get("namespace", "default")
    env: dict[str, str] = {}
    cache: dict[tuple[str, str], Obj | None] = {}

    async def get(kind: str, name: str) -> Obj | None:
        if (kind, name) not in cache:
            cache[(kind, name)] = await fetch(kind, ns, name)
        return cache[(kind, name)]

    for source in container.get("envFrom") or []:
        prefix = source.get("prefix") or ""
        for kind, ref_field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(ref_field)
            if not ref:
                continue
            obj = await get(kind, ref.get("name", ""))
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ConfigError(f'{kind.lower()} "{ref.get("name")}" not found')
            for key, value in _data(obj, kind).items():
                env[prefix + key] = value
    for item in container.get("env") or []:
        name = item["name"]
        if "valueFrom" not in item:
            known = {**service_env, **env} if service_env else env
            env[name] = expand(str(item.get("value", "")), known)
            continue
        source = item["valueFrom"] or {}
        if "fieldRef" in source:
            env[name] = field_value(pod, source["fieldRef"].get("fieldPath", ""), pod_ip, host_ip)
        elif "resourceFieldRef" in source:
            env[name] = resource_value(container, source["resourceFieldRef"].get("resource", ""))
        else:
            for kind, ref_field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = source.get(ref_field)
                if not ref:
                    continue
                obj = await get(kind, ref.get("name", ""))
                key = ref.get("key", "")
                if obj is None:
                    if ref.get("optional"):
                        break
                    raise ConfigError(f'{kind.lower()} "{ref.get("name")}" not found')
                data = _data(obj, kind)
                if key not in data:
                    if ref.get("optional"):
                        break
                    raise ConfigError(f"couldn't find key {key} in {kind} {ns}/{ref.get('name')}")
                env[name] = data[key]
                break
    extra = [(k, v) for k, v in (service_env or {}).items() if k not in env]
    return list(env.items()) + extra
