"""ClusterIP and NodePort allocation, race-free across API server replicas.

An allocation is a key in etcd (`/registry/ranges/serviceips/<ip>`,
`/registry/ranges/servicenodeports/<port>`) whose value names the owning Service. The keys
are written in the same transaction as the Service itself, guarded by "key absent"
compares, so two API servers racing for one address cannot both win and a crash can never
leave a Service without its address or an address without its Service.

This module only plans: it returns the compares and operations to add to the Service's
transaction. The registry runs the transaction and retries with fresh choices when a
randomly chosen value lost a race.
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from minik8s.api import errors

from .registry import WritePlan as Plan
from .storage.etcd import Etcd, cmp_absent, cmp_mod_revision, op_delete, op_put, prefix_end

NEEDS_NODE_PORT = ("NodePort", "LoadBalancer")


class ServiceAllocator:
    """The Service kind's write extension (`registry.WriteExtension`)."""

    def __init__(
        self,
        etcd: Etcd,
        prefix: str,
        service_cidr: str = "10.96.0.0/12",
        node_port_range: tuple[int, int] = (30000, 32767),
    ) -> None:
        self.etcd = etcd
        self.prefix = prefix.rstrip("/")
        self.network = ipaddress.ip_network(service_cidr, strict=False)
        self.node_ports = node_port_range
        # The network address, the first host (the `kubernetes` Service) and the broadcast
        # address are never handed out at random.
        self.first = int(self.network.network_address) + 2
        self.last = int(self.network.broadcast_address) - 1

    # keys
    def ip_key(self, ip: str) -> bytes:
        return f"{self.prefix}/ranges/serviceips/{ip}".encode()

    def port_key(self, port: int) -> bytes:
        return f"{self.prefix}/ranges/servicenodeports/{port}".encode()

    async def _taken(self, prefix: bytes) -> set[str]:
        result = await self.etcd.range(prefix, prefix_end(prefix), keys_only=True)
        return {kv.key[len(prefix) :].decode() for kv in result.kvs}

    async def _random_ip(self, exhaustive: bool) -> str:
        if not exhaustive:
            return str(ipaddress.ip_address(random.randint(self.first, self.last)))
        taken = await self._taken(self.ip_key(""))
        size = self.last - self.first + 1
        start = random.randrange(size)
        for i in range(size):
            candidate = str(ipaddress.ip_address(self.first + (start + i) % size))
            if candidate not in taken:
                return candidate
        raise errors.Invalid(
            "Internal error occurred: failed to allocate a serviceIP: range is full",
            causes=[errors.Cause("spec.clusterIPs", "range is full")],
        )

    async def _random_port(self, exhaustive: bool, avoid: set[int]) -> int:
        low, high = self.node_ports
        if not exhaustive:
            while True:
                port = random.randint(low, high)
                if port not in avoid:
                    return port
        taken = {int(p) for p in await self._taken(self.port_key(0)[:-1])} | avoid
        free = [p for p in range(low, high + 1) if p not in taken]
        if not free:
            raise errors.Invalid(
                "failed to allocate a nodePort: range is full",
                causes=[errors.Cause("spec.ports", "range is full")],
            )
        return random.choice(free)

    def _check_ip(self, ip: str, fld: str) -> None:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            raise _invalid(fld, ip, "must be a valid IP address") from None
        if addr not in self.network or addr in (
            self.network.network_address,
            self.network.broadcast_address,
        ):
            raise _invalid(
                fld,
                ip,
                f"provided IP is not in the valid range. The range of valid IPs is {self.network}",
            )

    def _check_port(self, port: int, fld: str) -> None:
        low, high = self.node_ports
        if not low <= port <= high:
            raise _invalid(
                fld,
                port,
                f"provided port is not in the valid range. The range of valid ports "
                f"is {low}-{high}",
            )

    async def plan_create(self, svc: dict[str, Any], owner: str, *, attempt: int) -> Plan:
        """Fill in spec.clusterIP(s) and nodePorts of `svc` in place; return the txn parts.

        Call it on a fresh copy of the Service for every attempt: values the user left
        empty are then chosen anew after a lost race.
        """
        spec = svc.setdefault("spec", {})
        plan = Plan()
        exhaustive = attempt >= 2
        svc_type = spec.get("type", "ClusterIP")
        if svc_type != "ExternalName":
            ip = spec.get("clusterIP") or ""
            if ip in ("", None):
                ip = await self._random_ip(exhaustive)
                spec["clusterIP"] = ip
                self._claim(plan, self.ip_key(ip), owner)
            elif ip != "None":
                self._check_ip(ip, "spec.clusterIP")
                self._claim(plan, self.ip_key(ip), owner, ("spec.clusterIP", ip))
            spec["clusterIPs"] = [spec["clusterIP"]]
        await self._plan_node_ports(spec, owner, plan, exhaustive, set())
        return plan

    async def _plan_node_ports(
        self, spec: dict[str, Any], owner: str, plan: Plan, exhaustive: bool, keep: set[int]
    ) -> None:
        if spec.get("type", "ClusterIP") not in NEEDS_NODE_PORT:
            return
        used: set[int] = set()
        for i, port in enumerate(spec.get("ports") or []):
            if not isinstance(port, dict):
                continue
            wanted = port.get("nodePort")
            if isinstance(wanted, int) and wanted:
                if wanted in used:
                    raise _invalid(f"spec.ports[{i}].nodePort", wanted, "duplicate nodePort")
                used.add(wanted)
                if wanted in keep:
                    continue
                self._check_port(wanted, f"spec.ports[{i}].nodePort")
                self._claim(
                    plan, self.port_key(wanted), owner, (f"spec.ports[{i}].nodePort", str(wanted))
                )
                continue
            chosen = await self._random_port(exhaustive, used | keep)
            used.add(chosen)
            port["nodePort"] = chosen
            self._claim(plan, self.port_key(chosen), owner)

    async def plan_update(
        self, old: dict[str, Any], new: dict[str, Any], owner: str, *, attempt: int
    ) -> Plan:
        """Allocate what `new` needs beyond `old` and release what it no longer uses."""
        plan = Plan()
        old_ports = node_ports_of(old)
        spec = new.setdefault("spec", {})
        if spec.get("type") in NEEDS_NODE_PORT:
            # nodePorts dropped from a port entry are re-allocated, not lost.
            await self._plan_node_ports(spec, owner, plan, attempt >= 2, old_ports)
        for port in old_ports - node_ports_of(new):
            plan.ops.append(op_delete(self.port_key(port)))
        old_ip, new_ip = cluster_ip_of(old), cluster_ip_of(new)
        if old_ip and old_ip != new_ip:
            plan.ops.append(op_delete(self.ip_key(old_ip)))
        if new_ip and new_ip != old_ip:
            self._check_ip(new_ip, "spec.clusterIP")
            self._claim(plan, self.ip_key(new_ip), owner, ("spec.clusterIP", new_ip))
        return plan

    def release_ops(self, svc: dict[str, Any]) -> list[Any]:
        ops = [op_delete(self.port_key(p)) for p in node_ports_of(svc)]
        ip = cluster_ip_of(svc)
        if ip:
            ops.append(op_delete(self.ip_key(ip)))
        return ops

    async def release_orphan_ip(self, ip: str, owner: str) -> bool:
        """Free `ip` when its key still names `owner`, whose Service the caller found gone
        (an object deleted straight from etcd leaves its allocation behind). The delete
        is guarded by the key's revision, so a claim made meanwhile is never freed."""
        key = self.ip_key(ip)
        kv, _ = await self.etcd.get(key)
        if kv is None or kv.value != owner.encode():
            return False
        result = await self.etcd.txn([cmp_mod_revision(key, kv.mod_revision)], [op_delete(key)])
        return bool(result.succeeded)

    def _claim(
        self, plan: Plan, key: bytes, owner: str, requested: tuple[str, str] | None = None
    ) -> None:
        plan.compare.append(cmp_absent(key))
        plan.ops.append(op_put(key, owner.encode()))
        if requested:
            plan.requested_keys.append((key, requested[0], requested[1]))

    async def explain_failure(self, plan: Plan) -> None:
        """After a failed transaction: raise 422 if a value the user asked for is taken."""
        for key, fld, value in plan.requested_keys:
            kv, _ = await self.etcd.get(key)
            if kv is not None:
                what = "IP" if "clusterIP" in fld else "port"
                raise _invalid(fld, value, f"provided {what} is already allocated")


def node_ports_of(svc: dict[str, Any]) -> set[int]:
    spec = svc.get("spec") or {}
    if spec.get("type") not in NEEDS_NODE_PORT:
        return set()
    return {
        p["nodePort"]
        for p in spec.get("ports") or []
        if isinstance(p, dict) and isinstance(p.get("nodePort"), int) and p["nodePort"]
    }


def cluster_ip_of(svc: dict[str, Any]) -> str:
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP")
    if spec.get("type") == "ExternalName" or ip in (None, "", "None"):
        return ""
    return str(ip)


def _invalid(fld: str, value: Any, detail: str) -> errors.Invalid:
    cause = errors.invalid(fld, value, detail)
    return errors.Invalid(f"Service is invalid: {cause.describe()}", kind="Service", causes=[cause])
