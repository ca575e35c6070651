"""Query parsing, error answers, cached answers re-used for other IDs and letter cases."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from dnslib import EDNS0, DNSRecord

from dns import wire
from dns.forward import Forwarder, parse_upstreams, resolv_conf_upstreams
from dns.records import Zone
from dns.server import Resolver


def _query(name: str, qtype: str = "A", edns: int | None = None) -> bytes:
    q = DNSRecord.question(name, qtype)
    if edns:
        q.add_ar(EDNS0(udp_len=edns))
    return bytes(q.pack())


def test_parse_query() -> None:
    q = wire.parse_query(_query("Web.Shop.svc.cluster.local", "SRV", edns=1232))
    assert q is not None
    assert (q.qname, q.qtype, q.qclass, q.edns, q.udp_size) == (
        "web.shop.svc.cluster.local",
        33,
        1,
        True,
        1232,
    )
    assert q.key == wire.parse_query(_query("WEB.shop.svc.cluster.local", "SRV", 4096)).key  # type: ignore[union-attr]
    assert wire.parse_query(b"\x00\x01") is None  # too short: dropped
    response = bytearray(_query("x.test"))
    response[2] |= 0x80
    assert wire.parse_query(bytes(response)) is None  # a response: dropped


@pytest.mark.parametrize(
    "data, rcode",
    [
        (struct.pack("!6H", 1, 0x0100, 0, 0, 0, 0), wire.FORMERR),
        (struct.pack("!6H", 1, 0x0100, 1, 0, 0, 0) + b"\x05ab", wire.FORMERR),
        (struct.pack("!6H", 1, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01", wire.FORMERR),
        (struct.pack("!6H", 1, 0x2100, 1, 0, 0, 0) + b"\x00\x00\x01\x00\x01", wire.NOTIMP),
        (_query("x.test") + b"!", wire.FORMERR),
        (_query("x.test")[:-4] + b"\x00\x00\x00\x01", wire.FORMERR),
    ],
)
def test_bad_queries(data: bytes, rcode: int) -> None:
    with pytest.raises(wire.WireError) as err:
        wire.parse_query(data)
    assert err.value.rcode == rcode
    answer = wire.error_response(data, rcode)
    assert answer[:2] == data[:2] and answer[3] & 0x0F == rcode and answer[2] & 0x80


def test_cached_answer_keeps_id_and_case() -> None:
    zone = Zone()
    web: dict[str, Any] = {"metadata": {"name": "web", "namespace": "shop"}}
    zone.set_service({**web, "spec": {"clusterIP": "10.96.0.20"}}, None)
    resolver = Resolver(zone, Forwarder([]))
    first = wire.parse_query(_query("web.shop.svc.cluster.local"))
    assert first is not None
    resolver.local(first)
    data = bytearray(_query("WEB.SHOP.svc.cluster.local"))
    data[0:2] = b"\xbe\xef"
    second = wire.parse_query(bytes(data))
    assert second is not None
    answer = DNSRecord.parse(resolver.local(second))
    assert answer.header.id == 0xBEEF and str(answer.q.qname) == "WEB.SHOP.svc.cluster.local."
    assert [str(rr.rdata) for rr in answer.rr] == ["10.96.0.20"]
    # a change of the zone: the next answer is packed again
    zone.set_service({**web, "spec": {"clusterIP": "10.96.0.21"}}, None)
    again = DNSRecord.parse(resolver.local(second))
    assert [str(rr.rdata) for rr in again.rr] == ["10.96.0.21"]
    assert resolver.local(wire.parse_query(_query("example.org"))) is None  # type: ignore[arg-type]


def test_upstream_lists() -> None:
    assert parse_upstreams("1.2.3.4, 5.6.7.8:5353,[fd00::1]:54,fd00::2") == [
        ("1.2.3.4", 53),
        ("5.6.7.8", 5353),
        ("fd00::1", 54),
        ("fd00::2", 53),
    ]
    assert parse_upstreams("none") == []
    text = "search x\nnameserver 192.0.2.1\n# nameserver 9.9.9.9\nnameserver fe80::1%eth0\n"
    assert resolv_conf_upstreams(text) == [("192.0.2.1", 53), ("fe80::1", 53)]
