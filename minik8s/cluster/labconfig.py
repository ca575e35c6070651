"""The lab's settings and layout: addresses, names, paths and daemons' command lines.

Pure (no process is started here), so `mkctl lab` and the tests share one definition of
where everything lives: `LabConfig` holds what `lab up` decided and is saved as `lab.json`
in the state directory, from which `down`, `status` and `node stop|start` read it back.
Addresses: the host is the first address of the lab subnet (10.250.0.1), node K is the
eleventh plus K (10.250.0.11, .12, ...); a node's engine bridge (`--bip`) is 172.30.K.1/24,
apart from the podCIDRs (`--cluster-cidr`) the shim's pod network uses.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shlex
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import netns, processes

DEFAULT_STATE = Path("~/.minik8s/lab")
RUN_ROOT = Path("/run")
IMAGES = (
    "minik8s/pause:latest",
    "minik8s/busybox:latest",
    "minik8s/shell:latest",
    "minik8s/httpd:latest",
    "minik8s/httpd:v2",
    "minik8s/dns:latest",
)
ADDONS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "addons"
SERVICE_CIDR = "10.96.0.0/12"  # the API server's default; kube-dns gets its tenth address
CLUSTER_DNS = "10.96.0.10"
MAX_NODES = 50
CONTROL_PLANE = ("etcd", "apiserver", "controller-manager", "scheduler")
NODE_COMPONENTS = ("docker", "cri", "kubelet", "proxy")
LABELS = {
    "etcd": "etcd",
    "apiserver": "mk-apiserver",
    "controller-manager": "mk-controller-manager",
    "scheduler": "mk-scheduler",
    "docker": "dockerd",
    "cri": "mk-cri-docker",
    "kubelet": "mk-kubelet",
    "proxy": "mk-proxy",
}


class LabError(RuntimeError):
    """Something the user can act on; printed as one line."""


@dataclass
class LabConfig:
    """Everything `lab up` decided; saved as lab.json in the state directory."""

    nodes: int = 3
    state: str = str(DEFAULT_STATE.expanduser())
    name: str = "mklab"
    subnet: str = "10.250.0.0/24"
    api_port: int = 6443
    etcd_port: int = 12379
    etcd_peer_port: int = 12380
    cluster_cidr: str = "10.244.0.0/16"
    addons: bool = True  # deploy/addons (cluster DNS) kept applied; kubelets use kube-dns
    apiserver_args: list[str] = field(default_factory=list)
    controller_manager_args: list[str] = field(default_factory=list)
    scheduler_args: list[str] = field(default_factory=list)
    kubelet_args: list[str] = field(default_factory=list)
    proxy_args: list[str] = field(default_factory=list)

    # ---- derived names and addresses (pure, unit-tested)

    @property
    def state_dir(self) -> Path:
        return Path(self.state)

    @property
    def bridge(self) -> str:
        """The host's link into the lab (the bridge itself is `br0` in the switch namespace)."""
        return f"{self.name}0"

    @property
    def switch(self) -> str:
        return f"{self.name}-switch"

    @property
    def host_ip(self) -> str:
        return str(next(ipaddress.ip_network(self.subnet).hosts()))

    @property
    def prefix(self) -> int:
        return ipaddress.ip_network(self.subnet).prefixlen

    @property
    def server(self) -> str:
        return f"http://{self.host_ip}:{self.api_port}"

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "config"

    def node_names(self) -> list[str]:
        return [f"node{k}" for k in range(1, self.nodes + 1)]

    def node_index(self, node: str) -> int:
        if node not in self.node_names():
            raise LabError(f"no node {node!r} in this lab (nodes: {', '.join(self.node_names())})")
        return int(node.removeprefix("node"))

    def node_ip(self, node: str) -> str:
        net = ipaddress.ip_network(self.subnet)
        return str(net.network_address + 10 + self.node_index(node))

    def netns(self, node: str) -> str:
        return f"{self.name}-{node}"

    def switch_port(self, node: str) -> str:
        return f"v{self.node_index(node)}"

    def run_dir(self, node: str) -> Path:
        return RUN_ROOT / self.name / node

    def node_dir(self, node: str) -> Path:
        return self.state_dir / "nodes" / node

    def docker_sock(self, node: str) -> Path:
        return self.run_dir(node) / "docker.sock"

    def cri_sock(self, node: str) -> Path:
        return self.run_dir(node) / "cri.sock"

    def validate(self) -> None:
        if not 1 <= self.nodes <= MAX_NODES:
            raise LabError(f"--nodes must be between 1 and {MAX_NODES}, not {self.nodes}")
        try:
            net = ipaddress.ip_network(self.subnet)
        except ValueError as e:
            raise LabError(f"--subnet {self.subnet!r} is not a network: {e}") from None
        if net.num_addresses < 16 + self.nodes:
            raise LabError(f"--subnet {self.subnet} is too small for {self.nodes} nodes")
        if not net.is_private:
            raise LabError(f"--subnet {self.subnet} must be a private range")


# --------------------------------------------------------------------------- commands


def supervised(name: str, run: Path, cmd: list[str], ns: str | None) -> list[str]:
    """`cmd` under the supervisor (daemon pid in `run/<name>.child.pid`), the whole thing in
    network namespace `ns` when given."""
    wrapper = processes.supervised_command(name, cmd, run / f"{name}.child.pid")
    if ns is None:
        return wrapper
    return ["nsenter", f"--net={netns.netns_path(ns)}", *wrapper]


def control_commands(cfg: LabConfig) -> dict[str, list[str]]:
    """The control plane's command lines (before supervision)."""
    py = sys.executable
    health = ["--healthz-bind-address", cfg.host_ip, "--server", cfg.server]
    etcd = processes.etcd_command(cfg.state_dir / "etcd", cfg.etcd_port, cfg.etcd_peer_port)
    return {
        "etcd": etcd,
        "apiserver": [
            py, "-m", "apiserver.main",
            "--etcd-servers", f"http://127.0.0.1:{cfg.etcd_port}",
            "--bind-address", cfg.host_ip,
            "--port", str(cfg.api_port),
            # componentstatuses must probe this lab's daemons, not a `make up` cluster's
            "--scheduler-health-address", f"{cfg.host_ip}:10259",
            "--controller-manager-health-address", f"{cfg.host_ip}:10257",
            *cfg.apiserver_args,
        ],
        "controller-manager": [
            py, "-m", "controllers", *health,
            "--cluster-cidr", cfg.cluster_cidr,
            *(["--addons-dir", str(ADDONS_DIR), "--service-cluster-ip-range", SERVICE_CIDR]
              if cfg.addons else []),
            *cfg.controller_manager_args,
        ],
        "scheduler": [py, "-m", "scheduler", *health, *cfg.scheduler_args],
    }  # fmt: skip


def node_commands(cfg: LabConfig, node: str) -> dict[str, list[str]]:
    """A node's command lines (before supervision and nsenter)."""
    py, k, ip = sys.executable, cfg.node_index(node), cfg.node_ip(node)
    run, data = cfg.run_dir(node), cfg.node_dir(node)
    return {
        "docker": [
            "dockerd",
            "--data-root", str(data / "docker"),
            "--exec-root", str(run / "exec"),
            "--host", f"unix://{cfg.docker_sock(node)}",
            "--pidfile", str(run / "docker.pid"),
            "--bip", f"172.30.{k}.1/24",
            "--cgroup-parent", f"{cfg.name}-{node}",
            "--log-level", "warn",
            # containers left at a stop get 3 s, not 15: a stopped node is a failed node
            "--shutdown-timeout", "3",
        ],
        "cri": [
            py, "-m", "cridocker.main",
            "--listen", f"unix://{cfg.cri_sock(node)}",
            "--docker-endpoint", f"unix://{cfg.docker_sock(node)}",
            "--instance", cfg.name,
            "--network-name", f"{cfg.name}-pods",
            "--healthz-bind-address", ip,
        ],
        "kubelet": [
            py, "-m", "kubelet.main",
            "--server", cfg.server,
            "--hostname-override", node,
            "--node-ip", ip,
            "--container-runtime-endpoint", f"unix://{cfg.cri_sock(node)}",
            "--root-dir", str(data / "kubelet"),
            "--pod-logs-dir", str(data / "pod-logs"),
            "--healthz-bind-address", ip,
            *(["--cluster-dns", CLUSTER_DNS] if cfg.addons else []),
            *cfg.kubelet_args,
        ],
        "proxy": [
            py, "-m", "proxy.main",
            "--server", cfg.server,
            "--hostname-override", node,
            "--node-ip", ip,
            "--cluster-cidr", cfg.cluster_cidr,
            "--healthz-bind-address", ip,
            *cfg.proxy_args,
        ],
    }  # fmt: skip


# --------------------------------------------------------------------------- state


def save(cfg: LabConfig) -> None:
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    (cfg.state_dir / "lab.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")


def load(state: Path) -> LabConfig:
    path = state.expanduser() / "lab.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise LabError(f"no lab in {state} (no lab.json); start one with `mkctl lab up`") from None
    except (OSError, ValueError) as e:
        raise LabError(f"cannot read {path}: {e}") from None
    return LabConfig(**data)


def run_dir_of(cfg: LabConfig, node: str | None) -> Path:
    return cfg.state_dir / "run" if node is None else cfg.node_dir(node) / "run"


def log_of(cfg: LabConfig, name: str, node: str | None) -> Path:
    logs = cfg.state_dir / "logs"
    return logs / (f"{name}.log" if node is None else f"{node}-{name}.log")


def read_pid(path: Path) -> int | None:
    """The pid in `path` if that process is alive."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def pid_of(cfg: LabConfig, name: str, node: str | None = None, child: bool = False) -> int | None:
    suffix = ".child.pid" if child else ".pid"
    return read_pid(run_dir_of(cfg, node) / f"{name}{suffix}")


def parse_args_words(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as e:
        raise LabError(f"cannot split {value!r} into words: {e}") from None
