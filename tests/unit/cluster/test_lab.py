"""The lab's pure parts: addresses, names, command lines, saved settings, and mkctl's errors."""

from __future__ import annotations

import io
import ipaddress
from pathlib import Path

import pytest

from minik8s.cluster import lab, labconfig
from minik8s.ctl import main as ctl


def test_addresses_and_names_follow_the_subnet(tmp_path: Path) -> None:
    cfg = lab.LabConfig(nodes=3, state=str(tmp_path))
    assert cfg.host_ip == "10.250.0.1"
    assert cfg.server == "http://10.250.0.1:6443"
    assert cfg.node_names() == ["node1", "node2", "node3"]
    assert [cfg.node_ip(n) for n in cfg.node_names()] == [
        "10.250.0.11",
        "10.250.0.12",
        "10.250.0.13",
    ]
    assert cfg.netns("node2") == "mklab-node2"
    assert cfg.kubeconfig == tmp_path / "config"
    other = lab.LabConfig(nodes=2, state=str(tmp_path), subnet="192.168.77.0/24")
    assert other.host_ip == "192.168.77.1" and other.node_ip("node2") == "192.168.77.12"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nodes": 0}, "--nodes must be between 1"),
        ({"subnet": "8.8.8.0/24"}, "must be a private range"),
        ({"subnet": "10.250.0.0/29"}, "too small"),
        ({"subnet": "not-a-net"}, "is not a network"),
    ],
)
def test_validate_rejects_bad_settings(changes: dict[str, object], message: str) -> None:
    cfg = lab.LabConfig(**changes)  # type: ignore[arg-type]
    with pytest.raises(lab.LabError, match=message):
        cfg.validate()


def test_unknown_node_is_a_readable_error() -> None:
    with pytest.raises(lab.LabError, match="no node 'node7'.*node1, node2"):
        lab.LabConfig(nodes=2).node_ip("node7")


def test_node_daemons_point_at_the_bridge_and_their_own_engine(tmp_path: Path) -> None:
    cfg = lab.LabConfig(nodes=3, state=str(tmp_path), kubelet_args=["--max-pods", "20"])
    cmds = lab.node_commands(cfg, "node2")
    kubelet = cmds["kubelet"]
    for flag, value in (
        ("--server", "http://10.250.0.1:6443"),
        ("--hostname-override", "node2"),
        ("--node-ip", "10.250.0.12"),
        ("--container-runtime-endpoint", f"unix://{cfg.cri_sock('node2')}"),
        ("--max-pods", "20"),
    ):
        assert kubelet[kubelet.index(flag) + 1] == value
    cri = cmds["cri"]
    assert cri[cri.index("--docker-endpoint") + 1] == f"unix://{cfg.docker_sock('node2')}"
    docker = cmds["docker"]
    assert docker[docker.index("--data-root") + 1].startswith(str(tmp_path))
    # the engine's own bridge never overlaps the pod network the shim makes
    bip = ipaddress.ip_interface(docker[docker.index("--bip") + 1]).network
    assert not bip.overlaps(ipaddress.ip_network(cfg.cluster_cidr))
    proxy = cmds["proxy"]
    assert proxy[proxy.index("--cluster-cidr") + 1] == cfg.cluster_cidr
    # distinct engines: no two nodes share a socket or data root
    other = lab.node_commands(cfg, "node3")["docker"]
    assert set(docker) & set(other) <= {"dockerd", "--data-root", "--exec-root", "--host",
                                        "--pidfile", "--bip", "--cgroup-parent", "--log-level",
                                        "warn", "--shutdown-timeout", "3"}  # fmt: skip


def test_node_daemons_are_supervised_inside_the_namespace(tmp_path: Path) -> None:
    cfg = lab.LabConfig(state=str(tmp_path))
    run = tmp_path / "run"
    cmd = labconfig.supervised("kubelet", run, ["mk-kubelet"], cfg.netns("node1"))
    assert cmd[:2] == ["nsenter", "--net=/var/run/netns/mklab-node1"]
    assert "minik8s.cluster.supervise" in cmd
    assert cmd[cmd.index("--child-pidfile") + 1] == str(run / "kubelet.child.pid")
    assert cmd[-2:] == ["--", "mk-kubelet"]
    assert labconfig.supervised("etcd", run, ["etcd"], None)[0] != "nsenter"


def test_control_plane_listens_on_the_lab_address(tmp_path: Path) -> None:
    cfg = lab.LabConfig(state=str(tmp_path), controller_manager_args=["--node-eviction-rate", "9"])
    cmds = lab.control_commands(cfg)
    api = cmds["apiserver"]
    assert api[api.index("--bind-address") + 1] == "10.250.0.1"
    assert api[api.index("--etcd-servers") + 1] == "http://127.0.0.1:12379"
    assert api[api.index("--scheduler-health-address") + 1] == "10.250.0.1:10259"
    cm = cmds["controller-manager"]
    assert cm[-2:] == ["--node-eviction-rate", "9"]
    assert cm[cm.index("--healthz-bind-address") + 1] == "10.250.0.1"


def test_settings_survive_save_and_load(tmp_path: Path) -> None:
    cfg = lab.LabConfig(nodes=5, state=str(tmp_path), proxy_args=["-v", "1"])
    lab.save(cfg)
    assert lab.load(tmp_path) == cfg
    with pytest.raises(lab.LabError, match="no lab in"):
        lab.load(tmp_path / "nothing")


def _mkctl(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = ctl.run(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_mkctl_lab_errors_are_one_line(tmp_path: Path) -> None:
    code, _, err = _mkctl("lab", "status", "--state-dir", str(tmp_path))
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: no lab in")
    code, _, err = _mkctl("lab", "up", "--nodes", "0", "--state-dir", str(tmp_path))
    assert code == 1 and err.startswith("error: --nodes must be between 1")
    lab.save(lab.LabConfig(nodes=2, state=str(tmp_path)))
    code, _, err = _mkctl("lab", "node", "stop", "node9", "--state-dir", str(tmp_path))
    assert code == 1 and err.startswith("error: no node 'node9'")
    code, _, err = _mkctl("lab", "up", "--kubelet-args", "'unclosed", "--state-dir", str(tmp_path))
    assert code == 1 and "cannot split" in err
