"""The lab: N worker nodes on one Linux host (`mkctl lab up --nodes N`).

    host                                   nodeK (network namespace mklab-nodeK)
    ─────────────────────────────────      ────────────────────────────────────────
    link mklab0    10.250.0.1/24  ◄─veth─► eth0 10.250.0.(10+K)/24, no default route
    etcd           127.0.0.1:12379         dockerd   (own data root, exec root, socket, bip)
    mk-apiserver   10.250.0.1:6443         mk-cri-docker  → that dockerd
    mk-controller-manager, mk-scheduler    mk-kubelet     --hostname-override nodeK
      (health on 10.250.0.1)               mk-proxy       (the namespace's own iptables)

Every daemon runs under `minik8s.cluster.supervise` (restarted when it dies; its own pid in
`<name>.child.pid`); a node's supervisors are started through `nsenter --net`, so the
daemon and everything it starts live in the node's namespace. Pidfiles, logs, etcd data and
the engines' data roots live under the state directory; sockets and engines' exec roots
under /run/mklab/nodeK (short paths: unix sockets are limited to 108 bytes).

Isolation: a node's namespace has only the lab subnet (no default route); the lab's bridge
(in a namespace of its own, see netns.py) does no NAT. Pods get the node's podCIDR
(assigned by the controller manager's node IPAM) on a Docker network made by the shim,
and mk-proxy routes the other nodes' podCIDRs via their addresses. The node engine's own
docker0 (`--bip`) uses 172.30.K.0/24 so it never overlaps the shim's pod network.

Concurrency: none inside a daemon's start; `up` starts the control plane one component
after another, then the nodes in parallel (one thread per node, each starting its engine,
shim, kubelet and proxy in order), waiting for each component on a condition with a
deadline (an HTTP 200, a socket, the engine's /_ping), and finally for every Node to be
Ready. `down` stops the nodes in parallel, then the control plane. The settings live in
`lab.json` (see labconfig.py), so `down`, `status` and `node stop|start` need only the
state directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml

from . import netns, processes
from .labconfig import (
    CLUSTER_DNS,
    CONTROL_PLANE,
    DEFAULT_STATE,
    IMAGES,
    LABELS,
    NODE_COMPONENTS,
    RUN_ROOT,
    LabConfig,
    LabError,
    control_commands,
    load,
    log_of,
    node_commands,
    parse_args_words,
    pid_of,
    read_pid,
    run_dir_of,
    save,
    supervised,
)
from .local import dns_ready

__all__ = [
    "DEFAULT_STATE",
    "LabConfig",
    "LabError",
    "down",
    "load",
    "node_commands",
    "nodes_ready",
    "parse_args_words",
    "pid_of",
    "start_node",
    "status",
    "stop_node",
    "up",
]

# --------------------------------------------------------------------------- start/stop


def _start(
    cfg: LabConfig,
    name: str,
    cmd: list[str],
    node: str | None,
    ready: Callable[[], bool],
    timeout: float = 90,
) -> int:
    """Start `name` supervised (in the node's namespace) and wait until `ready()`."""
    run = run_dir_of(cfg, node)
    run.mkdir(parents=True, exist_ok=True)
    log = log_of(cfg, name, node)
    ns = None if node is None else cfg.netns(node)
    (run / f"{name}.child.pid").unlink(missing_ok=True)  # never let a reader see an old pid
    proc = processes.spawn(supervised(name, run, cmd, ns), log, {"PYTHONUNBUFFERED": "1"})
    (run / f"{name}.pid").write_text(f"{proc.pid}\n")
    where = f"{node} " if node else ""

    def up() -> bool:
        if proc.poll() is not None:
            raise processes.StartError(
                f"{where}{LABELS[name]} exited with {proc.returncode}; see {log}"
            )
        return ready()

    processes.wait_until(up, timeout, f"{where}{LABELS[name]} (log: {log})", interval=0.2)
    return proc.pid


def _stop(cfg: LabConfig, name: str, node: str | None = None) -> bool:
    """Stop a supervised component (supervisor, then a leftover child); True if it ran."""
    run = run_dir_of(cfg, node)
    ran = False
    pid = pid_of(cfg, name, node)
    if pid is not None:
        ran = processes.stop_pid(pid, timeout=40)
    child = pid_of(cfg, name, node, child=True)
    if child is not None:  # the supervisor was killed by someone: do not leave an orphan
        ran = processes.stop_pid(child, timeout=30) or ran
    (run / f"{name}.pid").unlink(missing_ok=True)
    (run / f"{name}.child.pid").unlink(missing_ok=True)
    return ran


def _docker_ping(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        transport = httpx.HTTPTransport(uds=str(sock))
        with httpx.Client(transport=transport, timeout=2) as c:
            return c.get("http://docker/_ping").status_code == 200
    except httpx.HTTPError:
        return False


def _docker(cfg: LabConfig, node: str, *args: str, stdin: Any = None) -> None:
    done = subprocess.run(
        ["docker", "-H", f"unix://{cfg.docker_sock(node)}", *args],
        stdin=stdin,
        capture_output=True,
        text=stdin is None,
        timeout=300,
    )
    if done.returncode != 0:
        err = done.stderr if isinstance(done.stderr, str) else done.stderr.decode(errors="replace")
        raise LabError(f"{node}: docker {args[0]} failed: {err.strip()}")


def _ensure_images(cfg: LabConfig) -> Path:
    """The offline images from the host's engine, saved once to a tar the nodes load."""
    tar = cfg.state_dir / "images.tar"
    if tar.exists():
        return tar
    missing = [
        i
        for i in IMAGES
        if subprocess.run(["docker", "image", "inspect", i], capture_output=True).returncode
    ]
    if missing:
        script = Path(__file__).resolve().parents[2] / "deploy" / "images" / "build.sh"
        log = cfg.state_dir / "logs" / "images.log"
        with open(log, "ab") as out:
            code = subprocess.run(["bash", str(script)], stdout=out, stderr=subprocess.STDOUT)
        if code.returncode != 0:
            raise LabError(f"building the offline images failed; see {log}")
    done = subprocess.run(["docker", "save", "-o", str(tar), *IMAGES], capture_output=True)
    if done.returncode != 0:
        raise LabError(f"docker save of the offline images failed: {done.stderr.decode().strip()}")
    return tar


def _http_ok(url: str) -> Callable[[], bool]:
    return lambda: processes.http_ok(url)


def start_node(cfg: LabConfig, node: str, images: Path | None = None) -> None:
    """The node's engine, shim, kubelet and proxy, each waited for; idempotent per component."""
    cmds = node_commands(cfg, node)
    ip = cfg.node_ip(node)
    cfg.run_dir(node).mkdir(parents=True, exist_ok=True)
    ready: dict[str, Callable[[], bool]] = {
        "docker": lambda: _docker_ping(cfg.docker_sock(node)),
        "cri": lambda: cfg.cri_sock(node).exists(),
        "kubelet": _http_ok(f"http://{ip}:10248/healthz"),
        "proxy": _http_ok(f"http://{ip}:10256/healthz"),
    }
    for name in NODE_COMPONENTS:
        if pid_of(cfg, name, node) is not None:
            continue
        if name == "docker":
            (cfg.run_dir(node) / "docker.pid").unlink(missing_ok=True)
        if name == "cri":
            cfg.cri_sock(node).unlink(missing_ok=True)
        _start(cfg, name, cmds[name], node, ready[name])
        if name == "docker" and images is not None:
            with open(images, "rb") as tar:
                _docker(cfg, node, "load", stdin=tar)


def stop_node(cfg: LabConfig, node: str) -> list[str]:
    """Stop the node's daemons, clients first; the engine's stop ends its pods' containers."""
    return [name for name in reversed(NODE_COMPONENTS) if _stop(cfg, name, node)]


def write_kubeconfig(cfg: LabConfig) -> None:
    name = cfg.name
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": cfg.server}}],
        "users": [{"name": f"{name}-admin", "user": {}}],
        "contexts": [
            {
                "name": name,
                "context": {"cluster": name, "user": f"{name}-admin", "namespace": "default"},
            }
        ],
        "current-context": name,
    }
    cfg.kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))


def nodes_ready(cfg: LabConfig) -> dict[str, bool]:
    """Node name → Ready (with a podCIDR); {} when the API server does not answer."""
    try:
        items = httpx.get(f"{cfg.server}/api/v1/nodes", timeout=5).json().get("items", [])
    except (httpx.HTTPError, ValueError):
        return {}
    found: dict[str, bool] = {}
    for n in items:
        conditions = (n.get("status") or {}).get("conditions") or []
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
        found[n["metadata"]["name"]] = ready and bool((n.get("spec") or {}).get("podCIDR"))
    return found


def _check_host(cfg: LabConfig) -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, a bridge, Docker engines)")
    tools = (("ip", "iproute2"), ("nsenter", "util-linux"), ("dockerd", "docker.io"))
    for tool, package in (*tools, ("docker", "docker.io"), ("etcd", "etcd-server")):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} is not installed: apt-get install -y {package}")
    if netns.link_exists(cfg.bridge):
        raise LabError(
            f"a lab is already up (bridge {cfg.bridge} exists); `mkctl lab down` stops it"
        )
    for port in (cfg.etcd_port, cfg.etcd_peer_port):
        if processes.port_open(port):
            raise LabError(f"port {port} (the lab's etcd) is taken by another process")
    if subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode != 0:
        raise LabError("the host's Docker engine is not running (the lab copies its images)")


def up(cfg: LabConfig, say: Callable[[str], None] = print) -> float:
    """Bring the lab up; returns the seconds from the start to every node Ready."""
    cfg.validate()
    started = time.monotonic()
    _check_host(cfg)
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    (cfg.state_dir / "logs").mkdir(exist_ok=True)
    save(cfg)
    images = _ensure_images(cfg)
    netns.add_switch(cfg.switch, "br0", cfg.bridge, f"{cfg.host_ip}/{cfg.prefix}")
    for node in cfg.node_names():
        address = f"{cfg.node_ip(node)}/{cfg.prefix}"
        netns.add_node(cfg.netns(node), cfg.switch_port(node), cfg.switch, "br0", address)
    link = f"{cfg.bridge} {cfg.host_ip}/{cfg.prefix}"
    say(f"network        {link} into {cfg.switch}, {cfg.nodes} node namespace(s)")
    cmds = control_commands(cfg)
    ready = {
        "etcd": _http_ok(f"http://127.0.0.1:{cfg.etcd_port}/health"),
        "apiserver": _http_ok(f"{cfg.server}/readyz"),
        "controller-manager": _http_ok(f"http://{cfg.host_ip}:10257/healthz"),
        "scheduler": _http_ok(f"http://{cfg.host_ip}:10259/healthz"),
    }
    for name in CONTROL_PLANE:
        pid = _start(cfg, name, cmds[name], None, ready[name])
        say(f"{LABELS[name]:<14} started (supervisor pid {pid})")
    write_kubeconfig(cfg)
    # Nodes come up in parallel: each waits mostly on its own engine and daemons.
    with ThreadPoolExecutor(max_workers=cfg.nodes) as pool:
        futures = {n: pool.submit(start_node, cfg, n, images) for n in cfg.node_names()}
        for node, fut in futures.items():
            fut.result()
            say(f"{node:<14} {cfg.node_ip(node)}: dockerd, mk-cri-docker, mk-kubelet, mk-proxy")
    processes.wait_until(
        lambda: sum(nodes_ready(cfg).values()) >= cfg.nodes,
        180,
        f"{cfg.nodes} Ready node(s)",
        interval=0.5,
    )
    elapsed = time.monotonic() - started
    say(f"ready          {cfg.nodes} node(s) Ready in {elapsed:.1f}s")
    if cfg.addons:
        _wait_dns(cfg, started, say)
    say(f"kubeconfig     {cfg.kubeconfig}")
    say(f"try            mkctl --kubeconfig {cfg.kubeconfig} cluster status")
    say(f"               mkctl --kubeconfig {cfg.kubeconfig} get nodes -o wide")
    say(f"               kubectl --kubeconfig {cfg.kubeconfig} get pods -A -o wide")
    return elapsed


def _wait_dns(cfg: LabConfig, started: float, say: Callable[[str], None]) -> None:
    """Report the DNS add-on once a replica is ready (a late one is no failure)."""
    try:
        processes.wait_until(lambda: dns_ready(cfg.server)[0] >= 1, 90, "dns", interval=0.5)
    except processes.StartError:
        say("dns            not ready after 90s: `mkctl cluster status` tells more")
        return
    ready, wanted = dns_ready(cfg.server)
    say(f"dns            kube-dns {CLUSTER_DNS}: {ready}/{wanted} ready "
        f"({time.monotonic() - started:.1f}s after `lab up` began)")  # fmt: skip


def _unmount_under(root: Path) -> None:
    """Leftover mounts of a killed engine (overlay layers, netns files) under `root`."""
    prefix = str(root.resolve()) + "/"
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    for target in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True)


def down(cfg: LabConfig, say: Callable[[str], None] = print) -> None:
    """Stop every daemon, remove namespaces, bridge, engines' data and run files."""
    nodes = cfg.node_names()
    with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
        for node, stopped in zip(nodes, pool.map(lambda n: stop_node(cfg, n), nodes), strict=True):
            say(f"{node:<14} {'stopped ' + ', '.join(stopped) if stopped else 'not running'}")
    for name in reversed(CONTROL_PLANE):
        say(f"{LABELS[name]:<14} {'stopped' if _stop(cfg, name) else 'not running'}")
    for node in nodes:
        leftover = read_pid(cfg.run_dir(node) / "docker.pid")
        if leftover is not None:
            processes.stop_pid(leftover, timeout=30)
        netns.delete_netns(cfg.netns(node))
        for root in (cfg.run_dir(node), cfg.node_dir(node)):
            _unmount_under(root)
            shutil.rmtree(root, ignore_errors=True)
    netns.delete_netns(cfg.switch)
    netns.delete_link(cfg.bridge)
    shutil.rmtree(RUN_ROOT / cfg.name, ignore_errors=True)
    shutil.rmtree(cfg.state_dir / "etcd", ignore_errors=True)
    shutil.rmtree(cfg.state_dir / "run", ignore_errors=True)
    shutil.rmtree(cfg.state_dir / "nodes", ignore_errors=True)
    (cfg.state_dir / "images.tar").unlink(missing_ok=True)
    (cfg.state_dir / "lab.json").unlink(missing_ok=True)
    say(f"network        removed {cfg.bridge} and {len(nodes)} namespace(s); logs kept in "
        f"{cfg.state_dir / 'logs'}")  # fmt: skip


def status(cfg: LabConfig, say: Callable[[str], None] = print) -> int:
    """One line per component and node; 0 when everything runs and every node is Ready."""
    healthy = True
    for name in CONTROL_PLANE:
        pid = pid_of(cfg, name)
        healthy &= pid is not None
        say(f"{LABELS[name]:<22} {f'running (supervisor pid {pid})' if pid else 'stopped'}")
    ready = nodes_ready(cfg)
    for node in cfg.node_names():
        running = [LABELS[n] for n in NODE_COMPONENTS if pid_of(cfg, n, node) is not None]
        if not ready:
            state = "unknown"  # the API server does not answer
        elif node not in ready:
            state = "not registered"
        else:
            state = "Ready" if ready[node] else "NotReady"
        healthy &= len(running) == len(NODE_COMPONENTS) and state == "Ready"
        procs = ", ".join(running) if running else "no daemons"
        say(f"{node:<22} {cfg.node_ip(node):<13} {state:<14} {procs}")
    say(f"kubeconfig             {cfg.kubeconfig}")
    return 0 if healthy else 1
