"""The cluster's DNS records, computed from Services, Endpoints and Pods (pure, no I/O).

Kubernetes' DNS specification (schema 1.1.0) for the zone `cluster.local` (`--cluster-domain`):

    <svc>.<ns>.svc.<zone>               A/AAAA: the ClusterIPs; headless: every ready endpoint;
                                        ExternalName: CNAME to spec.externalName
    _<port>._<proto>.<svc>.<ns>.svc.<zone>
                                        SRV per named port: the Service itself (ClusterIP), or
                                        one per ready endpoint (headless), weights sharing 100
    <host>.<svc>.<ns>.svc.<zone>        headless: A/AAAA of the endpoint whose hostname it is
                                        (StatefulSet pods, pods with hostname + subdomain), or
                                        of the endpoint whose address is <host> dashed (10-1-2-3)
    <a-b-c-d>.<ns>.pod.<zone>           A of a pod of that namespace with that IP
    dns-version.<zone>                  TXT "1.1.0"
    <reversed ip>.in-addr.arpa/ip6.arpa PTR of every ClusterIP and headless endpoint

A headless Service with no ready endpoint has no name (NXDOMAIN). Names between the zone
and an existing name (`<ns>.svc.<zone>`) exist without records (NOERROR, no data).

`Zone` keeps the records of each Service separately (`set_service`, `remove_service`), so a
change costs the records of one Service, and bumps `generation` so that answer caches built
on it are dropped. `lookup()` answers one question from memory. Not thread-safe: the DNS
server calls everything from its one event loop.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
ServiceKey = tuple[str, str]  # (namespace, name)

SCHEMA_VERSION = "1.1.0"

# RR types this module answers (numbers as on the wire)
A, NS, CNAME, SOA, PTR, TXT, AAAA, SRV, ANY = 1, 2, 5, 6, 12, 16, 28, 33, 255

NOERROR, NXDOMAIN = 0, 3


@dataclass(frozen=True)
class Srv:
    priority: int
    weight: int
    port: int
    target: str


@dataclass
class Node:
    """The records of one name."""

    a: list[str] = field(default_factory=list)
    aaaa: list[str] = field(default_factory=list)
    cname: str | None = None
    srv: list[Srv] = field(default_factory=list)
    txt: list[str] = field(default_factory=list)

    def add_ip(self, ip: str) -> None:
        target = self.aaaa if ":" in ip else self.a
        if ip not in target:
            target.append(ip)


@dataclass(frozen=True)
class Record:
    """One answer record: owner name (no trailing dot), type, TTL and data.

    data: an address (A/AAAA), a name (CNAME/PTR), a `Srv`, a text (TXT) or the SOA tuple
    (mname, rname, serial, refresh, retry, expire, minimum)."""

    name: str
    rtype: int
    ttl: int
    data: Any


@dataclass
class Answer:
    rcode: int
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)
    authoritative: bool = True


def normalize(name: str) -> str:
    return name.rstrip(".").lower()


def dashed(ip: str) -> str:
    """10.1.2.3 → 10-1-2-3; fd00::1 → fd00--1 (the pod and endpoint name of an address)."""
    return ip.replace(".", "-").replace(":", "-")


def reverse_name(ip: str) -> str:
    """The in-addr.arpa / ip6.arpa name of an address (no trailing dot)."""
    return ipaddress.ip_address(ip).reverse_pointer


def undashed(label: str) -> str | None:
    """The address a pod label names (10-1-2-3, fd00--1), None when it names none."""
    for candidate in (label.replace("-", "."), label.replace("-", ":")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def _ips(values: Iterable[Any]) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_address(str(value))))
        except ValueError:
            continue
    return out


def _weights(n: int) -> int:
    return max(1, 100 // n) if n else 100


@dataclass
class ServiceRecords:
    """What one Service contributes: names with their records, and PTRs (ip → target)."""

    names: dict[str, Node] = field(default_factory=dict)
    ptrs: list[tuple[str, str]] = field(default_factory=list)


def service_records(service: Obj, endpoints: Obj | None, zone: str) -> ServiceRecords:
    """The records of one Service given its Endpoints (pure)."""
    meta = service.get("metadata") or {}
    spec = service.get("spec") or {}
    base = f"{meta.get('name', '')}.{meta.get('namespace', 'default')}.svc.{zone}".lower()
    out = ServiceRecords()
    kind = spec.get("type") or "ClusterIP"
    if kind == "ExternalName":
        target = normalize(str(spec.get("externalName") or ""))
        if target:
            out.names[base] = Node(cname=target)
        return out
    cluster_ips = _ips(spec.get("clusterIPs") or [spec.get("clusterIP")])
    if cluster_ips:  # a ClusterIP (or NodePort/LoadBalancer) Service
        node = out.names.setdefault(base, Node())
        for ip in cluster_ips:
            node.add_ip(ip)
            out.ptrs.append((ip, base))
        named = [p for p in spec.get("ports") or [] if p.get("name")]
        for port in named:
            srv_name = f"_{port['name']}._{(port.get('protocol') or 'TCP').lower()}.{base}"
            srv = Srv(0, 100, int(port.get("port") or 0), base)
            out.names.setdefault(srv_name, Node()).srv.append(srv)
        return out
    if str(spec.get("clusterIP") or "") != "None":
        return out  # no address allocated yet: no name
    # headless: the ready endpoints (and the not-ready ones if the Service publishes them)
    publish_all = bool(spec.get("publishNotReadyAddresses"))
    endpoints_by_port: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for subset in (endpoints or {}).get("subsets") or []:
        addresses = list(subset.get("addresses") or [])
        if publish_all:
            addresses += subset.get("notReadyAddresses") or []
        for address in addresses:
            ips = _ips([address.get("ip")])
            if not ips:
                continue
            ip = ips[0]
            host = str(address.get("hostname") or "") or dashed(ip)
            host_name = f"{host}.{base}".lower()
            out.names.setdefault(base, Node()).add_ip(ip)
            out.names.setdefault(host_name, Node()).add_ip(ip)
            out.ptrs.append((ip, host_name))
            for port in subset.get("ports") or []:
                if port.get("name"):
                    key = (str(port["name"]), (port.get("protocol") or "TCP").lower())
                    endpoints_by_port.setdefault(key, []).append((host_name, int(port["port"])))
    for (name, proto), targets in endpoints_by_port.items():
        weight = _weights(len(targets))
        node = out.names.setdefault(f"_{name}._{proto}.{base}", Node())
        node.srv.extend(Srv(0, weight, port, target) for target, port in targets)
    return out


class Zone:
    """The records of the whole cluster (see the module docstring)."""

    def __init__(self, domain: str = "cluster.local", ttl: int = 5, pods: str = "verified") -> None:
        self.domain = normalize(domain)
        self.ttl = ttl
        self.pod_mode = pods  # verified | insecure | disabled
        self.generation = 0
        self._services: dict[ServiceKey, ServiceRecords] = {}
        self._names: dict[str, Node] = {}
        self._ents: Counter[str] = Counter()  # names that only lead to other names
        self._ptr: dict[str, dict[ServiceKey, list[str]]] = {}
        self._pod_ips: Counter[tuple[str, str]] = Counter()  # (namespace, ip) → pods
        self._namespaces: Counter[str] = Counter()
        self._soa = (
            f"ns.dns.{self.domain}",
            f"hostmaster.{self.domain}",
            1,
            7200,
            1800,
            86400,
            ttl,
        )
        self._ents_for(f"dns-version.{self.domain}", +1)

    # ---- state changes

    def set_service(self, service: Obj, endpoints: Obj | None) -> bool:
        """(Re)compute one Service's records; True when they changed."""
        meta = service.get("metadata") or {}
        key = (str(meta.get("namespace") or "default"), str(meta.get("name") or ""))
        new = service_records(service, endpoints, self.domain)
        old = self._services.get(key)
        if old is not None and old.names == new.names and old.ptrs == new.ptrs:
            return False
        self._drop(key)
        self._services[key] = new
        for name, node in new.names.items():
            self._names[name] = node
            self._ents_for(name, +1)
        for ip, target in new.ptrs:
            self._ptr.setdefault(reverse_name(ip), {}).setdefault(key, []).append(target)
        self.generation += 1
        return True

    def remove_service(self, namespace: str, name: str) -> bool:
        if (namespace, name) not in self._services:
            return False
        self._drop((namespace, name))
        self.generation += 1
        return True

    def _drop(self, key: ServiceKey) -> None:
        old = self._services.pop(key, None)
        if old is None:
            return
        for name in old.names:
            self._names.pop(name, None)
            self._ents_for(name, -1)
        for ip, _ in old.ptrs:
            rname = reverse_name(ip)
            owners = self._ptr.get(rname)
            if owners is not None:
                owners.pop(key, None)
                if not owners:
                    del self._ptr[rname]

    def _ents_for(self, name: str, delta: int) -> None:
        """Count `name`'s ancestors below the zone (they exist as empty non-terminals)."""
        suffix = "." + self.domain
        labels = name[: -len(suffix)].split(".") if name.endswith(suffix) else []
        for i in range(1, len(labels)):
            ancestor = ".".join(labels[i:]) + suffix
            self._ents[ancestor] += delta
            if self._ents[ancestor] <= 0:
                del self._ents[ancestor]

    def add_pod_ip(self, namespace: str, ip: str) -> None:
        self._pod_ips[(namespace, ip)] += 1
        self._namespaces[namespace] += 1
        self.generation += 1

    def remove_pod_ip(self, namespace: str, ip: str) -> None:
        _decrement(self._pod_ips, (namespace, ip))
        _decrement(self._namespaces, namespace)
        self.generation += 1

    def service_count(self) -> int:
        return len(self._services)

    # ---- answers

    def in_zone(self, name: str) -> bool:
        return name == self.domain or name.endswith("." + self.domain)

    def has_ptr(self, name: str) -> bool:
        return name in self._ptr

    def names(self) -> Iterator[str]:
        return iter(self._names)

    def soa(self) -> Record:
        return Record(self.domain, SOA, self.ttl, self._soa)

    def lookup(self, qname: str, qtype: int) -> Answer:
        """The answer to one question about a name in the zone or a known PTR (normalised)."""
        name = normalize(qname)
        if name in self._ptr:
            if qtype in (PTR, ANY):
                targets = sorted({t for ts in self._ptr[name].values() for t in ts})
                return Answer(NOERROR, [Record(name, PTR, self.ttl, t) for t in targets])
            return self._nodata()
        if name == self.domain:
            if qtype == SOA:
                return Answer(NOERROR, [self.soa()])
            if qtype == NS:
                return Answer(NOERROR, [Record(name, NS, self.ttl, self._soa[0])])
            return self._nodata()
        if name == f"dns-version.{self.domain}":
            if qtype == TXT:
                return Answer(NOERROR, [Record(name, TXT, self.ttl, SCHEMA_VERSION)])
            return self._nodata()
        node = self._names.get(name) or self._pod_node(name)
        if node is None:
            if name in self._ents or self._is_namespace_name(name):
                return self._nodata()
            return Answer(NXDOMAIN, authority=[self.soa()])
        return self._from_node(name, node, qtype, depth=0)

    def _from_node(self, name: str, node: Node, qtype: int, depth: int) -> Answer:
        ttl = self.ttl
        if node.cname is not None:
            answer = Answer(NOERROR, [Record(name, CNAME, ttl, node.cname)])
            if qtype == CNAME:
                return answer
            target = self._names.get(node.cname)
            if target is not None and depth < 8:  # follow in-zone aliases
                chased = self._from_node(node.cname, target, qtype, depth + 1)
                answer.answers += chased.answers
            return answer
        records: list[Record] = []
        if qtype in (A, ANY):
            records += [Record(name, A, ttl, ip) for ip in node.a]
        if qtype in (AAAA, ANY):
            records += [Record(name, AAAA, ttl, ip) for ip in node.aaaa]
        if qtype in (SRV, ANY):
            records += [Record(name, SRV, ttl, s) for s in node.srv]
        if qtype in (TXT, ANY):
            records += [Record(name, TXT, ttl, t) for t in node.txt]
        if not records:
            return self._nodata()
        answer = Answer(NOERROR, records)
        if qtype == SRV:  # the targets' addresses, saving a round trip
            for srv in node.srv:
                target = self._names.get(srv.target)
                if target is not None:
                    answer.additional += [Record(srv.target, A, ttl, ip) for ip in target.a]
                    answer.additional += [Record(srv.target, AAAA, ttl, ip) for ip in target.aaaa]
        return answer

    def _nodata(self) -> Answer:
        return Answer(NOERROR, authority=[self.soa()])

    def _pod_node(self, name: str) -> Node | None:
        """`a-b-c-d.<ns>.pod.<zone>` (verified: a pod of <ns> has that IP)."""
        if self.pod_mode == "disabled":
            return None
        suffix = f".pod.{self.domain}"
        if not name.endswith(suffix):
            return None
        labels = name[: -len(suffix)].split(".")
        if len(labels) != 2:
            return None
        ip = undashed(labels[0])
        if ip is None:
            return None
        if self.pod_mode == "verified" and (labels[1], ip) not in self._pod_ips:
            return None
        node = Node()
        node.add_ip(ip)
        return node

    def _is_namespace_name(self, name: str) -> bool:
        """`<ns>.pod.<zone>` of a namespace with pods, and `pod.<zone>` / `svc.<zone>`."""
        if name in (f"pod.{self.domain}", f"svc.{self.domain}"):
            return True
        suffix = f".pod.{self.domain}"
        return name.endswith(suffix) and name[: -len(suffix)] in self._namespaces


def _decrement(counter: Counter[Any], key: Any) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
