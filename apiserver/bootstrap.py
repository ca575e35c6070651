"""The objects the API server owns, kept in place (Kubernetes' bootstrap controller).

Every API server runs one `Bootstrap` loop that makes sure, again and again, that:

- the system namespaces (`default`, `kube-system`, `kube-public`, `kube-node-lease`) and
  the system PriorityClasses exist;
- its own Lease `kube-system/apiserver-<id>` (label
  `apiserver.kubernetes.io/identity=kube-apiserver`, annotations with the advertised
  address and port) is renewed every `renew_interval`;
- the Service `default/kubernetes` exists: ClusterIP = the first address of the service
  range, port `https` 443/TCP → the API server's port, no selector; a changed port, type or
  selector is put back (as kube's reconciler does; the ClusterIP is immutable);
- its Endpoints list the address and port of every API server whose Lease has not expired
  (expired Leases are deleted);
- one APIService per group-version it serves (`v1.`, `v1.apps`, ...), as kube-aggregator's
  autoregister controller keeps them: no `spec.service` (Local), Kubernetes' group and
  version priorities, label `kube-aggregator.kubernetes.io/automanaged=onstart`, and the
  condition `Available=True` (reason Local) that its availability controller gives every
  local one.

When: at start, on every watch-cache event that touches one of those objects (a namespace
deleted straight from etcd comes back within a moment), and every `check_interval`.

Several API servers may run against one etcd. Every write is create-if-absent
(AlreadyExists means someone else did it) or an update carrying the resourceVersion that
was read (409 means someone else wrote first: look again next round), and every server
computes the same Endpoints from the same Leases, so they never fight. A Service port
whose targetPort is the port of any live API server is left alone.

Concurrency: one asyncio task on the API server's event loop; the cache listeners only set
an `asyncio.Event`. Lease expiry is judged by the wall clock (`renewTime` +
`leaseDurationSeconds`), so API servers on different machines need synchronised clocks.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import ipaddress
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from minik8s.api import errors
from minik8s.api.kind import ResourceInfo
from minik8s.api.kinds.apiservice import API_SERVICE, AVAILABLE, name_of_group_version
from minik8s.api.kinds.endpoints import ENDPOINTS
from minik8s.api.kinds.lease import LEASE
from minik8s.api.kinds.namespace import NAMESPACE
from minik8s.api.kinds.priorityclass import PRIORITY_CLASS
from minik8s.api.kinds.service import SERVICE
from minik8s.api.resources import BUILTIN_CATALOG
from minik8s.api.times import epoch_seconds, rfc3339

from .admission import SYSTEM_NAMESPACES
from .allocator import ServiceAllocator
from .priority import SYSTEM_CLASSES
from .registry import DeleteOptions, Registry
from .storage.cacher import DELETED, CacheEvent
from .storage.etcd import EtcdError

log = logging.getLogger(__name__)

Obj = dict[str, Any]

SERVICE_NAME = "kubernetes"
SERVICE_NAMESPACE = "default"
LEASE_NAMESPACE = "kube-system"
IDENTITY_LABEL = "apiserver.kubernetes.io/identity"
IDENTITY_VALUE = "kube-apiserver"
ADDRESS_ANNOTATION = "apiserver.minik8s.io/advertise-address"
PORT_ANNOTATION = "apiserver.minik8s.io/port"
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$")
AUTOMANAGED_LABEL = "kube-aggregator.kubernetes.io/automanaged"
# (groupPriorityMinimum, versionPriority) of the group-versions served here, Kubernetes'
# values (kube-apiserver's table; metrics.k8s.io as metrics-server registers it).
API_SERVICE_PRIORITIES: dict[tuple[str, str], tuple[int, int]] = {
    ("", "v1"): (18000, 1),
    ("apps", "v1"): (17800, 15),
    ("autoscaling", "v2"): (17500, 30),
    ("batch", "v1"): (17400, 15),
    ("policy", "v1"): (17100, 15),
    ("rbac.authorization.k8s.io", "v1"): (17000, 15),
    ("scheduling.k8s.io", "v1"): (16600, 15),
    ("coordination.k8s.io", "v1"): (16500, 15),
    ("apiregistration.k8s.io", "v1"): (18000, 15),
    ("metrics.k8s.io", "v1beta1"): (100, 100),
}
_DEFAULT_PRIORITY = (1000, 15)


@dataclass(frozen=True)
class BootstrapConfig:
    service_ip: str  # the `kubernetes` Service's ClusterIP
    advertise_address: str  # where the other API servers' clients and pods reach this one
    port: int  # this API server's port: the Service's targetPort, the Endpoints' port
    hostname: str = ""
    lease_duration: int = 15
    renew_interval: float = 5.0
    check_interval: float = 10.0

    @property
    def lease_name(self) -> str:
        return lease_name(self.hostname, self.advertise_address, self.port)


# pure helpers -------------------------------------------------------------------------


def first_address(cidr: str) -> str:
    """The first host address of the service range: the `kubernetes` Service's IP."""
    network = ipaddress.ip_network(cidr, strict=False)
    return str(network.network_address + 1)


def lease_name(hostname: str, address: str, port: int) -> str:
    """Stable across restarts of one server, distinct for servers sharing a host."""
    digest = hashlib.sha256(f"{hostname}|{address}|{port}".encode()).hexdigest()
    return f"apiserver-{digest[:20]}"


def lease_expiry(lease: Obj) -> float:
    """When the Lease stops counting (epoch seconds); 0 when it cannot be read."""
    spec = lease.get("spec") or {}
    renewed = epoch_seconds(spec.get("renewTime"))
    duration = spec.get("leaseDurationSeconds")
    if renewed is None or not isinstance(duration, int):
        return 0.0
    return renewed + duration


def usable_address(address: str) -> bool:
    """Whether an Endpoints address may be this (Endpoints refuse loopback, unspecified,
    link-local and multicast addresses, as Kubernetes' do)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def lease_endpoint(lease: Obj) -> tuple[str, int] | None:
    """The (address, port) an API server's Lease advertises, or None if unusable."""
    notes = (lease.get("metadata") or {}).get("annotations") or {}
    address = str(notes.get(ADDRESS_ANNOTATION, ""))
    try:
        port = int(notes.get(PORT_ANNOTATION, ""))
    except ValueError:
        return None
    if not usable_address(address) or not 0 < port < 65536:
        return None
    return str(ipaddress.ip_address(address)), port


def live_endpoints(leases: Iterable[Obj], now: float) -> list[tuple[str, int]]:
    found = set()
    for lease in leases:
        endpoint = lease_endpoint(lease)
        if endpoint is not None and lease_expiry(lease) > now:
            found.add(endpoint)
    return sorted(found)


def endpoint_subsets(endpoints: Iterable[tuple[str, int]]) -> list[Obj]:
    """One subset per port (API servers on one machine may differ), addresses sorted."""
    by_port: dict[int, set[str]] = {}
    for address, port in endpoints:
        by_port.setdefault(port, set()).add(address)
    return [
        {
            "addresses": [{"ip": a} for a in sorted(addresses)],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        }
        for port, addresses in sorted(by_port.items())
    ]


def service_ports(target_port: int) -> list[Obj]:
    return [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": target_port}]


def desired_service(service_ip: str, target_port: int) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": SERVICE_NAME,
            "namespace": SERVICE_NAMESPACE,
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": service_ip,
            "ports": service_ports(target_port),
            "sessionAffinity": "None",
        },
    }


def repaired_service(svc: Obj, live_ports: set[int], own_port: int) -> Obj | None:
    """The Service with its ports, type and selector put back, or None when it is right.

    A targetPort that some live API server listens on is kept (servers need not agree on
    one port); anything else becomes this server's port.
    """
    spec = svc.get("spec") or {}
    ports = spec.get("ports") or []
    target = own_port
    if len(ports) == 1 and ports[0].get("targetPort") in live_ports:
        target = int(ports[0]["targetPort"])
    wanted = service_ports(target)
    current = [
        {
            "name": p.get("name"),
            "port": p.get("port"),
            "protocol": p.get("protocol") or "TCP",
            "targetPort": p.get("targetPort"),
        }
        for p in ports
        if isinstance(p, dict)
    ]
    if (
        current == wanted
        and len(ports) == 1
        and "nodePort" not in ports[0]
        and spec.get("type", "ClusterIP") == "ClusterIP"
        and not spec.get("selector")
    ):
        return None
    fixed = copy.deepcopy(svc)
    fixed_spec = fixed.setdefault("spec", {})
    fixed_spec["ports"] = wanted
    fixed_spec["type"] = "ClusterIP"
    fixed_spec.pop("selector", None)
    for key in ("externalTrafficPolicy", "healthCheckNodePort", "loadBalancerIP"):
        fixed_spec.pop(key, None)
    return fixed


def served_group_versions() -> list[tuple[str, str]]:
    return BUILTIN_CATALOG.group_versions()


def local_api_service(group: str, version: str) -> Obj:
    """The APIService of a group-version this server serves (kube-aggregator's autoregister)."""
    group_priority, version_priority = API_SERVICE_PRIORITIES.get(
        (group, version), _DEFAULT_PRIORITY
    )
    return {
        "apiVersion": API_SERVICE.api_version,
        "kind": API_SERVICE.kind,
        "metadata": {
            "name": name_of_group_version(group, version),
            "labels": {AUTOMANAGED_LABEL: "onstart"},
        },
        "spec": {
            "group": group,
            "version": version,
            "groupPriorityMinimum": group_priority,
            "versionPriority": version_priority,
        },
    }


def local_available(status: Obj, now: str) -> Obj | None:
    """The status of a local APIService with `Available=True` (Local), or None when it
    already says so."""
    conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
    wanted = (AVAILABLE, "True", "Local")
    if any((c.get("type"), c.get("status"), c.get("reason")) == wanted for c in conditions):
        return None
    kept = [c for c in conditions if c.get("type") != AVAILABLE]
    available = {
        "type": AVAILABLE,
        "status": "True",
        "lastTransitionTime": now,
        "reason": "Local",
        "message": "Local APIServices are always available",
    }
    return {**status, "conditions": [*kept, available]}


# the loop -----------------------------------------------------------------------------


class Bootstrap:
    """One API server's keeper of the objects it owns (see the module docstring)."""

    def __init__(
        self,
        registry: Registry,
        config: BootstrapConfig,
        *,
        allocator: ServiceAllocator | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.config = config
        self.allocator = allocator
        self.clock = clock
        self.wake = asyncio.Event()
        self.done_once = asyncio.Event()  # every object was in place at least once
        self._renewed_at = 0.0
        store = registry.storage.store
        self._watched: dict[bytes, bool] = {  # key -> only its deletion matters
            store.key(NAMESPACE, None, name): True for name in SYSTEM_NAMESPACES
        }
        for body in SYSTEM_CLASSES:
            self._watched[store.key(PRIORITY_CLASS, None, body["metadata"]["name"])] = True
        self._watched[store.key(SERVICE, SERVICE_NAMESPACE, SERVICE_NAME)] = False
        self._watched[store.key(ENDPOINTS, SERVICE_NAMESPACE, SERVICE_NAME)] = False
        for group, version in served_group_versions():
            name = name_of_group_version(group, version)
            self._watched[store.key(API_SERVICE, None, name)] = False
        self._lease_prefix = store.resource_prefix(LEASE, LEASE_NAMESPACE)

    # ---- wake-ups

    def listen(self) -> None:
        """Wake the loop on events of the watched objects (the caches call `_on_event`)."""
        for info in (NAMESPACE, PRIORITY_CLASS, SERVICE, ENDPOINTS, LEASE, API_SERVICE):
            cache = self.registry.storage.caches.get(info)
            if cache is not None:
                cache.listeners.append(self._on_event)

    def _on_event(self, ev: CacheEvent) -> None:
        only_deletion = self._watched.get(ev.key)
        if only_deletion is not None:
            if ev.type == DELETED or not only_deletion:
                self.wake.set()
        elif ev.key.startswith(self._lease_prefix) and ev.type != "MODIFIED":
            self.wake.set()  # an API server came or went

    async def run(self) -> None:
        self.listen()
        failures = 0
        while True:
            self.wake.clear()
            try:
                await self.reconcile()
                failures = 0
                self.done_once.set()
            except (EtcdError, errors.APIError) as e:
                failures += 1
                log.warning("keeping the API server's own objects: %s; retrying", e)
            wait = self.config.renew_interval
            if failures:
                wait = min(wait, 0.2 * 2 ** min(failures, 5))
            try:
                async with asyncio.timeout(wait):
                    await self.wake.wait()
            except TimeoutError:
                pass

    async def reconcile(self) -> None:
        """One pass over everything the server owns; raises when a step failed."""
        failed: Exception | None = None
        steps = (
            self._namespaces,
            self._priority_classes,
            self._lease,
            self._service,
            self._api_services,
        )
        for step in steps:
            try:
                await step()
            except (EtcdError, errors.APIError) as e:
                failed = failed or e
        if failed is not None:
            raise failed

    async def shutdown(self) -> None:
        """Leave the Endpoints: delete our Lease and rebuild them without us."""
        name = self.config.lease_name
        try:
            await self.registry.delete(LEASE, LEASE_NAMESPACE, name, DeleteOptions())
        except errors.NotFound:
            pass
        await self._endpoints(await self._live(exclude=name))

    # ---- the steps

    async def _create_absent(self, info: ResourceInfo, namespace: str | None, body: Obj) -> bool:
        """Create `body` unless it exists; True when this call created it."""
        name = body["metadata"]["name"]
        try:
            await self.registry.get(info, namespace, name, "0")
            return False
        except errors.NotFound:
            pass
        try:
            await self.registry.create(info, namespace, body)
        except errors.AlreadyExists:
            return False
        log.info("created %s %s", info.singular, f"{namespace}/{name}" if namespace else name)
        return True

    async def _namespaces(self) -> None:
        for name in SYSTEM_NAMESPACES:
            await self._create_absent(NAMESPACE, None, {"metadata": {"name": name}})

    async def _priority_classes(self) -> None:
        for body in SYSTEM_CLASSES:
            await self._create_absent(PRIORITY_CLASS, None, body)

    async def _api_services(self) -> None:
        """Every served group-version has its local APIService, shown Available."""
        for group, version in served_group_versions():
            body = local_api_service(group, version)
            name = body["metadata"]["name"]
            await self._create_absent(API_SERVICE, None, body)
            current = await self.registry.get(API_SERVICE, None, name, "0")
            if (current.get("spec") or {}).get("service") is not None:
                continue  # someone moved it to a server of their own: not ours to judge
            status = local_available(current.get("status") or {}, rfc3339(self.clock()))
            if status is None:
                continue
            updated = {**copy.deepcopy(current), "status": status}
            try:
                await self.registry.update(API_SERVICE, None, name, updated, subresource="status")
            except (errors.Conflict, errors.NotFound):
                self.wake.set()  # changed meanwhile: look again

    async def _lease(self) -> None:
        now = self.clock()
        if now - self._renewed_at < self.config.renew_interval:
            return
        cfg = self.config
        name = cfg.lease_name
        annotations = {ADDRESS_ANNOTATION: cfg.advertise_address, PORT_ANNOTATION: str(cfg.port)}
        labels = {IDENTITY_LABEL: IDENTITY_VALUE}
        if _LABEL_VALUE.match(cfg.hostname):
            labels["kubernetes.io/hostname"] = cfg.hostname
        spec = {
            "holderIdentity": name,
            "leaseDurationSeconds": cfg.lease_duration,
            "renewTime": rfc3339(now, micro=True),
        }
        try:
            lease = await self.registry.get(LEASE, LEASE_NAMESPACE, name)
        except errors.NotFound:
            body = {
                "metadata": {"name": name, "labels": labels, "annotations": annotations},
                "spec": {**spec, "acquireTime": rfc3339(now, micro=True)},
            }
            try:
                await self.registry.create(LEASE, LEASE_NAMESPACE, body)
            except errors.AlreadyExists:
                return  # renewed next round
        else:
            lease = copy.deepcopy(lease)
            meta = lease["metadata"]
            meta["labels"] = {**(meta.get("labels") or {}), **labels}
            meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
            lease["spec"] = {**(lease.get("spec") or {}), **spec}
            await self.registry.update(LEASE, LEASE_NAMESPACE, name, lease)
        self._renewed_at = now

    async def _live(self, exclude: str = "") -> list[tuple[str, int]]:
        """The API servers with unexpired Leases; expired Leases are deleted."""
        listed = await self.registry.storage.list(
            LEASE,
            LEASE_NAMESPACE,
            lambda o: (
                ((o.get("metadata") or {}).get("labels") or {}).get(IDENTITY_LABEL)
                == IDENTITY_VALUE
            ),
        )
        now = self.clock()
        live = []
        for lease in listed.items:
            meta = lease["metadata"]
            if meta["name"] == exclude:
                continue
            if lease_expiry(lease) > now:
                live.append(lease)
                continue
            opts = DeleteOptions(precondition_rv=meta["resourceVersion"])
            try:
                await self.registry.delete(LEASE, LEASE_NAMESPACE, meta["name"], opts)
                log.info("deleted the expired lease of API server %s", meta["name"])
            except (errors.NotFound, errors.Conflict):
                pass
        return live_endpoints(live, now)

    async def _service(self) -> None:
        cfg = self.config
        live = await self._live()
        me = (cfg.advertise_address, cfg.port)
        if usable_address(cfg.advertise_address) and me not in live:
            live.append(me)  # our renewal may have failed
        await self._endpoints(live)
        try:
            created = await self._create_absent(
                SERVICE, SERVICE_NAMESPACE, desired_service(cfg.service_ip, cfg.port)
            )
        except errors.Invalid:
            # The address may be held by a `kubernetes` Service deleted straight from etcd.
            owner = f"{SERVICE_NAMESPACE}/{SERVICE_NAME}"
            if self.allocator is None or not await self.allocator.release_orphan_ip(
                cfg.service_ip, owner
            ):
                raise
            log.info("freed %s, left behind by a deleted %s Service", cfg.service_ip, owner)
            created = await self._create_absent(
                SERVICE, SERVICE_NAMESPACE, desired_service(cfg.service_ip, cfg.port)
            )
        if created:
            return
        current = await self.registry.get(SERVICE, SERVICE_NAMESPACE, SERVICE_NAME)
        fixed = repaired_service(current, {port for _, port in live}, cfg.port)
        if fixed is None:
            return
        try:
            await self.registry.update(SERVICE, SERVICE_NAMESPACE, SERVICE_NAME, fixed)
            log.info("repaired service default/kubernetes")
        except errors.Conflict:
            self.wake.set()  # changed meanwhile: look again

    async def _endpoints(self, live: list[tuple[str, int]]) -> None:
        subsets = endpoint_subsets(live)
        try:
            current = await self.registry.get(ENDPOINTS, SERVICE_NAMESPACE, SERVICE_NAME)
        except errors.NotFound:
            body = {
                "metadata": {
                    "name": SERVICE_NAME,
                    "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
                },
                "subsets": subsets,
            }
            try:
                await self.registry.create(ENDPOINTS, SERVICE_NAMESPACE, body)
            except errors.AlreadyExists:
                self.wake.set()
            return
        if current.get("subsets") == subsets:
            return
        updated = {**copy.deepcopy(current), "subsets": subsets}
        try:
            await self.registry.update(ENDPOINTS, SERVICE_NAMESPACE, SERVICE_NAME, updated)
        except errors.Conflict:
            self.wake.set()
