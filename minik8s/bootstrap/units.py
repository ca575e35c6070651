"""The systemd units of every daemon, rendered from one table.

`deploy/systemd/` holds the rendered files (control plane and node) for people who copy
them by hand; `mkctl join` renders the node's three units itself, pointing at the directory
the running minik8s is installed in, so a pip-installed minik8s needs no source checkout.
A unit test keeps `deploy/systemd/` equal to what this module renders.

Each unit reads `EnvironmentFile=-/etc/minik8s/<name>.env` and appends `$MK_<NAME>_ARGS`
(split at whitespace by systemd) to its fixed flags, so a machine's settings live in those
small env files and the units never need editing. Pure rendering; no I/O but `main`.

    python -m minik8s.bootstrap.units DIR    # (re)writes DIR/*.service and DIR/env/*.env
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CONTROL_PLANE",
    "DEFAULT_BIN_DIR",
    "ETC_DIR",
    "NODE",
    "UNITS",
    "Unit",
    "check_arg",
    "render_env",
    "render_unit",
]

DEFAULT_BIN_DIR = "/opt/minik8s/venv/bin"
ETC_DIR = "/etc/minik8s"
CRI_SOCKET = "unix:///run/minik8s/cri.sock"
KUBELET_KUBECONFIG = f"{ETC_DIR}/kubelet.conf"
LOCAL_API = "http://127.0.0.1:6443"
ETCD_CLIENT = "http://127.0.0.1:2379"
ETCD_PEER = "http://127.0.0.1:2380"
ADDONS_DIR = f"{ETC_DIR}/addons"  # a copy of deploy/addons (the DNS add-on)
CLUSTER_DNS = "10.96.0.10"  # kube-dns: the tenth address of the default service range


@dataclass(frozen=True)
class Unit:
    name: str  # the unit's name without `.service`
    description: str
    command: tuple[str, ...]  # argv; a first word without `/` is a console script in bin_dir
    after: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    # the env file's default settings (flags appended to `command`) and what they mean
    default_args: tuple[str, ...] = ()
    env_help: tuple[str, ...] = ()
    extra: tuple[str, ...] = field(default_factory=tuple)  # more [Service] lines

    @property
    def env_var(self) -> str:
        return "MK_" + self.name.removeprefix("mk-").upper().replace("-", "_") + "_ARGS"

    @property
    def env_file(self) -> str:
        return f"{ETC_DIR}/{self.name.removeprefix('mk-')}.env"


_NETWORK = ("network-online.target",)

UNITS: dict[str, Unit] = {
    u.name: u
    for u in (
        Unit(
            "mk-etcd",
            "minik8s etcd (the cluster's store, on loopback only)",
            tuple(
                f"/usr/bin/etcd --name minik8s --data-dir /var/lib/minik8s/etcd"
                f" --listen-client-urls {ETCD_CLIENT} --advertise-client-urls {ETCD_CLIENT}"
                f" --listen-peer-urls {ETCD_PEER} --initial-advertise-peer-urls {ETCD_PEER}"
                f" --initial-cluster minik8s={ETCD_PEER}".split()
            ),
            after=_NETWORK,
            wants=_NETWORK,
            default_args=("--log-level", "warn", "--logger", "zap"),
            env_help=("More etcd flags; etcd stays on 127.0.0.1 (only mk-apiserver uses it).",),
            extra=("StateDirectory=minik8s",),
        ),
        Unit(
            "mk-apiserver",
            "minik8s API server",
            ("mk-apiserver", "--etcd-servers", ETCD_CLIENT),
            after=("network-online.target", "mk-etcd.service"),
            wants=("network-online.target", "mk-etcd.service"),
            default_args=("--bind-address", "0.0.0.0", "--port", "6443"),
            env_help=(
                "Where nodes reach the API server. It has no authentication yet: serve it",
                "only on a private network (or set --bind-address to this VM's private",
                "address and point the other units' --server at it).",
            ),
        ),
        Unit(
            "mk-controller-manager",
            "minik8s controller manager",
            ("mk-controller-manager", "--server", LOCAL_API, "--addons-dir", ADDONS_DIR),
            after=("mk-apiserver.service",),
            wants=("mk-apiserver.service",),
            default_args=("--cluster-cidr", "10.244.0.0/16"),
            env_help=("Pod addresses of the whole cluster; each node gets a /24 of it.",),
        ),
        Unit(
            "mk-scheduler",
            "minik8s scheduler",
            ("mk-scheduler", "--server", LOCAL_API),
            after=("mk-apiserver.service",),
            wants=("mk-apiserver.service",),
            env_help=("More mk-scheduler flags (see mk-scheduler --help).",),
        ),
        Unit(
            "mk-cri-docker",
            "minik8s CRI shim (runs pods as Docker containers)",
            ("mk-cri-docker", "--listen", CRI_SOCKET),
            after=("docker.service",),
            requires=("docker.service",),
            env_help=(
                "More mk-cri-docker flags, e.g. --pause-image (default minik8s/pause:latest,",
                "built by deploy/images/build.sh; registry.k8s.io/pause:3.9 with internet).",
            ),
            extra=("RuntimeDirectory=minik8s", "RuntimeDirectoryPreserve=yes"),
        ),
        Unit(
            "mk-kubelet",
            "minik8s kubelet (the node agent)",
            tuple(
                f"mk-kubelet --kubeconfig {KUBELET_KUBECONFIG}"
                f" --container-runtime-endpoint {CRI_SOCKET}"
                f" --cluster-dns {CLUSTER_DNS} --cluster-domain cluster.local".split()
            ),
            after=("network-online.target", "docker.service", "mk-cri-docker.service"),
            wants=("network-online.target", "mk-cri-docker.service"),
            env_help=("This node's name and address (mkctl join writes them).",),
        ),
        Unit(
            "mk-proxy",
            "minik8s proxy agent (Services through iptables, routes to other nodes' pods)",
            ("mk-proxy", "--kubeconfig", KUBELET_KUBECONFIG),
            after=("network-online.target", "mk-kubelet.service"),
            wants=("network-online.target",),
            default_args=("--cluster-cidr", "10.244.0.0/16"),
            env_help=("This node's name and the cluster's pod CIDR (mkctl join writes them).",),
        ),
    )
}

CONTROL_PLANE = ("mk-etcd", "mk-apiserver", "mk-controller-manager", "mk-scheduler")
NODE = ("mk-cri-docker", "mk-kubelet", "mk-proxy")


def _exec_start(unit: Unit, bin_dir: str) -> str:
    program, *args = unit.command
    if "/" not in program:
        program = f"{bin_dir.rstrip('/')}/{program}"
    return shlex.join([program, *args]) + f" ${unit.env_var}"


def render_unit(unit: Unit, bin_dir: str = DEFAULT_BIN_DIR) -> str:
    """The `.service` file of `unit`, its console script taken from `bin_dir`."""
    lines = ["[Unit]", f"Description={unit.description}"]
    if unit.wants:
        lines.append("Wants=" + " ".join(unit.wants))
    if unit.requires:
        lines.append("Requires=" + " ".join(unit.requires))
    if unit.after:
        lines.append("After=" + " ".join(unit.after))
    lines += [
        "",
        "[Service]",
        f"EnvironmentFile=-{unit.env_file}",
        f"ExecStart={_exec_start(unit, bin_dir)}",
        "Restart=always",
        "RestartSec=2",
        # stop quickly: every daemon finishes its work within a few seconds of SIGTERM
        "TimeoutStopSec=30",
        *unit.extra,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    return "\n".join(lines)


def check_arg(word: str) -> str:
    """A word for an env file: systemd splits `$VAR` at whitespace without unquoting, so
    a word must hold no whitespace, quote, backslash or `$`; `ValueError` otherwise."""
    if not word or any(c.isspace() or c in "\"'\\$" for c in word):
        raise ValueError(f"{word!r} cannot go into a systemd env file (space, quote, \\ or $)")
    return word


def render_env(unit: Unit, args: Sequence[str] | None = None) -> str:
    """The env file of `unit` with `args` (default: the unit's defaults)."""
    chosen = [check_arg(a) for a in (unit.default_args if args is None else args)]
    comments = [f"# {line}" for line in unit.env_help]
    return "\n".join([*comments, f'{unit.env_var}="{" ".join(chosen)}"', ""])


def write_all(directory: Path, bin_dir: str = DEFAULT_BIN_DIR) -> list[Path]:
    """Every unit and default env file under `directory` (what `deploy/systemd/` holds)."""
    written: list[Path] = []
    (directory / "env").mkdir(parents=True, exist_ok=True)
    for unit in UNITS.values():
        service = directory / f"{unit.name}.service"
        service.write_text(render_unit(unit, bin_dir))
        env = directory / "env" / Path(unit.env_file).name
        env.write_text(render_env(unit))
        written += [service, env]
    return written


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m minik8s.bootstrap.units DIR", file=sys.stderr)
        sys.exit(2)
    for path in write_all(Path(args[0])):
        print(path)


if __name__ == "__main__":
    main()
