"""mk-dns against a real API server: records follow the objects, forwarding goes to a fake
upstream on loopback, bad input gets error answers within 2 s while others are served."""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

import httpx
from dnslib import QTYPE, DNSRecord

from .conftest import DnsProcess, exchange, rdata, wait_for
from .fakeupstream import FakeUpstream

Obj = dict[str, Any]


def _service(name: str, spec: Obj) -> Obj:
    return {"metadata": {"name": name}, "spec": spec}


def _create(api: httpx.Client, ns: str, plural: str, obj: Obj) -> Obj:
    r = api.post(f"/api/v1/namespaces/{ns}/{plural}", json=obj)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _answers(dns: DnsProcess, name: str, qtype: str = "A") -> list[str]:
    return rdata(dns.ask(name, qtype))


def test_service_records_follow_the_api(dns: DnsProcess, api: httpx.Client, ns: str) -> None:
    created = time.monotonic()
    web = _create(
        api,
        ns,
        "services",
        _service("web", {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}),
    )
    ip = web["spec"]["clusterIP"]
    fqdn = f"web.{ns}.svc.cluster.local"
    wait_for(lambda: _answers(dns, fqdn) == [ip], f"A {fqdn}", timeout=5)
    assert time.monotonic() - created < 2.0
    answer = dns.ask(fqdn)
    assert answer.header.aa == 1 and answer.rr[0].ttl == 5
    srv = dns.ask(f"_http._tcp.{fqdn}", "SRV")
    assert [str(rr.rdata) for rr in srv.rr] == [f"0 100 80 {fqdn}."]
    assert rdata(srv) and [str(a.rdata) for a in srv.ar] == [ip]  # the target's address
    rev = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    assert _answers(dns, rev, "PTR") == [f"{fqdn}."]
    # the letter case of the question is kept; the answer is the same
    upper = dns.ask(fqdn.upper())
    assert str(upper.q.qname) == fqdn.upper() + "." and rdata(upper) == [ip]
    # a type the name has no record of: no data, not an error
    none = dns.ask(fqdn, "MX")
    assert none.header.rcode == 0 and not none.rr and none.auth
    # kubernetes.default from the API server's own Service
    assert _answers(dns, "kubernetes.default.svc.cluster.local") == ["10.96.0.1"]
    # the namespace exists as a name (no data), a missing service does not
    assert dns.ask(f"{ns}.svc.cluster.local").header.rcode == 0
    assert dns.ask(f"nope.{ns}.svc.cluster.local").header.rcode == 3
    assert rdata(dns.ask("dns-version.cluster.local", "TXT")) == ['"1.1.0"']

    assert api.delete(f"/api/v1/namespaces/{ns}/services/web").status_code == 200
    wait_for(lambda: dns.ask(fqdn).header.rcode == 3, "NXDOMAIN after the delete", timeout=5)
    wait_for(lambda: dns.ask(rev, "PTR").header.rcode != 0 or not rdata(dns.ask(rev, "PTR")),
             "no PTR after the delete", timeout=5)  # fmt: skip


def test_headless_externalname_and_pods(dns: DnsProcess, api: httpx.Client, ns: str) -> None:
    _create(
        api,
        ns,
        "services",
        _service("db", {"clusterIP": "None", "ports": [{"name": "pg", "port": 5432}]}),
    )
    fqdn = f"db.{ns}.svc.cluster.local"
    # no endpoints at all: the name does not exist
    wait_for(
        lambda: dns.ask(fqdn).header.rcode == 3,
        "NXDOMAIN for a headless svc without ready endpoints",
    )
    endpoints = {
        "metadata": {"name": "db"},
        "subsets": [
            {
                "addresses": [{"ip": "10.244.1.5", "hostname": "db-0"}, {"ip": "10.244.2.6"}],
                "notReadyAddresses": [{"ip": "10.244.3.7", "hostname": "db-2"}],
                "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}],
            }
        ],
    }
    _create(api, ns, "endpoints", endpoints)
    wait_for(lambda: _answers(dns, fqdn) == ["10.244.1.5", "10.244.2.6"], "A per ready endpoint")
    assert _answers(dns, f"db-0.{fqdn}") == ["10.244.1.5"]
    assert _answers(dns, f"10-244-2-6.{fqdn}") == ["10.244.2.6"]
    assert dns.ask(f"db-2.{fqdn}").header.rcode == 3  # not ready, not published
    srv = rdata(dns.ask(f"_pg._tcp.{fqdn}", "SRV"))
    assert srv == [f"0 50 5432 10-244-2-6.{fqdn}.", f"0 50 5432 db-0.{fqdn}."]
    assert _answers(dns, "5.1.244.10.in-addr.arpa", "PTR") == [f"db-0.{fqdn}."]

    _create(
        api,
        ns,
        "services",
        _service("alias", {"type": "ExternalName", "externalName": fqdn}),
    )
    alias = f"alias.{ns}.svc.cluster.local"
    wait_for(lambda: dns.ask(alias).rr, "the ExternalName CNAME")
    answer = dns.ask(alias)
    assert [(QTYPE[rr.rtype], str(rr.rdata)) for rr in answer.rr] == [
        ("CNAME", f"{fqdn}."),
        ("A", "10.244.1.5"),
        ("A", "10.244.2.6"),
    ]
    outside = _create(
        api,
        ns,
        "services",
        _service("ext", {"type": "ExternalName", "externalName": "www.upstream.test"}),
    )
    assert outside["spec"]["type"] == "ExternalName"
    ext = f"ext.{ns}.svc.cluster.local"
    wait_for(lambda: dns.ask(ext, "CNAME").rr, "the CNAME to an outside name")
    assert rdata(dns.ask(ext, "CNAME")) == ["www.upstream.test."]

    # a pod's name exists only while a pod of the namespace has that address (verified)
    pod = _create(
        api,
        ns,
        "pods",
        {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
    )
    pod_name = f"10-244-9-9.{ns}.pod.cluster.local"
    assert dns.ask(pod_name).header.rcode == 3
    pod["status"] = {"podIP": "10.244.9.9", "podIPs": [{"ip": "10.244.9.9"}]}
    r = api.put(f"/api/v1/namespaces/{ns}/pods/p/status", json=pod)
    assert r.status_code == 200, r.text
    wait_for(lambda: _answers(dns, pod_name) == ["10.244.9.9"], "the pod's A record")
    assert dns.ask("10-244-9-9.default.pod.cluster.local").header.rcode == 3


def test_forwarding_cache_and_tcp(dns: DnsProcess, upstream: FakeUpstream) -> None:
    answer = dns.ask("www.upstream.test")
    assert rdata(answer) == ["192.0.2.1"] and answer.header.rcode == 0
    for _ in range(5):
        assert rdata(dns.ask("www.upstream.test")) == ["192.0.2.1"]
    assert upstream.asked[("www.upstream.test", "udp")] == 1  # the rest from the cache
    assert dns.ask("nothing.example").header.rcode == 3  # the upstream's NXDOMAIN
    # too large for UDP at the upstream: asked again over TCP there; and here, the client
    # (512 bytes, no EDNS) gets TC over UDP and the whole answer over TCP
    udp = dns.ask("big.upstream.test")
    assert udp.header.tc == 1 and not udp.rr
    assert upstream.asked[("big.upstream.test", "tcp")] == 1
    tcp = dns.ask("big.upstream.test", tcp=True)
    assert len(tcp.rr) == 40 and tcp.header.tc == 0
    # EDNS with a 4096-byte buffer: the whole answer over UDP
    query = DNSRecord.question("big.upstream.test")
    query.add_ar(__import__("dnslib").EDNS0(udp_len=4096))
    big = DNSRecord.parse(exchange(bytes(query.pack()), dns.port))
    assert len(big.rr) == 40
    metrics = dns.metrics()
    for line in ("dns_requests_total{proto=\"udp\",type=\"A\"}", "dns_forward_cache_hits_total",
                 "dns_request_duration_seconds_bucket", "dns_upstream_requests_total"):  # fmt: skip
        assert line in metrics


def test_truncation_of_a_large_cluster_answer(dns: DnsProcess, api: httpx.Client, ns: str) -> None:
    _create(api, ns, "services", _service("many", {"clusterIP": "None", "ports": [{"port": 80}]}))
    addresses = [{"ip": f"10.244.50.{i}"} for i in range(1, 61)]
    subsets = [{"addresses": addresses, "ports": [{"port": 80}]}]
    _create(api, ns, "endpoints", {"metadata": {"name": "many"}, "subsets": subsets})
    fqdn = f"many.{ns}.svc.cluster.local"
    wait_for(lambda: dns.ask(fqdn, tcp=True).rr, "the headless service's records")
    assert dns.ask(fqdn).header.tc == 1
    assert len(dns.ask(fqdn, tcp=True).rr) == 60


def _raw(port: int, data: bytes, timeout: float = 2.0) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        try:
            return s.recvfrom(65535)[0]
        except TimeoutError:
            return None


def _rcode(answer: bytes | None) -> int | None:
    return None if answer is None else answer[3] & 0x0F


def test_bad_input_gets_error_answers_and_others_are_served(
    dns: DnsProcess, dns_blackholed: DnsProcess
) -> None:
    good = bytes(DNSRecord.question("kubernetes.default.svc.cluster.local").pack())
    header = struct.pack("!6H", 0x1234, 0x0100, 1, 0, 0, 0)
    started = time.monotonic()
    # shorter than a header, or a response: dropped (no answer, no loop)
    assert _raw(dns.port, b"\x12\x34\x01", timeout=0.5) is None
    assert _raw(dns.port, b"\x12\x34\x81\x80" + good[4:], timeout=0.5) is None
    # a name running past the end, no question, two questions, trailing bytes: FORMERR
    assert _rcode(_raw(dns.port, header + b"\x3fabc")) == 1
    assert _rcode(_raw(dns.port, struct.pack("!6H", 1, 0x0100, 0, 0, 0, 0))) == 1
    assert _rcode(_raw(dns.port, good[:5] + b"\x02" + good[6:] + good[12:])) == 1
    assert _rcode(_raw(dns.port, good + b"junk")) == 1
    # a compression pointer looping in the question: FORMERR, no hang
    assert _rcode(_raw(dns.port, header + b"\xc0\x0c\x00\x01\x00\x01")) == 1
    # oversized (8 KiB of labels): FORMERR
    assert _rcode(_raw(dns.port, header + b"\x3f" + b"a" * 63 + b"\x00" * 8200)) == 1
    # opcode STATUS, a zone transfer, type 0: NOTIMP, NOTIMP, FORMERR
    assert _rcode(_raw(dns.port, good[:2] + b"\x11\x00" + good[4:])) == 4
    axfr = bytes(DNSRecord.question("cluster.local", "AXFR").pack())
    assert _rcode(_raw(dns.port, axfr)) == 4
    zero = good[:-4] + b"\x00\x00\x00\x01"
    assert _rcode(_raw(dns.port, zero)) == 1
    # an unknown type for a cluster name: no data (NOERROR, empty)
    unknown = good[:-4] + b"\xff\x00\x00\x01"
    assert _rcode(_raw(dns.port, unknown)) == 0
    # garbage over TCP: FORMERR, and the connection still works for a real question
    with socket.create_connection(("127.0.0.1", dns.port), timeout=2) as s:
        bad = header + b"\x3fabc"
        s.sendall(len(bad).to_bytes(2, "big") + bad + len(good).to_bytes(2, "big") + good)
        first = s.recv(2)
        body = s.recv(int.from_bytes(first, "big"))
        assert body[3] & 0x0F == 1
    assert time.monotonic() - started < 10
    assert rdata(dns.ask("kubernetes.default.svc.cluster.local")) == ["10.96.0.1"]

    # an upstream that never answers: SERVFAIL within 2 s; cluster names keep answering
    t0 = time.monotonic()
    slow = _raw(dns_blackholed.port, bytes(DNSRecord.question("never.upstream.test").pack()), 3)
    assert _rcode(slow) == 2 and time.monotonic() - t0 < 2.0
    t0 = time.monotonic()
    assert rdata(dns_blackholed.ask("kubernetes.default.svc.cluster.local")) == ["10.96.0.1"]
    assert time.monotonic() - t0 < 0.5
    assert 'dns_upstream_errors_total{reason="timeout"}' in dns_blackholed.metrics()
