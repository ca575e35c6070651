"""`make up` / `make down`: the embedded one-machine cluster.

    python -m minik8s.cluster.local up|down|status [--state-dir .minik8s]

`up` is idempotent: a component whose pidfile names a live process is left alone. Data
(etcd), logs, pidfiles and the CRI socket live under the state directory, so the cluster's
state survives `down` + `up`. `up` checks its ports and the Docker engine before starting
anything, builds the offline images when they are missing, and returns once the API server
answers /readyz, the CRI shim's socket exists and the kubeconfig at `~/.minik8s/config`
points at the API server. Each later daemon joins `COMPONENTS` here.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

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


def _pid(state: Path, name: str) -> int | None:
    try:
        pid = int((state / "run" / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


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


def _check_docker() -> None:
    if shutil.which("docker") is None:
        raise processes.StartError(
            "docker is not installed: apt-get install -y docker.io busybox-static"
        )
    ok = subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    if not ok:
        raise processes.StartError(
            "the Docker engine is not running (mk-cri-docker needs it): start it with "
            "`dockerd >/var/log/dockerd.log 2>&1 &`"
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


def cri_socket(state: Path) -> str:
    return f"unix://{state / 'run' / 'cri.sock'}"


def _start_cri(state: Path, log: Path) -> subprocess.Popen[bytes]:
    sock = state / "run" / "cri.sock"
    proc = processes.spawn(
        [
            sys.executable,
            "-m",
            "cridocker.main",
            "--listen",
            cri_socket(state),
            "--healthz-port",
            str(CRI_HEALTH_PORT),
            "--instance",
            CRI_INSTANCE,
            "--network-name",
            f"{CRI_INSTANCE}-pods",
        ],
        log,
    )

    def ready() -> bool:
        if proc.poll() is not None:
            raise processes.StartError(f"mk-cri-docker exited with {proc.returncode}; see {log}")
        return sock.exists()

    processes.wait_until(ready, 30, f"mk-cri-docker on {sock} (log: {log})")
    return proc


def _start_daemon(
    name: str, module: str, args: list[str], ready_url: str, log: Path
) -> subprocess.Popen[bytes]:
    """Start `python -m module --server <API> args…` and wait until `ready_url` answers 200."""
    cmd = [sys.executable, "-m", module, "--server", f"http://127.0.0.1:{API_PORT}", *args]
    proc = processes.spawn(cmd, log)

    def ready() -> bool:
        if proc.poll() is not None:
            raise processes.StartError(f"{name} exited with {proc.returncode}; see {log}")
        return processes.http_ok(ready_url)

    processes.wait_until(ready, 60, f"{name} (log: {log})")
    return proc


def _start_control_daemon(
    name: str, module: str, health_port: int, log: Path, extra: list[str]
) -> subprocess.Popen[bytes]:
    args = ["--healthz-port", str(health_port), *extra]
    return _start_daemon(name, module, args, f"http://127.0.0.1:{health_port}/healthz", log)


def _start_kubelet(state: Path, log: Path) -> subprocess.Popen[bytes]:
    # No --pod-cidr: node IPAM in the controller manager assigns the node's pod CIDR.
    args = [
        "--container-runtime-endpoint", cri_socket(state),
        "--root-dir", str(state / "kubelet"),
        "--pod-logs-dir", str(state / "pod-logs"),
        "--port", str(KUBELET_PORT),
        "--healthz-port", str(KUBELET_HEALTH_PORT),
        *KUBELET_ARGS,
    ]  # fmt: skip
    ready = f"http://127.0.0.1:{KUBELET_HEALTH_PORT}/readyz"
    return _start_daemon("mk-kubelet", "kubelet.main", args, ready, log)


def _start_proxy(state: Path, log: Path) -> subprocess.Popen[bytes]:
    args = ["--cluster-cidr", CLUSTER_CIDR, "--healthz-port", str(PROXY_HEALTH_PORT), *PROXY_ARGS]
    ready = f"http://127.0.0.1:{PROXY_HEALTH_PORT}/healthz"
    return _start_daemon("mk-proxy", "proxy", args, ready, log)


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
        print(f"{'containers':<14} removed {len(ids)} pod container(s)")
    # The pod bridge goes too; the shim recreates it with the node's pod CIDR.
    subprocess.run(
        ["docker", "network", "rm", f"{CRI_INSTANCE}-pods"], capture_output=True, timeout=60
    )


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


def up(state: Path) -> None:
    state.mkdir(parents=True, exist_ok=True)
    _check_ports(state)
    if _pid(state, "cri") is None:
        _check_docker()
    logs = state / "logs"
    etcd_url = f"http://127.0.0.1:{ETCD_PORT}"
    if _pid(state, "etcd") is None:
        proc = processes.start_etcd(state / "etcd", ETCD_PORT, ETCD_PEER_PORT, logs / "etcd.log")
        _write_pid(state, "etcd", proc.pid)
        print(f"etcd           started (pid {proc.pid}, {etcd_url}, data {state / 'etcd'})")
    else:
        print("etcd           already running")
    if _pid(state, "apiserver") is None:
        proc = processes.start_apiserver(etcd_url, API_PORT, logs / "apiserver.log")
        _write_pid(state, "apiserver", proc.pid)
        print(f"mk-apiserver   started (pid {proc.pid}, http://127.0.0.1:{API_PORT})")
    else:
        processes.wait_until(
            lambda: processes.http_ok(f"http://127.0.0.1:{API_PORT}/readyz"), 30, "mk-apiserver"
        )
        print("mk-apiserver   already running")
    if _pid(state, "controller-manager") is None:
        proc = _start_control_daemon(
            "mk-controller-manager",
            "controllers",
            CM_HEALTH_PORT,
            logs / "controller-manager.log",
            ["--cluster-cidr", CLUSTER_CIDR, *CONTROLLER_MANAGER_ARGS],
        )
        _write_pid(state, "controller-manager", proc.pid)
        print(f"mk-controller-manager started (pid {proc.pid})")
    else:
        print("mk-controller-manager already running")
    if _pid(state, "scheduler") is None:
        proc = _start_control_daemon(
            "mk-scheduler",
            "scheduler",
            SCHEDULER_HEALTH_PORT,
            logs / "scheduler.log",
            SCHEDULER_ARGS,
        )
        _write_pid(state, "scheduler", proc.pid)
        print(f"mk-scheduler   started (pid {proc.pid})")
    else:
        print("mk-scheduler   already running")
    if _pid(state, "cri") is None:
        _build_images(state)
        proc = _start_cri(state, logs / "cri.log")
        _write_pid(state, "cri", proc.pid)
        print(f"mk-cri-docker  started (pid {proc.pid}, {cri_socket(state)})")
    else:
        print("mk-cri-docker  already running")
    if _pid(state, "kubelet") is None:
        proc = _start_kubelet(state, logs / "kubelet.log")
        _write_pid(state, "kubelet", proc.pid)
        print(f"mk-kubelet     started (pid {proc.pid}, node port {KUBELET_PORT})")
    else:
        print("mk-kubelet     already running")
    if not WITH_PROXY:
        print("mk-proxy       not started (MINIK8S_PROXY=0)")
    elif _pid(state, "proxy") is None:
        proc = _start_proxy(state, logs / "proxy.log")
        _write_pid(state, "proxy", proc.pid)
        print(f"mk-proxy       started (pid {proc.pid}, iptables of this machine)")
    else:
        print("mk-proxy       already running")
    write_kubeconfig(KUBECONFIG, f"http://127.0.0.1:{API_PORT}")
    print(f"kubeconfig     {KUBECONFIG}  (kubectl --kubeconfig {KUBECONFIG} get ns)")


def down(state: Path) -> None:
    for name in reversed(COMPONENTS):
        pid = _pid(state, name)
        if pid is None:
            print(f"{LABELS[name]:<14} not running")
            continue
        processes.stop_pid(pid, timeout=30)
        (state / "run" / f"{name}.pid").unlink(missing_ok=True)
        print(f"{LABELS[name]:<14} stopped (pid {pid})")
        if name == "cri" and shutil.which("docker"):
            _remove_pod_containers()
        if name == "proxy":
            _cleanup_proxy(state)


def status(state: Path) -> int:
    running = 0
    for name in COMPONENTS:
        pid = _pid(state, name)
        print(f"{LABELS[name]:<14} {f'running (pid {pid})' if pid else 'stopped'}")
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
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
