"""A lab of network namespaces for the proxy agent's tests: nothing touches the host's
own interfaces, routes or iptables.

    netns lan:  bridge lan0 ─┬─ node1 eth0 198.18.0.1/24   cbr0 10.250.1.1/24 ─ pod-a .10, pod-b .11
                             ├─ node2 eth0 198.18.0.2/24   cbr0 10.250.2.1/24 ─ pod-c 10.250.2.10
                             └─ client eth0 198.18.0.100/24

Every namespace is named `mkp<id>-<role>` and removed by `close()` (also after a failure).
198.18.0.0/15 is the benchmarking range (RFC 2544) and 10.250.0.0/16 is used by nobody on
this machine; both exist only inside these namespaces. Pods are namespaces with a veth
into their node's bridge, running `busybox httpd` (answers its pod name).

The agent runs inside a node namespace and reaches the API server (on the host's
loopback) through a relay: a listening socket created inside the node namespace on
127.0.0.1:<api port>, forwarding to the host's 127.0.0.1. Probes run in threads that
`setns()` into a namespace first (sockets keep the namespace they were made in).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

CLONE_NEWNET = 0x40000000
CLUSTER_CIDR = "10.250.0.0/16"
REPO = Path(__file__).resolve().parents[3]
_libc = ctypes.CDLL(None, use_errno=True)


def sh(*args: str, check: bool = True) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def in_netns(ns: str, fn: Callable[[], T], timeout: float = 60) -> T:
    """Runs `fn` in a fresh thread that first enters network namespace `ns`."""
    box: dict[str, Any] = {}

    def body() -> None:
        fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns failed")
        finally:
            os.close(fd)
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"work in {ns} did not finish in {timeout}s")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def http_get(ip: str, port: int, timeout: float = 3.0, source: str | None = None) -> str:
    """One HTTP GET; the body, or raises OSError (ConnectionRefusedError, timeout, …)."""
    with socket.create_connection(
        (ip, port), timeout=timeout, source_address=(source, 0) if source else None
    ) as conn:
        conn.sendall(f"GET / HTTP/1.0\r\nHost: {ip}\r\n\r\n".encode())
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n\r\n", 1)[-1].decode().strip()


def try_get(ip: str, port: int, timeout: float = 3.0) -> str:
    """The body, or the error's class name."""
    try:
        return http_get(ip, port, timeout)
    except OSError as exc:
        return type(exc).__name__


def wait_for(what: str, cond: Callable[[], bool], timeout: float = 60, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Relay:
    """127.0.0.1:<port> inside `ns` → 127.0.0.1:<port> on the host (threads, bounded)."""

    def __init__(self, ns: str, port: int) -> None:
        self.port = port
        self.listener = in_netns(ns, self._listen)
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _listen(self) -> socket.socket:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        return s

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.listener.close()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


class Lab:
    def __init__(self, tmp: Path) -> None:
        self.id = uuid.uuid4().hex[:6]
        self.tmp = tmp
        self.namespaces: list[str] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.relays: list[Relay] = []
        self.node_ips = {"node1": "198.18.0.1", "node2": "198.18.0.2"}
        self.pod_cidrs = {"node1": "10.250.1.0/24", "node2": "10.250.2.0/24"}
        self.pods = {
            "pod-a": ("node1", "10.250.1.10"),
            "pod-b": ("node1", "10.250.1.11"),
            "pod-c": ("node2", "10.250.2.10"),
        }

    def ns(self, role: str) -> str:
        return f"mkp{self.id}-{role}"

    def node_name(self, node: str) -> str:
        return f"mkp{self.id}-{node}"

    def _add_ns(self, role: str) -> str:
        name = self.ns(role)
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def _veth(self, ns_a: str, name_a: str, ns_b: str, name_b: str) -> None:
        sh(
            "ip",
            "-n",
            ns_a,
            "link",
            "add",
            name_a,
            "type",
            "veth",
            "peer",
            "name",
            name_b,
            "netns",
            ns_b,
        )

    def build(self) -> None:
        lan = self._add_ns("lan")
        sh("ip", "-n", lan, "link", "add", "lan0", "type", "bridge")
        sh("ip", "-n", lan, "link", "set", "lan0", "up")
        hosts = {**self.node_ips, "client": "198.18.0.100"}
        for role, ip in hosts.items():
            ns = self._add_ns(role)
            self._veth(ns, "eth0", lan, f"v-{role}")
            sh("ip", "-n", lan, "link", "set", f"v-{role}", "master", "lan0", "up")
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
        for node, cidr in self.pod_cidrs.items():
            ns = self.ns(node)
            sh("nsenter", f"--net=/var/run/netns/{ns}", "sysctl", "-qw", "net.ipv4.ip_forward=1")
            gw = cidr.replace(".0/24", ".1/24")
            sh("ip", "-n", ns, "link", "add", "cbr0", "type", "bridge")
            sh("ip", "-n", ns, "addr", "add", gw, "dev", "cbr0")
            sh("ip", "-n", ns, "link", "set", "cbr0", "up")
        for pod, (node, ip) in self.pods.items():
            ns = self._add_ns(pod)
            host_side = f"v-{pod}"
            self._veth(ns, "eth0", self.ns(node), host_side)
            sh("ip", "-n", self.ns(node), "link", "set", host_side, "master", "cbr0", "up")
            # what kubelet's hairpin-veth mode does: a pod may reach itself through a Service
            sh(
                "ip",
                "-n",
                self.ns(node),
                "link",
                "set",
                host_side,
                "type",
                "bridge_slave",
                "hairpin",
                "on",
            )
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            gw = ip.rsplit(".", 1)[0] + ".1"
            sh("ip", "-n", ns, "route", "add", "default", "via", gw)
            www = self.tmp / f"www-{pod}"
            www.mkdir(exist_ok=True)
            (www / "index.html").write_text(pod + "\n")
            self.procs.append(
                self.spawn(
                    ns,
                    ["busybox", "httpd", "-f", "-p", "8080", "-h", str(www)],
                    self.tmp / f"{pod}.log",
                )
            )
        for pod, (_node, ip) in self.pods.items():
            self._wait_serving(pod, ip)

    def _wait_serving(self, pod: str, ip: str) -> None:
        def serving() -> bool:
            return in_netns(self.ns(pod), lambda: try_get(ip, 8080)) == pod

        wait_for(f"{pod} serving", serving, timeout=20)

    def spawn(self, ns: str, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        out = open(log, "ab")  # noqa: SIM115 - owned by the process
        return subprocess.Popen(
            ["nsenter", f"--net=/var/run/netns/{ns}", *argv],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
        )

    def relay(self, node: str, port: int) -> None:
        self.relays.append(Relay(self.ns(node), port))

    def agent_argv(self, node: str, api_port: int, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "proxy",
            "--server",
            f"http://127.0.0.1:{api_port}",
            "--hostname-override",
            self.node_name(node),
            "--node-ip",
            self.node_ips[node],
            "--cluster-cidr",
            CLUSTER_CIDR,
            "--min-sync-period",
            "0.2",
            "--v",
            "1",
            *extra,
        ]

    def run(self, ns_role: str, fn: Callable[[], T], timeout: float = 60) -> T:
        return in_netns(self.ns(ns_role), fn, timeout)

    def iptables_save(self, node: str) -> str:
        return sh("nsenter", f"--net=/var/run/netns/{self.ns(node)}", "iptables-save")

    def routes(self, node: str) -> str:
        return sh("ip", "-n", self.ns(node), "-4", "route", "show")

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for relay in self.relays:
            relay.close()
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)
