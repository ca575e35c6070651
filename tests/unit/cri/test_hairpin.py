"""Which pod-bridge ports the shim puts in hairpin mode (pure parts of cridocker.network)."""

from __future__ import annotations

from typing import Any

from cridocker.network import bridge_name, ports_without_hairpin


def test_bridge_name_is_docker_default_or_the_named_option() -> None:
    assert bridge_name({"Id": "0123456789abcdef0123", "Options": {}}) == "br-0123456789ab"
    named = {"Id": "0123456789abcdef", "Options": {"com.docker.network.bridge.name": "pods0"}}
    assert bridge_name(named) == "pods0"


def test_only_ports_of_the_pod_bridge_without_hairpin() -> None:
    def port(name: str, master: str, hairpin: bool) -> dict[str, Any]:
        slave = {"info_slave_kind": "bridge", "info_slave_data": {"hairpin": hairpin}}
        return {"ifname": name, "master": master, "linkinfo": slave}

    links = [
        port("vethA", "br-1", False),
        port("vethB", "br-1", True),
        port("vethC", "docker0", False),
        {"ifname": "eth0"},
    ]
    assert ports_without_hairpin(links, "br-1") == ["vethA"]
