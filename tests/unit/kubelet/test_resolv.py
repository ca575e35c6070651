"""A pod's resolv.conf for every dnsPolicy, dnsConfig merging and limits; /etc/hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubelet.resolv import (
    ResolvConf,
    hosts_file,
    manages_hosts,
    parse_resolv_conf,
    pod_resolv_conf,
    write_hosts,
)
from kubelet.specs import PodSettings, container_config, dns_config

NODE = parse_resolv_conf(
    "# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54 # second\n"
    "search corp.example lab.example\noptions edns0 timeout:2\n"
)
DNS = ["10.96.0.10"]


def _pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": "shop", "uid": "u1"}, "spec": spec}


def test_node_resolv_conf_is_parsed() -> None:
    assert (
        ResolvConf(
            ["192.0.2.53", "192.0.2.54"], ["corp.example", "lab.example"], ["edns0", "timeout:2"]
        )
        == NODE
    )


def test_cluster_first_is_the_default() -> None:
    conf = pod_resolv_conf(_pod(), DNS, "cluster.local", NODE)
    assert conf.servers == ["10.96.0.10"]
    assert conf.searches == [
        "shop.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
        "corp.example",
        "lab.example",
    ]
    assert conf.options == ["ndots:5"]
    assert pod_resolv_conf(_pod(dnsPolicy="ClusterFirst"), DNS, "cluster.local", NODE) == conf


def test_default_is_the_nodes_and_host_network_falls_back() -> None:
    assert pod_resolv_conf(_pod(dnsPolicy="Default"), DNS, "cluster.local", NODE) == NODE
    host = _pod(dnsPolicy="ClusterFirst", hostNetwork=True)
    assert pod_resolv_conf(host, DNS, "cluster.local", NODE) == NODE
    with_host = _pod(dnsPolicy="ClusterFirstWithHostNet", hostNetwork=True)
    assert pod_resolv_conf(with_host, DNS, "cluster.local", NODE).servers == DNS
    # no cluster DNS configured: ClusterFirst pods get the node's, as Kubernetes does
    assert pod_resolv_conf(_pod(), [], "cluster.local", NODE) == NODE


def test_none_takes_only_dns_config_and_config_merges() -> None:
    config = {
        "nameservers": ["192.0.2.9"],
        "searches": ["a.example"],
        "options": [{"name": "ndots", "value": "2"}, {"name": "single-request"}],
    }
    none = pod_resolv_conf(_pod(dnsPolicy="None", dnsConfig=config), DNS, "c.l", NODE)
    assert none == ResolvConf(["192.0.2.9"], ["a.example"], ["ndots:2", "single-request"])
    merged = pod_resolv_conf(_pod(dnsConfig=config), DNS, "c.l", NODE)
    assert merged.servers == ["10.96.0.10", "192.0.2.9"]
    assert merged.searches[-1] == "a.example"
    assert merged.options == ["ndots:2", "single-request"]  # ndots overridden by name


def test_limits() -> None:
    config = {
        "nameservers": [f"192.0.2.{i}" for i in range(5)],
        "searches": [f"s{i}.example" for i in range(40)],
    }
    conf = pod_resolv_conf(_pod(dnsPolicy="None", dnsConfig=config), DNS, "c.l", NODE)
    assert len(conf.servers) == 3 and len(conf.searches) == 32


def test_the_sandbox_gets_it_as_cri_dns_config() -> None:
    settings = PodSettings("n", "/logs", DNS, "cluster.local", NODE)
    cfg = dns_config(_pod(), settings)
    assert list(cfg.servers) == DNS and list(cfg.options) == ["ndots:5"]
    assert list(dns_config(_pod(dnsPolicy="Default"), settings).servers) == NODE.servers


def test_hosts_file(tmp_path: Path) -> None:
    text = hosts_file(_pod(), ["10.244.1.7"], "cluster.local")
    assert "127.0.0.1\tlocalhost" in text and text.endswith("10.244.1.7\tp\n")
    aliases = [{"ip": "10.0.0.9", "hostnames": ["a", "b"]}]
    sub = _pod(hostname="web-0", subdomain="web", hostAliases=aliases)
    text = hosts_file(sub, ["10.244.1.7"], "cluster.local")
    assert "10.244.1.7\tweb-0.web.shop.svc.cluster.local\tweb-0\n" in text
    assert text.endswith("# Entries added by HostAliases.\n10.0.0.9\ta b\n")
    assert manages_hosts(_pod()) and not manages_hosts(_pod(hostNetwork=True))
    path = Path(write_hosts(tmp_path / "pod", "one\n"))
    inode = path.stat().st_ino
    write_hosts(tmp_path / "pod", "two\n")
    assert path.read_text() == "two\n" and path.stat().st_ino == inode  # rewritten in place


def test_containers_mount_it_unless_they_mount_their_own() -> None:
    pod = _pod(containers=[{"name": "c", "image": "i"}])
    mine = {"name": "d", "image": "i", "volumeMounts": [{"name": "h", "mountPath": "/etc/hosts"}]}
    args: dict[str, Any] = {"attempt": 0, "kind": "app", "env": [], "node_name": "n"}
    first = pod["spec"]["containers"][0]
    cfg = container_config(pod, first, volume_paths={}, hosts_path="/x/etc-hosts", **args)
    assert [(m.container_path, m.host_path) for m in cfg.mounts] == [("/etc/hosts", "/x/etc-hosts")]
    own = container_config(pod, mine, volume_paths={"h": "/h"}, hosts_path="/x/etc-hosts", **args)
    assert [m.container_path for m in own.mounts] == ["/etc/hosts"]
