"""A pod's /etc/resolv.conf (from `dnsPolicy`) and /etc/hosts, as the kubelet writes them.

resolv.conf (handed to the runtime as the sandbox's CRI DNSConfig; the shim writes it):

    ClusterFirst (default)      --cluster-dns; search <ns>.svc.<domain> svc.<domain> <domain>
                                and the node's search domains; options ndots:5
    ClusterFirstWithHostNet     the same, also for hostNetwork pods
    ClusterFirst + hostNetwork  as Default (Kubernetes' fallback; also when no --cluster-dns)
    Default                     the node's resolv.conf (--resolv-conf)
    None                        nothing but dnsConfig

`dnsConfig` is then merged in: its nameservers and searches are appended (duplicates
dropped), its options override the ones of the same name. At most 3 nameservers and 32
search domains (2048 characters) are kept, as Kubernetes keeps.

/etc/hosts (pods on the pod network; hostNetwork pods keep the node's): localhost lines,
then the pod's address with its hostname — `<hostname>.<subdomain>.<ns>.svc.<domain>
<hostname>` when `spec.subdomain` is set — then `spec.hostAliases`. The file lives in the
pod's directory (`<root-dir>/pods/<uid>/etc-hosts`) and is bind-mounted into every container
that does not mount /etc/hosts itself; it is rewritten in place, so a mounted copy follows.

Pure apart from `write_hosts` (file I/O; call it on a thread).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Obj = dict[str, Any]

MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
MAX_SEARCH_CHARS = 2048
HOSTS_FILE = "etc-hosts"


@dataclass(frozen=True)
class ResolvConf:
    servers: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


def parse_resolv_conf(text: str) -> ResolvConf:
    """nameserver, search/domain and options lines of a resolv.conf (last search wins)."""
    servers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if not words:
            continue
        if words[0] == "nameserver" and len(words) > 1:
            servers.append(words[1])
        elif words[0] in ("search", "domain"):
            searches = [w.rstrip(".") for w in words[1:]]
        elif words[0] == "options":
            options.extend(words[1:])
    return ResolvConf(servers, searches, options)


def read_resolv_conf(path: str) -> ResolvConf:
    """The node's resolv.conf; empty when `path` is '' or unreadable."""
    if not path:
        return ResolvConf()
    try:
        return parse_resolv_conf(Path(path).read_text())
    except OSError:
        return ResolvConf()


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _merge_options(base: list[str], extra: list[str]) -> list[str]:
    merged: dict[str, str] = {}
    for opt in [*base, *extra]:
        name = opt.split(":", 1)[0]
        merged[name] = opt
    return list(merged.values())


def policy_kind(pod: Obj, cluster_dns: list[str]) -> str:
    """cluster, host or none: where a pod's DNS settings start from."""
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "None":
        return "none"
    if policy == "Default":
        return "host"
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        return "host"
    return "cluster" if cluster_dns else "host"


def pod_resolv_conf(pod: Obj, cluster_dns: list[str], domain: str, node: ResolvConf) -> ResolvConf:
    """The resolv.conf of `pod` (see the table in the module docstring)."""
    kind = policy_kind(pod, cluster_dns)
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    if kind == "cluster":
        searches = [f"{ns}.svc.{domain}", f"svc.{domain}", domain, *node.searches]
        base = ResolvConf(list(cluster_dns), searches, ["ndots:5"])
    elif kind == "host":
        base = node
    else:
        base = ResolvConf()
    custom = (pod.get("spec") or {}).get("dnsConfig") or {}
    options = [
        f"{o['name']}:{o['value']}" if o.get("value") not in (None, "") else str(o["name"])
        for o in custom.get("options") or []
        if o.get("name")
    ]
    servers = _unique([*base.servers, *(custom.get("nameservers") or [])])[:MAX_NAMESERVERS]
    searches = _unique([*base.searches, *(custom.get("searches") or [])])
    kept: list[str] = []
    for s in searches:
        if len(kept) == MAX_SEARCHES or sum(len(k) + 1 for k in kept) + len(s) > MAX_SEARCH_CHARS:
            break
        kept.append(s)
    return ResolvConf(servers, kept, _merge_options(base.options, options))


def manages_hosts(pod: Obj) -> bool:
    """Pods on the pod network get a managed /etc/hosts; hostNetwork pods keep the node's."""
    return not (pod.get("spec") or {}).get("hostNetwork")


def hosts_file(pod: Obj, pod_ips: list[str], domain: str) -> str:
    """The managed /etc/hosts of a pod on the pod network."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    hostname = str(spec.get("hostname") or meta.get("name") or "")[:63]
    names = hostname
    if spec.get("subdomain"):
        ns = meta.get("namespace") or "default"
        names = f"{hostname}.{spec['subdomain']}.{ns}.svc.{domain}\t{hostname}"
    lines = [
        "# Kubernetes-managed hosts file.",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
    ]
    lines += [f"{ip}\t{names}" for ip in pod_ips if ip]
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines.append("")
        lines.append("# Entries added by HostAliases.")
        for alias in aliases:
            hostnames = " ".join(str(h) for h in alias.get("hostnames") or [])
            if alias.get("ip") and hostnames:
                lines.append(f"{alias['ip']}\t{hostnames}")
    return "\n".join(lines) + "\n"


def mounts_own_hosts(container: Obj) -> bool:
    return any(m.get("mountPath") == "/etc/hosts" for m in container.get("volumeMounts") or [])


def write_hosts(pod_dir: Path, text: str) -> str:
    """Writes the pod's hosts file (in place when it exists); answers its path."""
    pod_dir.mkdir(parents=True, exist_ok=True)
    path = pod_dir / HOSTS_FILE
    try:
        with open(path, "r+", encoding="utf-8") as f:
            if f.read() != text:
                f.seek(0)
                f.write(text)
                f.truncate()
    except FileNotFoundError:
        path.write_text(text, encoding="utf-8")
    return str(path)
