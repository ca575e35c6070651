"""`make up` / `make down`: the embedded one-machine cluster.

    python -m minik8s.cluster.local up|down|status [--state-dir .minik8s]

`up` prepares the machine, then starts every component and waits for it:
1. installs what is missing (etcd, Docker, iptables, iproute2, busybox-static) with
   apt-get when run as root (one readable error line otherwise), and starts `dockerd` when
   the engine does not answer (log in `<state>/logs/dockerd.log`; it is shared with
   whatever else uses Docker here, so `down` leaves it running);
2. starts etcd, the API server, controller manager, scheduler, CRI shim, kubelet and proxy
   agent, each under `minik8s.cluster.supervise` (restarted when it dies, with back-off),
   in that order, each waited for through its health endpoint before the next;
3. writes the kubeconfig at `~/.minik8s/config`, waits until this machine's Node is Ready
   with a pod CIDR, and prints how to use the cluster.

`up` is idempotent: a component whose pidfile names a live supervisor is left alone. Data
(etcd), logs (`logs/<component>.log`), pidfiles (`run/<component>.pid` = the supervisor,
`run/<component>.child.pid` = the daemon) and the CRI socket live under the state
directory, so the cluster's state survives `down` + `up`. `down` stops the supervisors in
reverse order (each stops its daemon), removes the pod containers and the proxy's rules.

Everything here runs in one thread of the calling process; readiness is always a
condition polled with a deadline.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from minik8s.api.times import parse_rfc3339

from . import processes

ETCD_PORT = int(os.environ.get("MINIK8S_ETCD_PORT", "2379"))
ETCD_PEER_PORT = int(os.environ.get("MINIK8S_ETCD_PEER_PORT", "2380"))
API_PORT = int(os.environ.get("MINIK8S_API_PORT", "6443"))
CRI_HEALTH_PORT = int(os.environ.get("MINIK8S_CRI_HEALTH_PORT", "10359"))
KUBELET_PORT = int(os.environ.get("MINIK8S_KUBELET_PORT", "10250"))
KUBELET_HEALTH_PORT = int(os.environ.get("MINIK8S_KUBELET_HEALTH_PORT", "10248"))
# Labels every pod container (and names the pod bridge), so two clusters on one Docker
# engine (a user's and a test's) never touch each other's containers.
CRI_INSTANCE = os.environ.get("MINIK8S_CRI_INSTANCE", "minik8s")
CLUSTER_CIDR = os.environ.get("MINIK8S_CLUSTER_CIDR", "10.244.0.0/16")
CM_HEALTH_PORT = int(os.environ.get("MINIK8S_CM_HEALTH_PORT", "10257"))
SCHEDULER_HEALTH_PORT = int(os.environ.get("MINIK8S_SCHEDULER_HEALTH_PORT", "10259"))
PROXY_HEALTH_PORT = int(os.environ.get("MINIK8S_PROXY_HEALTH_PORT", "10256"))
# mk-proxy rewrites this machine's nat/filter tables (as kube-proxy does on a node); tests of
# `make up` switch it off with MINIK8S_PROXY=0 and test the agent in namespaces of their own.
WITH_PROXY = os.environ.get("MINIK8S_PROXY", "1") not in ("0", "false", "no")
KUBECONFIG = Path(os.environ.get("MINIK8S_KUBECONFIG", "~/.minik8s/config")).expanduser()
# Extra flags per daemon (shell words): MINIK8S_CONTROLLER_MANAGER_ARGS="--concurrent-syncs 2".
CONTROLLER_MANAGER_ARGS = shlex.split(os.environ.get("MINIK8S_CONTROLLER_MANAGER_ARGS", ""))
SCHEDULER_ARGS = shlex.split(os.environ.get("MINIK8S_SCHEDULER_ARGS", ""))
KUBELET_ARGS = shlex.split(os.environ.get("MINIK8S_KUBELET_ARGS", ""))
PROXY_ARGS = shlex.split(os.environ.get("MINIK8S_PROXY_ARGS", ""))
APISERVER_ARGS = shlex.split(os.environ.get("MINIK8S_APISERVER_ARGS", ""))
NODE_READY_TIMEOUT = float(os.environ.get("MINIK8S_NODE_READY_TIMEOUT", "120"))
# Pods reach the API server through the `kubernetes` Service, whose endpoint is the address
# the API server advertises. Loopback does not work from a pod and eth0's address would
# expose the API server to the network, so `make up` gives it a host-only address of its
# own: a /32 on an empty bridge (reachable from this machine's pods and namespaces, never
# routed off the machine). MINIK8S_API_POD_ADDRESS="" turns this off.
API_LINK = os.environ.get("MINIK8S_API_LINK", "mk-api0")
API_POD_ADDRESS = os.environ.get("MINIK8S_API_POD_ADDRESS", "10.250.254.1")
SERVICE_CIDR = os.environ.get("MINIK8S_SERVICE_CIDR", "10.96.0.0/12")
CLUSTER_DOMAIN = os.environ.get("MINIK8S_CLUSTER_DOMAIN", "cluster.local")
# The add-ons (deploy/addons: cluster DNS) that the controller manager keeps applied, and
# the kubelet's --cluster-dns pointing at kube-dns. Their pods reach the API server through
# the `kubernetes` Service, which needs the proxy: on by default only with it (MINIK8S_ADDONS).
ADDONS = os.environ.get("MINIK8S_ADDONS", "1" if WITH_PROXY else "0") not in ("0", "false", "no")
ADDONS_DIR = Path(
    os.environ.get("MINIK8S_ADDONS_DIR", "")
    or Path(__file__).resolve().parents[2] / "deploy" / "addons"
)
DNS_READY_TIMEOUT = float(os.environ.get("MINIK8S_DNS_READY_TIMEOUT", "90"))

# Start order; `down` stops in reverse, so clients go before what they depend on.
COMPONENTS = ("etcd", "apiserver", "controller-manager", "scheduler", "cri", "kubelet", "proxy")
LABELS = {
    "etcd": "etcd",
    "apiserver": "mk-apiserver",
    "controller-manager": "mk-controller-manager",
    "scheduler": "mk-scheduler",
    "cri": "mk-cri-docker",
    "kubelet": "mk-kubelet",
    "proxy": "mk-proxy",
}
# Debian package of each program `up` needs (program found on the PATH or as a file).
REQUIRED_PROGRAMS = (
    ("etcd", "etcd-server"),
    ("etcdctl", "etcd-client"),
    ("docker", "docker.io"),
    ("dockerd", "docker.io"),
    ("iptables", "iptables"),
    ("ip", "iproute2"),
    ("/bin/busybox", "busybox-static"),
)


def _say(label: str, text: str) -> None:
    print(f"{label:<14} {text}", flush=True)


def _pid(state: Path, name: str) -> int | None:
    return processes.read_pid(state / "run" / f"{name}.pid")


def _write_pid(state: Path, name: str, pid: int) -> None:
    run = state / "run"
    run.mkdir(parents=True, exist_ok=True)
    (run / f"{name}.pid").write_text(f"{pid}\n")


def write_kubeconfig(path: Path, server: str) -> None:
    """Add (or refresh) the `minik8s` cluster, user and context, keeping other entries."""
    config: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text())
            if isinstance(loaded, dict):
                config = loaded
        except yaml.YAMLError:
            config = {}
    config.setdefault("apiVersion", "v1")
    config.setdefault("kind", "Config")
    config.setdefault("preferences", {})

    def upsert(section: str, entry: dict[str, Any]) -> None:
        items = [i for i in config.get(section) or [] if i.get("name") != entry["name"]]
        config[section] = [*items, entry]

    upsert("clusters", {"name": "minik8s", "cluster": {"server": server}})
    upsert("users", {"name": "minik8s-admin", "user": {}})
    upsert(
        "contexts",
        {
            "name": "minik8s",
            "context": {"cluster": "minik8s", "user": "minik8s-admin", "namespace": "default"},
        },
    )
    config["current-context"] = "minik8s"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


# --------------------------------------------------------------------------- the machine


def missing_packages(
    present: Callable[[str], bool], required: Sequence[tuple[str, str]] = REQUIRED_PROGRAMS
) -> list[str]:
    """The Debian packages to install, in order, for the programs `present` does not find."""
    wanted: list[str] = []
    for program, package in required:
        if not present(program) and package not in wanted:
            wanted.append(package)
    return wanted


def _program_present(program: str) -> bool:
    if program.startswith("/"):
        return os.access(program, os.X_OK)
    return shutil.which(program) is not None


def _install_packages(state: Path) -> None:
    """apt-get install what is missing (root only); a no-op on a prepared machine."""
    wanted = missing_packages(_program_present)
    if not wanted:
        return
    if os.geteuid() != 0:
        raise processes.StartError(
            f"missing {', '.join(wanted)}: run `make up` as root to install them, or "
            f"`sudo apt-get install -y {' '.join(wanted)}`"
        )
    if shutil.which("apt-get") is None:
        raise processes.StartError(
            f"missing {', '.join(wanted)} and apt-get is not available: install them first"
        )
    log = state / "logs" / "install.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    _say("packages", f"installing {' '.join(wanted)} (apt-get; log {log})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(log, "ab") as out:
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", *wanted]):
            code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
            if code != 0:
                raise processes.StartError(f"`{' '.join(cmd)}` failed ({code}); see {log}")
    still = missing_packages(_program_present)
    if still:
        raise processes.StartError(f"{', '.join(still)} still missing after apt-get; see {log}")


def _docker_ok() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _ensure_docker(state: Path) -> None:
    """Start the Docker engine when it does not answer (it outlives `down`: it is shared)."""
    if shutil.which("docker") is None:
        raise processes.StartError(
            "docker is not installed: apt-get install -y docker.io busybox-static"
        )
    if _docker_ok():
        return
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        raise processes.StartError(
            "the Docker engine is not running (mk-cri-docker needs it): start it with "
            "`dockerd >/var/log/dockerd.log 2>&1 &`"
        )
    log = state / "logs" / "dockerd.log"
    proc = processes.spawn(["dockerd"], log)
    _say("dockerd", f"started (pid {proc.pid}, log {log}; left running by `make down`)")

    def up() -> bool:
        if proc.poll() is not None:
            raise processes.StartError(f"dockerd exited with {proc.returncode}; see {log}")
        return _docker_ok()

    processes.wait_until(up, 90, f"dockerd (log: {log})", interval=0.5)


def _check_ports(state: Path) -> None:
    """Refuse to start anything if a port we need is held by a process we did not start."""
    for name, port, var in (
        ("etcd", ETCD_PORT, "MINIK8S_ETCD_PORT"),
        ("apiserver", API_PORT, "MINIK8S_API_PORT"),
        ("kubelet", KUBELET_HEALTH_PORT, "MINIK8S_KUBELET_HEALTH_PORT"),
        ("controller-manager", CM_HEALTH_PORT, "MINIK8S_CM_HEALTH_PORT"),
        ("scheduler", SCHEDULER_HEALTH_PORT, "MINIK8S_SCHEDULER_HEALTH_PORT"),
    ):
        if _pid(state, name) is None and processes.port_open(port):
            raise processes.StartError(
                f"port {port} is taken by a process this cluster did not start; stop it "
                f"or set {var}"
            )


def _build_images(state: Path) -> None:
    """`make images` when the offline images are missing (idempotent and quick otherwise)."""
    script = Path(__file__).resolve().parents[2] / "deploy" / "images" / "build.sh"
    log = state / "logs" / "images.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        code = subprocess.run(
            ["bash", str(script)], stdout=out, stderr=subprocess.STDOUT
        ).returncode
    if code != 0:
        raise processes.StartError(f"building the offline images failed; see {log}")


# --------------------------------------------------------------------------- components


def cri_socket(state: Path) -> str:
    return f"unix://{state / 'run' / 'cri.sock'}"


def _api_url() -> str:
    return f"http://127.0.0.1:{API_PORT}"


def _daemon(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, "--server", _api_url(), *args]


def _command(state: Path, name: str) -> tuple[list[str], Callable[[], bool]]:
    """The daemon's command line and its readiness check."""
    etcd_url = f"http://127.0.0.1:{ETCD_PORT}"
    if name == "etcd":
        cmd = processes.etcd_command(state / "etcd", ETCD_PORT, ETCD_PEER_PORT)
        return cmd, lambda: processes.http_ok(f"{etcd_url}/health")
    if name == "apiserver":
        extra = [
            "--scheduler-health-address", f"127.0.0.1:{SCHEDULER_HEALTH_PORT}",
            "--controller-manager-health-address", f"127.0.0.1:{CM_HEALTH_PORT}",
            *api_address_flags(ensure_api_link()),
            *APISERVER_ARGS,
        ]  # fmt: skip
        extra += ["--service-cluster-ip-range", SERVICE_CIDR]
        cmd = processes.apiserver_command(etcd_url, API_PORT, extra)
        return cmd, lambda: processes.http_ok(f"{_api_url()}/readyz")
    if name == "controller-manager":
        cmd = _daemon(
            "controllers", "--healthz-port", str(CM_HEALTH_PORT),
            "--cluster-cidr", CLUSTER_CIDR, *addon_flags(), *CONTROLLER_MANAGER_ARGS,
        )  # fmt: skip
        return cmd, lambda: processes.http_ok(f"http://127.0.0.1:{CM_HEALTH_PORT}/healthz")
    if name == "scheduler":
        cmd = _daemon("scheduler", "--healthz-port", str(SCHEDULER_HEALTH_PORT), *SCHEDULER_ARGS)
        url = f"http://127.0.0.1:{SCHEDULER_HEALTH_PORT}/healthz"
        return cmd, lambda: processes.http_ok(url)
    if name == "cri":
        sock = state / "run" / "cri.sock"
        cmd = [
            sys.executable, "-m", "cridocker.main",
            "--listen", cri_socket(state),
            "--healthz-port", str(CRI_HEALTH_PORT),
            "--instance", CRI_INSTANCE,
            "--network-name", f"{CRI_INSTANCE}-pods",
        ]  # fmt: skip
        url = f"http://127.0.0.1:{CRI_HEALTH_PORT}/healthz"
        return cmd, lambda: sock.exists() and processes.http_ok(url)
    if name == "kubelet":
        # No --pod-cidr: node IPAM in the controller manager assigns the node's pod CIDR.
        cmd = _daemon(
            "kubelet.main",
            "--container-runtime-endpoint", cri_socket(state),
            "--root-dir", str(state / "kubelet"),
            "--pod-logs-dir", str(state / "pod-logs"),
            "--port", str(KUBELET_PORT),
            "--healthz-port", str(KUBELET_HEALTH_PORT),
            *cluster_dns_flags(),
            *KUBELET_ARGS,
        )  # fmt: skip
        url = f"http://127.0.0.1:{KUBELET_HEALTH_PORT}/readyz"
        return cmd, lambda: processes.http_ok(url)
    if name == "proxy":
        cmd = _daemon(
            "proxy", "--cluster-cidr", CLUSTER_CIDR, "--service-cluster-ip-range", SERVICE_CIDR,
            "--healthz-port", str(PROXY_HEALTH_PORT), *PROXY_ARGS,
        )  # fmt: skip
        url = f"http://127.0.0.1:{PROXY_HEALTH_PORT}/healthz"
        return cmd, lambda: processes.http_ok(url)
    raise ValueError(name)


def dns_server_ip(service_cidr: str = SERVICE_CIDR) -> str:
    """kube-dns's ClusterIP: the tenth address of the service range (10.96.0.10)."""
    return str(ipaddress.ip_network(service_cidr.split(",")[0], strict=False).network_address + 10)


def addon_flags() -> list[str]:
    """The controller manager's add-on flags (none when add-ons are off)."""
    if not ADDONS:
        return []
    return [
        "--addons-dir", str(ADDONS_DIR),
        "--service-cluster-ip-range", SERVICE_CIDR,
        "--cluster-domain", CLUSTER_DOMAIN,
    ]  # fmt: skip


def cluster_dns_flags() -> list[str]:
    """The kubelet's DNS flags: ClusterFirst pods ask kube-dns (when add-ons are on)."""
    if not ADDONS:
        return []
    return ["--cluster-dns", dns_server_ip(), "--cluster-domain", CLUSTER_DOMAIN]


def api_address_flags(pod_address: str | None) -> list[str]:
    """The API server listens on loopback (the daemons, kubectl) and on the host-only
    address it advertises to pods; without one it stays on loopback alone."""
    if not pod_address:
        return ["--bind-address", "127.0.0.1"]
    return ["--bind-address", f"127.0.0.1,{pod_address}", "--advertise-address", pod_address]


def ensure_api_link() -> str | None:
    """Make the host-only link and address of `API_POD_ADDRESS` (idempotent); None when
    switched off or impossible here (not root), and pods then cannot reach the API."""
    if not API_POD_ADDRESS:
        return None
    steps = [
        ["ip", "link", "add", API_LINK, "type", "bridge"],
        ["ip", "link", "set", API_LINK, "up"],
        ["ip", "addr", "replace", f"{API_POD_ADDRESS}/32", "dev", API_LINK],
    ]
    exists = subprocess.run(["ip", "link", "show", API_LINK], capture_output=True).returncode == 0
    for cmd in steps[1:] if exists else steps:
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            _say(
                "apiserver",
                f"cannot give pods an address of the API server ({' '.join(cmd)}: "
                f"{done.stderr.strip()}); it listens on loopback only",
            )
            return None
    return API_POD_ADDRESS


def _start(state: Path, name: str) -> int:
    """Start `name` under a supervisor and wait until it is ready; the supervisor's pid."""
    cmd, ready = _command(state, name)
    if name == "cri":
        (state / "run" / "cri.sock").unlink(missing_ok=True)  # a stale socket is not ready
    log = state / "logs" / f"{name}.log"
    proc = processes.spawn_supervised(name, cmd, log, state / "run" / f"{name}.child.pid")
    _write_pid(state, name, proc.pid)
    label = LABELS[name]

    def check() -> bool:
        if proc.poll() is not None:
            raise processes.StartError(f"{label} exited with {proc.returncode}; see {log}")
        return ready()

    timeout = 30 if name in ("etcd", "cri") else 60
    try:
        processes.wait_until(check, timeout, f"{label} (log: {log})", interval=0.1)
    except processes.StartError:
        processes.stop(proc, 30)
        (state / "run" / f"{name}.pid").unlink(missing_ok=True)
        raise
    return proc.pid


def _started_text(state: Path, name: str, pid: int) -> str:
    detail = {
        "etcd": f"http://127.0.0.1:{ETCD_PORT}, data {state / 'etcd'}",
        "apiserver": _api_url(),
        "cri": cri_socket(state),
        "kubelet": f"node port {KUBELET_PORT}",
        "proxy": "iptables of this machine",
    }.get(name)
    child = processes.read_pid(state / "run" / f"{name}.child.pid")
    what = f"supervisor {pid}" + (f", daemon {child}" if child else "")
    return f"started ({what}{', ' + detail if detail else ''})"


def node_name() -> str:
    """The name this machine's kubelet registers (its --hostname-override, or the host)."""
    for i, word in enumerate(KUBELET_ARGS):
        if word == "--hostname-override" and i + 1 < len(KUBELET_ARGS):
            return KUBELET_ARGS[i + 1].lower()
        if word.startswith("--hostname-override="):
            return word.split("=", 1)[1].lower()
    return socket.gethostname().lower()


def node_ready_since(node: dict[str, Any], since: datetime) -> bool:
    """Ready=True reported at or after `since` (not a stale status kept in etcd), with a
    pod CIDR: the node can run pods."""
    if not (node.get("spec") or {}).get("podCIDR"):
        return False
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready" and c.get("status") == "True":
            beat = parse_rfc3339(c.get("lastHeartbeatTime"))
            return beat is not None and beat >= since
    return False


def _wait_node_ready(state: Path, name: str, since: datetime) -> None:
    def ready() -> bool:
        try:
            r = httpx.get(f"{_api_url()}/api/v1/nodes/{name}", timeout=5)
        except httpx.HTTPError:
            return False
        return r.status_code == 200 and node_ready_since(r.json(), since)

    what = f"node {name} to be Ready (log: {state / 'logs' / 'kubelet.log'})"
    processes.wait_until(ready, NODE_READY_TIMEOUT, what, interval=0.5)


def dns_ready(server: str) -> tuple[int, int]:
    """(ready, wanted) replicas of the DNS add-on's Deployment; (0, 0) before it exists."""
    try:
        r = httpx.get(
            f"{server}/apis/apps/v1/namespaces/kube-system/deployments/coredns", timeout=5
        )
    except httpx.HTTPError:
        return 0, 0
    if r.status_code != 200:
        return 0, 0
    d = r.json()
    return int((d.get("status") or {}).get("readyReplicas") or 0), int(
        d["spec"].get("replicas") or 0
    )


def _wait_dns(began: float) -> None:
    """Wait (a while, not forever) for a ready DNS replica; a late DNS is no failure."""
    try:
        processes.wait_until(lambda: dns_ready(_api_url())[0] >= 1, DNS_READY_TIMEOUT, "dns", 0.5)
    except processes.StartError:
        _say("dns", f"not ready after {DNS_READY_TIMEOUT:.0f}s: `mkctl cluster status` tells more")
        return
    ready, wanted = dns_ready(_api_url())
    _say(
        "dns",
        f"kube-dns {dns_server_ip()}: {ready}/{wanted} ready "
        f"({time.monotonic() - began:.1f}s after `up` began)",
    )


def _print_try_this(state: Path, node: str) -> None:
    mkctl = "mkctl" if shutil.which("mkctl") else f"{Path(sys.executable).parent}/mkctl"
    if Path("~/.minik8s/config").expanduser() != KUBECONFIG:
        mkctl += f" --kubeconfig {KUBECONFIG}"
    example = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "web.yaml"
    print(
        f"""
minik8s is up: node {node} is Ready.
  kubectl: export KUBECONFIG={KUBECONFIG}   (or kubectl --kubeconfig {KUBECONFIG} get nodes)
Try this:
  {mkctl} cluster status
  {mkctl} apply -f {example}
  {mkctl} get pods -o wide
  {mkctl} get deploy,svc,endpoints
  {mkctl} scale deployment web --replicas=4
  kubectl run dns --image minik8s/busybox:latest --restart Never -- nslookup web; kubectl logs dns
  {mkctl} describe deployment web
  kill -9 $(cat {state / "run" / "scheduler.child.pid"}); {mkctl} cluster status   (it comes back)
Stop it with `make down`; the cluster's state stays in etcd for the next `make up`.""",
        flush=True,
    )


def up(state: Path) -> None:
    started_at = datetime.now(UTC).replace(microsecond=0)
    began = time.monotonic()
    state.mkdir(parents=True, exist_ok=True)
    _check_ports(state)
    _install_packages(state)
    if _pid(state, "cri") is None:
        _ensure_docker(state)
    # A node status kept in etcd from before `down` says Ready too: only a new kubelet's
    # report counts, unless the kubelet was running already.
    fresh_kubelet = False
    for name in COMPONENTS:
        label = LABELS[name]
        if name == "proxy" and not WITH_PROXY:
            _say(label, "not started (MINIK8S_PROXY=0)")
            continue
        if _pid(state, name) is not None:
            if name == "apiserver":
                processes.wait_until(
                    lambda: processes.http_ok(f"{_api_url()}/readyz"), 30, "mk-apiserver"
                )
            _say(label, "already running")
            continue
        if name == "cri":
            _build_images(state)
        if name == "kubelet":
            fresh_kubelet = True
        pid = _start(state, name)
        _say(label, _started_text(state, name, pid))
    write_kubeconfig(KUBECONFIG, _api_url())
    _say("kubeconfig", f"{KUBECONFIG}  (kubectl --kubeconfig {KUBECONFIG} get ns)")
    node = node_name()
    _wait_node_ready(state, node, started_at if fresh_kubelet else datetime.min.replace(tzinfo=UTC))
    _say("node", f"{node} Ready ({time.monotonic() - began:.1f}s after `up` began)")
    if ADDONS:
        _wait_dns(began)
    _print_try_this(state, node)


def _cleanup_proxy(state: Path) -> None:
    """What `mk-proxy --cleanup` removes: its chains, jump rules, routes and sink bridge."""
    with open(state / "logs" / "proxy.log", "ab") as log:
        subprocess.run(
            [sys.executable, "-m", "proxy.main", "--cleanup"],
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )


def _remove_pod_containers() -> None:
    """Pods do not outlive `make down`; the next kubelet recreates them from the API."""
    label = f"label=io.minik8s.cri.instance={CRI_INSTANCE}"
    ids = subprocess.run(
        ["docker", "ps", "-aq", "--filter", label], capture_output=True, text=True, timeout=60
    ).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)
        _say("containers", f"removed {len(ids)} pod container(s)")
    # The pod bridge goes too; the shim recreates it with the node's pod CIDR.
    subprocess.run(
        ["docker", "network", "rm", f"{CRI_INSTANCE}-pods"], capture_output=True, timeout=60
    )


def down(state: Path) -> None:
    for name in reversed(COMPONENTS):
        pid = _pid(state, name)
        if pid is None:
            _say(LABELS[name], "not running")
        else:
            # The supervisor forwards SIGTERM and SIGKILLs its daemon after 20 s.
            processes.stop_pid(pid, timeout=30)
            _say(LABELS[name], f"stopped (pid {pid})")
        (state / "run" / f"{name}.pid").unlink(missing_ok=True)
        child = processes.read_pid(state / "run" / f"{name}.child.pid")
        if child is not None:  # a daemon whose supervisor was killed
            processes.stop_pid(child, timeout=20)
        (state / "run" / f"{name}.child.pid").unlink(missing_ok=True)
        if pid is None:
            continue
        if name == "cri" and shutil.which("docker"):
            _remove_pod_containers()
        if name == "proxy":
            _cleanup_proxy(state)


def status(state: Path) -> int:
    running = 0
    for name in COMPONENTS:
        pid = _pid(state, name)
        child = processes.read_pid(state / "run" / f"{name}.child.pid")
        if pid is None:
            text = "stopped"
        elif child is None:
            text = f"restarting (supervisor {pid})"
        else:
            text = f"running (supervisor {pid}, daemon {child})"
        _say(LABELS[name], text)
        running += pid is not None
    expected = len(COMPONENTS) - (0 if WITH_PROXY else 1)
    return 0 if running >= expected else 1


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m minik8s.cluster.local", description="Run the one-machine minik8s cluster."
    )
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument(
        "--state-dir", default=".minik8s", type=Path, help="where etcd data, logs and pidfiles live"
    )
    args = p.parse_args(argv)
    try:
        if args.action == "up":
            up(args.state_dir.resolve())
        elif args.action == "down":
            down(args.state_dir.resolve())
        else:
            sys.exit(status(args.state_dir.resolve()))
    except processes.StartError as e:
        hint = "; `make down` stops what was started" if args.action == "up" else ""
        print(f"error: {e}{hint}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: `make down` stops what was started", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
