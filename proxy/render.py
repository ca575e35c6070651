"""The pure half of the proxier: API objects in, `iptables-restore` text out.

`render(services, endpoints, nodes, config)` answers `(nat_text, filter_text)`: every chain
the agent owns, declared (which, under `iptables-restore --noflush`, flushes it) and filled.
Nothing here reads the machine, so the rule set is tested with golden files.

    nat  PREROUTING/OUTPUT ─► KUBE-SERVICES ─┬─ clusterIP:port ─► KUBE-SVC-<h> ─► KUBE-SEP-<h>
                                             │                                    (DNAT)
                                             └─ dst LOCAL ─► KUBE-NODEPORTS ─► KUBE-EXT-<h>
                                                  KUBE-EXT-<h>: mark for masquerade, then
                                                  KUBE-SVC-<h> (Cluster) or KUBE-SVL-<h> (Local)
         POSTROUTING ─► KUBE-POSTROUTING: masquerade marked packets; pod→pod keeps its
                        source (ACCEPT stops later masquerade rules, e.g. Docker's); pod→outside
                        is masqueraded
    filter OUTPUT/FORWARD (new) ─► KUBE-SERVICES: REJECT services without endpoints and
                                   unknown addresses of the service CIDR
           INPUT/FORWARD (new) ─► KUBE-EXTERNAL-SERVICES: REJECT/DROP node ports without
                                   (local) endpoints
           FORWARD ─► KUBE-FORWARD: accept marked and cluster-CIDR traffic

Chain names are a fixed prefix plus 16 characters of a base32 SHA-256 of what the chain
stands for: stable across restarts and machines, 25 characters (iptables allows 28).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Obj = dict[str, Any]

MASQ_MARK = "0x4000/0x4000"
OWN_PREFIXES = ("KUBE-",)  # every chain the agent ever made starts with this

# Jump rules from the built-in chains, ensured once (iptables -C / -I), never rewritten;
# in the order they end up in each chain, ahead of other programs' rules.
# (table, built-in chain, rule spec without -A/-I)
JUMPS: tuple[tuple[str, str, list[str]], ...] = (
    (
        "nat",
        "PREROUTING",
        ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"],
    ),
    (
        "nat",
        "OUTPUT",
        ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"],
    ),
    (
        "nat",
        "POSTROUTING",
        ["-m", "comment", "--comment", "kubernetes postrouting rules", "-j", "KUBE-POSTROUTING"],
    ),
    (
        "filter",
        "INPUT",
        [
            "-m",
            "conntrack",
            "--ctstate",
            "NEW",
            "-m",
            "comment",
            "--comment",
            "kubernetes externally-visible service portals",
            "-j",
            "KUBE-EXTERNAL-SERVICES",
        ],
    ),
    # FORWARD: rejections first, then KUBE-FORWARD's accepts
    (
        "filter",
        "FORWARD",
        [
            "-m",
            "conntrack",
            "--ctstate",
            "NEW",
            "-m",
            "comment",
            "--comment",
            "kubernetes service portals",
            "-j",
            "KUBE-SERVICES",
        ],
    ),
    (
        "filter",
        "FORWARD",
        [
            "-m",
            "conntrack",
            "--ctstate",
            "NEW",
            "-m",
            "comment",
            "--comment",
            "kubernetes externally-visible service portals",
            "-j",
            "KUBE-EXTERNAL-SERVICES",
        ],
    ),
    (
        "filter",
        "FORWARD",
        ["-m", "comment", "--comment", "kubernetes forwarding rules", "-j", "KUBE-FORWARD"],
    ),
    (
        "filter",
        "OUTPUT",
        [
            "-m",
            "conntrack",
            "--ctstate",
            "NEW",
            "-m",
            "comment",
            "--comment",
            "kubernetes service portals",
            "-j",
            "KUBE-SERVICES",
        ],
    ),
)

NAT_BASE = ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ")
FILTER_BASE = ("KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD")


@dataclass(frozen=True)
class ProxyConfig:
    """What the renderer needs to know about this machine."""

    node_name: str
    cluster_cidr: str = ""  # pod addresses of the whole cluster ("" = unknown)
    service_cidr: str = ""  # "" = do not reject unknown service addresses
    masquerade_all: bool = False


class Endpoint(NamedTuple):
    ip: str
    port: int
    node_name: str = ""

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class ServicePort:
    """One port of one Service: the unit kube-proxy renders."""

    namespace: str
    name: str
    port_name: str
    protocol: str
    cluster_ip: str
    port: int
    node_port: int = 0
    local_only: bool = False  # externalTrafficPolicy: Local
    affinity_seconds: int = 0  # sessionAffinity ClientIP timeout; 0 = none
    endpoints: tuple[Endpoint, ...] = field(default=())

    @property
    def display(self) -> str:
        base = f"{self.namespace}/{self.name}"
        return f"{base}:{self.port_name}" if self.port_name else base

    @property
    def proto(self) -> str:
        return self.protocol.lower()


@functools.lru_cache(maxsize=1 << 18)  # the next sync renders mostly the same chains
def chain_name(prefix: str, *parts: str) -> str:
    """`prefix` + 16 base32 characters of SHA-256 over the parts (kube-proxy's scheme)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return prefix + base64.b32encode(digest[:10]).decode()  # 10 bytes = 16 characters


def svc_chain(sp: ServicePort) -> str:
    return chain_name("KUBE-SVC-", sp.display, sp.protocol)


def svl_chain(sp: ServicePort) -> str:
    return chain_name("KUBE-SVL-", sp.display, sp.protocol)


def ext_chain(sp: ServicePort) -> str:
    return chain_name("KUBE-EXT-", sp.display, sp.protocol)


def sep_chain(sp: ServicePort, ep: Endpoint) -> str:
    return chain_name("KUBE-SEP-", sp.display, sp.protocol, ep.address)


# ---- from API objects to service ports


def service_ports(services: Iterable[Obj], endpoints: Iterable[Obj]) -> list[ServicePort]:
    """Every proxied (service, port) with its ready endpoints, sorted by name."""
    by_key: dict[tuple[str, str], Obj] = {}
    for ep in endpoints:
        meta = ep.get("metadata") or {}
        by_key[(meta.get("namespace", ""), meta.get("name", ""))] = ep
    result = []
    for svc in services:
        meta = svc.get("metadata") or {}
        spec = svc.get("spec") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        cluster_ip = spec.get("clusterIP") or ""
        if spec.get("type") == "ExternalName" or cluster_ip in ("", "None"):
            continue
        node_ports = spec.get("type") in ("NodePort", "LoadBalancer")
        local = node_ports and spec.get("externalTrafficPolicy") == "Local"
        affinity = 0
        if spec.get("sessionAffinity") == "ClientIP":
            cfg = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
            affinity = int(cfg.get("timeoutSeconds") or 10800)
        ep_obj = by_key.get((ns, name)) or {}
        for port in spec.get("ports") or []:
            port_name = port.get("name") or ""
            protocol = (port.get("protocol") or "TCP").upper()
            eps = _endpoints_for(ep_obj, port_name, protocol)
            result.append(
                ServicePort(
                    namespace=ns,
                    name=name,
                    port_name=port_name,
                    protocol=protocol,
                    cluster_ip=cluster_ip,
                    port=int(port["port"]),
                    node_port=int(port.get("nodePort") or 0) if node_ports else 0,
                    local_only=local,
                    affinity_seconds=affinity,
                    endpoints=eps,
                )
            )
    result.sort(key=lambda sp: (sp.namespace, sp.name, sp.port_name, sp.protocol))
    return result


def _endpoints_for(ep_obj: Obj, port_name: str, protocol: str) -> tuple[Endpoint, ...]:
    found: set[Endpoint] = set()
    for subset in ep_obj.get("subsets") or []:
        ports = subset.get("ports") or []
        match = [
            p
            for p in ports
            if (p.get("name") or "") == port_name
            and (p.get("protocol") or "TCP").upper() == protocol
        ]
        if not match and len(ports) == 1 and not port_name:
            match = ports
        for p in match:
            for addr in subset.get("addresses") or []:
                if addr.get("ip"):
                    found.add(Endpoint(addr["ip"], int(p["port"]), addr.get("nodeName") or ""))
    return tuple(sorted(found, key=lambda e: (_ip_key(e.ip), e.port)))


def _ip_key(ip: str) -> tuple[int, bytes]:
    try:
        return (0, socket.inet_aton(ip))
    except OSError:
        try:
            return (1, socket.inet_pton(socket.AF_INET6, ip))
        except OSError:
            return (2, ip.encode())


def node_addresses(node: Obj) -> list[str]:
    """The InternalIPs of a Node (then ExternalIPs), in order."""
    addrs = (node.get("status") or {}).get("addresses") or []
    internal = [a["address"] for a in addrs if a.get("type") == "InternalIP" and a.get("address")]
    external = [a["address"] for a in addrs if a.get("type") == "ExternalIP" and a.get("address")]
    return internal + external


# ---- rendering


def render(
    services: Iterable[Obj], endpoints: Iterable[Obj], nodes: Iterable[Obj], config: ProxyConfig
) -> tuple[str, str]:
    """The full nat and filter rule sets (see module doc). Node ports match every local
    address (`--dst-type LOCAL`), so `nodes` only matters to the routes, not to the rules;
    it is taken so one snapshot of the three caches feeds one render."""
    del nodes
    return render_ports(service_ports(services, endpoints), config)


@functools.lru_cache(maxsize=1 << 16)  # a periodic sync renders mostly unchanged ports
def _render_port(
    sp: ServicePort, cluster: str, masquerade_all: bool, node_name: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The chains, nat rules and filter rules of one service port (pure, so cached: an
    unchanged port, endpoints included, is not rendered again)."""
    nat_chains: list[str] = []
    nat: list[str] = []
    flt: list[str] = []
    comment = f'-m comment --comment "{sp.display}'
    match = f"-p {sp.proto} -m {sp.proto}"
    svc = svc_chain(sp)
    if not sp.endpoints:
        flt.append(
            f"-A KUBE-SERVICES -d {sp.cluster_ip}/32 {match} --dport {sp.port} "
            f'{comment} has no endpoints" -j REJECT --reject-with icmp-port-unreachable'
        )
        if sp.node_port:
            flt.append(
                f"-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL {match} "
                f'--dport {sp.node_port} {comment} has no endpoints" '
                "-j REJECT --reject-with icmp-port-unreachable"
            )
        return (), (), tuple(flt)
    nat_chains.append(svc)
    nat.append(
        f"-A KUBE-SERVICES -d {sp.cluster_ip}/32 {match} --dport {sp.port} "
        f'{comment} cluster IP" -j {svc}'
    )
    if masquerade_all:
        nat.append(
            f"-A {svc} -d {sp.cluster_ip}/32 {match} --dport {sp.port} "
            f'{comment} cluster IP" -j KUBE-MARK-MASQ'
        )
    elif cluster:
        nat.append(
            f"-A {svc} ! -s {cluster} -d {sp.cluster_ip}/32 {match} --dport {sp.port} "
            f'{comment} cluster IP" -j KUBE-MARK-MASQ'
        )
    seps = [(ep, sep_chain(sp, ep)) for ep in sp.endpoints]
    _spread(nat, svc, sp, seps)
    for ep, sep in seps:
        nat_chains.append(sep)
        nat.append(f'-A {sep} -s {ep.ip}/32 {comment}" -j KUBE-MARK-MASQ')
        recent = (
            f"-m recent --name {sep} --set --mask 255.255.255.255 --rsource "
            if sp.affinity_seconds
            else ""
        )
        nat.append(f'-A {sep} {comment}" {recent}{match} -j DNAT --to-destination {ep.address}')
    if sp.node_port:
        ext = ext_chain(sp)
        nat_chains.append(ext)
        nat.append(f'-A KUBE-NODEPORTS {match} --dport {sp.node_port} {comment}" -j {ext}')
        if sp.local_only:
            local = [(ep, sep) for ep, sep in seps if ep.node_name == node_name]
            if local:
                svl = svl_chain(sp)
                nat_chains.append(svl)
                # the client address is kept: no masquerade mark
                nat.append(f'-A {ext} {comment} local endpoints" -j {svl}')
                _spread(nat, svl, sp, local)
            else:
                flt.append(
                    f"-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL {match} "
                    f'--dport {sp.node_port} {comment} has no local endpoints" -j DROP'
                )
        else:
            nat.append(f'-A {ext} {comment} external destinations" -j KUBE-MARK-MASQ')
            nat.append(f"-A {ext} -j {svc}")
    return tuple(nat_chains), tuple(nat), tuple(flt)


def render_ports(ports: list[ServicePort], config: ProxyConfig) -> tuple[str, str]:
    nat_chains: list[str] = list(NAT_BASE)
    nat: list[str] = []
    flt: list[str] = []
    cluster = config.cluster_cidr

    # masquerade: marked packets; pod-to-pod keeps its source; pod-to-outside is hidden
    nat.append(f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQ_MARK.split('/')[0]}")
    nat.append(
        f"-A KUBE-POSTROUTING -m mark --mark {MASQ_MARK} -m comment --comment "
        '"kubernetes service traffic requiring SNAT" -j MASQUERADE'
    )
    if cluster:
        nat.append(
            f"-A KUBE-POSTROUTING -s {cluster} -d {cluster} -m comment --comment "
            '"pod to pod keeps its address" -j ACCEPT'
        )
        nat.append(
            f"-A KUBE-POSTROUTING -s {cluster} ! -d {cluster} -m comment --comment "
            '"pod leaving the cluster network" -j MASQUERADE'
        )
    flt.append(
        f"-A KUBE-FORWARD -m mark --mark {MASQ_MARK} -m comment --comment "
        '"kubernetes forwarding rules" -j ACCEPT'
    )
    flt.append(
        "-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "
        '"kubernetes forwarding conntrack rule" -j ACCEPT'
    )
    if cluster:
        flt.append(f'-A KUBE-FORWARD -s {cluster} -m comment --comment "pod traffic" -j ACCEPT')
        flt.append(f'-A KUBE-FORWARD -d {cluster} -m comment --comment "pod traffic" -j ACCEPT')

    for sp in ports:
        chains, nat_rules, flt_rules = _render_port(
            sp, cluster, config.masquerade_all, config.node_name
        )
        nat_chains.extend(chains)
        nat.extend(nat_rules)
        flt.extend(flt_rules)

    nat.append(
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" '
        "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
    )
    if config.service_cidr:
        flt.append(
            f"-A KUBE-SERVICES -d {config.service_cidr} -m comment --comment "
            '"unknown service address" -j REJECT --reject-with icmp-net-unreachable'
        )
    nat_text = _table("nat", nat_chains, nat)
    filter_text = _table("filter", list(FILTER_BASE), flt)
    return nat_text, filter_text


def _spread(out: list[str], chain: str, sp: ServicePort, seps: list[tuple[Endpoint, str]]) -> None:
    """Affinity checks first, then an even random spread: endpoint i of n is taken with
    probability 1/(n-i), so each ends up with 1/n."""
    comment = f'-m comment --comment "{sp.display}'
    if sp.affinity_seconds:
        for _ep, sep in seps:
            out.append(
                f'-A {chain} {comment}" -m recent --name {sep} --rcheck --seconds '
                f"{sp.affinity_seconds} --reap --mask 255.255.255.255 --rsource -j {sep}"
            )
    n = len(seps)
    for i, (ep, sep) in enumerate(seps):
        stat = (
            f"-m statistic --mode random --probability {1.0 / (n - i):.10f} " if i < n - 1 else ""
        )
        out.append(f'-A {chain} {comment} -> {ep.address}" {stat}-j {sep}')


def _table(name: str, chains: list[str], rules: list[str]) -> str:
    lines = [f"*{name}"]
    lines.extend(f":{c} - [0:0]" for c in chains)
    lines.extend(rules)
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def declared_chains(table_text: str) -> set[str]:
    """The chains a rendered table declares. As in `iptables-save` output, declarations
    come before the first rule, so only that head is scanned (tables run to tens of MB)."""
    end = table_text.find("\n-")
    head = table_text if end < 0 else table_text[:end]
    return {line[1:].split(" ", 1)[0] for line in head.splitlines() if line.startswith(":")}


def with_stale_removed(
    table_text: str, existing: Iterable[str], wanted: set[str] | None = None
) -> str:
    """Adds flush-and-delete of our own chains that exist but were not rendered
    (`wanted`: the table's declared chains, when the caller has them already)."""
    if wanted is None:
        wanted = declared_chains(table_text)
    stale = sorted(c for c in existing if c.startswith(OWN_PREFIXES) and c not in wanted)
    if not stale:
        return table_text
    lines = table_text.splitlines()
    assert lines[-1] == "COMMIT"
    head = lines[:-1]
    first_rule = next((i for i, line in enumerate(head) if line.startswith("-")), len(head))
    decl = [f":{c} - [0:0]" for c in stale]
    deletes = [f"-X {c}" for c in stale]
    out = head[:first_rule] + decl + head[first_rule:] + deletes + ["COMMIT"]
    return "\n".join(out) + "\n"


def chains_in_save(save_text: str, table: str) -> set[str]:
    """Chain names of one table in `iptables-save` output."""
    chains: set[str] = set()
    current = ""
    for line in save_text.splitlines():
        if line.startswith("*"):
            current = line[1:].strip()
        elif line.startswith(":") and current == table:
            chains.add(line[1:].split(" ", 1)[0])
    return chains


def rule_count(text: str) -> int:
    return text.count("\n-A ") + text.startswith("-A ")
