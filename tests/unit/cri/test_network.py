"""Pod CIDR validation."""

from __future__ import annotations

import grpc
import pytest

from cridocker.errors import CRIError
from cridocker.network import network_subnet, parse_cidr


def test_parse_cidr_accepts_ipv4_networks() -> None:
    assert str(parse_cidr(" 10.244.1.0/24 ")) == "10.244.1.0/24"


@pytest.mark.parametrize("cidr", ["10.244.1.7/24", "nonsense", "fd00::/64", "10.0.0.0/31"])
def test_parse_cidr_rejects(cidr: str) -> None:
    with pytest.raises(CRIError) as err:
        parse_cidr(cidr)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "pod_cidr" in err.value.message


def test_network_subnet() -> None:
    assert network_subnet({"IPAM": {"Config": [{"Subnet": "10.244.3.0/24"}]}}) == "10.244.3.0/24"
    assert network_subnet({"IPAM": {"Config": None}}) == ""
