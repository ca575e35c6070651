"""`/api/v1/componentstatuses`: is etcd, the scheduler and the controller manager healthy?

kube-apiserver serves the (deprecated but still used) ComponentStatus kind by probing the
control plane itself: `GET /healthz` of the scheduler and the controller manager, and etcd's
health. Nothing is stored: every list or get probes afresh, so `kubectl get cs` and
`mkctl cluster status` see the state of this moment. Only `get` and `list` are served.

Where the daemons' health endpoints are comes from the API server's flags
(`--scheduler-health-address`, `--controller-manager-health-address`; the defaults are the
daemons' own default ports 10259/10257 on 127.0.0.1).

Concurrency: the probes of one request run concurrently on the server's event loop, each
bounded by `PROBE_TIMEOUT`, so a hung daemon delays the answer by at most that long.
Everything except `ComponentStatuses.probe_*` is pure and unit-tested without a server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from minik8s.api import errors
from minik8s.api.kinds.componentstatus import COMPONENT_STATUS

from . import tables

PROBE_TIMEOUT = 2.0
KIND = "ComponentStatus"

# Declared with the other kinds (discovery lists it, `kubectl get cs` finds it there).
RESOURCE = COMPONENT_STATUS
DEFAULT_ADDRESSES = {"scheduler": "127.0.0.1:10259", "controller-manager": "127.0.0.1:10257"}


@dataclass(frozen=True)
class Probe:
    """The outcome of one component's health check."""

    name: str
    healthy: bool
    message: str = ""
    error: str = ""


def component_status(probe: Probe) -> dict[str, Any]:
    """The v1 ComponentStatus object for one probe, as kube-apiserver builds it."""
    condition: dict[str, Any] = {
        "type": "Healthy",
        "status": "True" if probe.healthy else "False",
    }
    if probe.message:
        condition["message"] = probe.message
    if probe.error:
        condition["error"] = probe.error
    return {
        "kind": KIND,
        "apiVersion": "v1",
        "metadata": {"name": probe.name},
        "conditions": [condition],
    }


def component_status_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": f"{KIND}List", "apiVersion": "v1", "metadata": {}, "items": items}


def to_table(objs: list[dict[str, Any]]) -> dict[str, Any]:
    """What `kubectl get cs` prints: NAME, STATUS, MESSAGE, ERROR."""
    return tables.to_table(RESOURCE, objs)


def health_url(address: str) -> str:
    """`127.0.0.1:10259` (or a full URL) -> the `/healthz` URL probed."""
    if "://" in address:
        base = address.rstrip("/")
        return base if base.endswith("/healthz") else f"{base}/healthz"
    return f"http://{address}/healthz"


def describe_http_error(url: str, exc: Exception) -> str:
    reason = str(exc) or type(exc).__name__
    return f'Get "{url}": {reason}'


class ComponentStatuses:
    """Probes the control plane on demand; `names` is the order of a list."""

    def __init__(
        self,
        http_components: dict[str, str],
        etcd_status: Callable[[], Awaitable[Any]],
    ) -> None:
        self.urls = {name: health_url(addr) for name, addr in http_components.items()}
        self.etcd_status = etcd_status
        self.names = [*self.urls, "etcd-0"]

    async def probe_http(self, name: str) -> Probe:
        url = self.urls[name]
        try:
            async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as http:
                r = await http.get(url)
        except httpx.HTTPError as e:
            return Probe(name, False, error=describe_http_error(url, e))
        body = r.text.strip()[:200]
        if r.status_code != 200:
            return Probe(name, False, message=body, error=f"HTTP probe failed with {r.status_code}")
        return Probe(name, True, message=body or "ok")

    async def probe_etcd(self) -> Probe:
        try:
            await asyncio.wait_for(self.etcd_status(), PROBE_TIMEOUT)
        except Exception as e:  # noqa: BLE001 - any failure is the probe's answer
            return Probe("etcd-0", False, error=str(e) or type(e).__name__)
        return Probe("etcd-0", True, message='{"health":"true","reason":""}')

    async def probe(self, name: str) -> Probe:
        if name == "etcd-0":
            return await self.probe_etcd()
        if name in self.urls:
            return await self.probe_http(name)
        raise errors.NotFound(f'componentstatuses "{name}" not found')

    async def list_all(self) -> list[dict[str, Any]]:
        probes = await asyncio.gather(*(self.probe(n) for n in self.names))
        return [component_status(p) for p in probes]

    async def get(self, name: str) -> dict[str, Any]:
        return component_status(await self.probe(name))

    async def serve(self, method: str, rest: list[str], as_table: bool) -> dict[str, Any]:
        """The body for `GET /api/v1/componentstatuses[/{name}]`; other verbs are 405."""
        if method != "GET":
            raise errors.MethodNotAllowed(
                f"{method} is not supported on componentstatuses (get and list only)"
            )
        if len(rest) > 1:
            raise errors.NotFound("the server could not find the requested resource")
        objs = [await self.get(rest[0])] if rest else await self.list_all()
        if as_table:
            return to_table(objs)
        return objs[0] if rest else component_status_list(objs)
