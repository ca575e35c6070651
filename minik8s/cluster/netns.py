"""Network plumbing of the lab: a host bridge, one network namespace per node, veth pairs.

Each call runs one `ip` command and raises `NetError` naming the command and its stderr;
removal helpers are idempotent (a missing link or namespace is success), so `lab down`
can clean up after a half-finished `lab up`. Synchronous and single-threaded: the lab
builds its network once, before any daemon starts.

Topology: the lab's bridge lives in a "switch" namespace of its own, not on the host. With
br_netfilter loaded (Docker loads it), frames bridged on the host pass the host's iptables
FORWARD chain, whose policy Docker sets to DROP; a bridge in its own namespace sees only
that namespace's (empty) rules, so node-to-node traffic flows without any change to the
host's own rules. The host joins the lab through one veth (`<name>0`, holding the host's lab
address) whose peer is a port of that bridge; each node's `eth0` is another port.

Nothing here gives a namespace a default route, and nothing does NAT or forwards to the
outside: a node reaches the host's lab address and the other nodes, nothing else.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

NETNS_DIR = Path("/var/run/netns")


class NetError(RuntimeError):
    """An `ip` command failed; the message holds the command and what it printed."""


def ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    cmd = ["ip", *args] if netns is None else ["ip", "-n", netns, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise NetError(f"`{' '.join(cmd)}` failed: {done.stderr.strip()}")
    return done.stdout


def link_exists(name: str, netns: str | None = None) -> bool:
    if netns is None:
        return Path("/sys/class/net", name).exists()
    cmd = ["ip", "-n", netns, "link", "show", name]
    return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0


def netns_exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def netns_path(name: str) -> str:
    return str(NETNS_DIR / name)


def _sysctl(netns: str, key: str, value: str) -> None:
    """Set a per-namespace sysctl, when the kernel has it (br_netfilter may not be loaded)."""
    path = "/proc/sys/" + key.replace(".", "/")
    subprocess.run(
        [
            "nsenter",
            f"--net={netns_path(netns)}",
            "sh",
            "-c",
            f"[ ! -e {path} ] || echo {value} > {path}",
        ],
        capture_output=True,
        timeout=30,
    )


def add_switch(switch: str, bridge: str, host_link: str, address: str) -> None:
    """Namespace `switch` with an up `bridge`; the host's `host_link` (at `address`, CIDR
    form) is plugged into it."""
    if not netns_exists(switch):
        ip("netns", "add", switch)
    ip("link", "set", "lo", "up", netns=switch)
    if not link_exists(bridge, switch):
        ip("link", "add", bridge, "type", "bridge", netns=switch)
    _sysctl(switch, "net.bridge.bridge-nf-call-iptables", "0")
    ip("link", "set", bridge, "up", netns=switch)
    if not link_exists(host_link):
        ip("link", "add", host_link, "type", "veth", "peer", "name", "uplink", "netns", switch)
    ip("link", "set", "uplink", "master", bridge, netns=switch)
    ip("link", "set", "uplink", "up", netns=switch)
    ip("addr", "replace", address, "dev", host_link)
    ip("link", "set", host_link, "up")


def add_node(netns: str, port: str, switch: str, bridge: str, address: str) -> None:
    """Namespace `netns` with `lo` and `eth0` at `address`; eth0's peer `port` is plugged into
    the switch's bridge."""
    if not netns_exists(netns):
        ip("netns", "add", netns)
    if not link_exists(port, switch):
        peer = ("peer", "name", "eth0", "netns", netns)
        ip("link", "add", port, "type", "veth", *peer, netns=switch)
    ip("link", "set", port, "master", bridge, netns=switch)
    ip("link", "set", port, "up", netns=switch)
    ip("link", "set", "lo", "up", netns=netns)
    ip("addr", "replace", address, "dev", "eth0", netns=netns)
    ip("link", "set", "eth0", "up", netns=netns)


def delete_netns(netns: str) -> None:
    """Removing a namespace removes its veths, and so their peers in other namespaces."""
    if netns_exists(netns):
        ip("netns", "del", netns, check=False)


def delete_link(name: str) -> None:
    if link_exists(name):
        ip("link", "del", name, check=False)
