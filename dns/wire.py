"""DNS messages on the wire: a query's header and question parsed by hand, answers packed
with dnslib.

The hand parser is the hot path: it reads the 12-byte header, the one question and an EDNS
OPT record, and nothing else, so a query costs a few microseconds before its answer is
looked up in a cache of packed responses. dnslib packs the answers (records, name
compression) once per name and type; the cached bytes are then reused with the query's ID
and its question spliced in (the question keeps the client's letter case, as resolvers
that randomise case expect).

Anything a stub resolver would not send is refused here: a packet shorter than a header or
flagged as a response is dropped; an opcode other than QUERY is NOTIMP; no question, more
than one, an answer or authority section, a compressed or over-long question name, an
OPT record of an unknown EDNS version or trailing garbage is FORMERR.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from dnslib import (
    AAAA,
    CNAME,
    EDNS0,
    NS,
    PTR,
    QTYPE,
    RR,
    SOA,
    SRV,
    TXT,
    DNSHeader,
    DNSQuestion,
    DNSRecord,
)
from dnslib import A as RD_A

from . import records as r

NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

QR, AA, TC, RD, RA, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0010
OPT_TYPE = 41
MAX_QUERY = 4096  # bytes; a stub resolver's query is well under 512
MAX_UDP = 4096  # the largest UDP answer we send, whatever EDNS offers
OUR_OPT = b"\x00" + struct.pack("!HHIH", OPT_TYPE, MAX_UDP, 0, 0)
_HEADER = struct.Struct("!6H")
_TYPE_CLASS = struct.Struct("!HH")
_RR_FIXED = struct.Struct("!HHIH")


class WireError(Exception):
    """A query answered with an error code (FORMERR, NOTIMP) before any lookup."""

    def __init__(self, rcode: int, message: str) -> None:
        super().__init__(message)
        self.rcode = rcode


@dataclass(frozen=True)
class Query:
    id: int
    flags: int
    qname: str  # lower case, no trailing dot
    qtype: int
    qclass: int
    question: bytes  # the question section as sent
    edns: bool
    udp_size: int  # the largest UDP answer this client takes

    @property
    def key(self) -> tuple[bytes, int, bool]:
        """What an answer depends on: the question (any case), RD/CD and EDNS."""
        return (fold(self.question), self.flags & (RD | CD), self.edns)


def fold(question: bytes) -> bytes:
    """A question section with its name in lower case (type and class bytes untouched)."""
    return question[:-4].lower() + question[-4:]


def parse_query(data: bytes) -> Query | None:
    """The query in `data`; None: drop it silently; WireError: answer with its code."""
    if len(data) < 12:
        return None
    qid, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(data)
    if flags & QR:
        return None  # a response: never answer one (no loops between servers)
    if len(data) > MAX_QUERY:
        raise WireError(FORMERR, f"query of {len(data)} bytes")
    if (flags >> 11) & 0xF != 0:
        raise WireError(NOTIMP, f"opcode {(flags >> 11) & 0xF}")
    if qdcount != 1 or ancount or nscount:
        raise WireError(FORMERR, f"{qdcount} questions, {ancount} answers, {nscount} authority")
    labels: list[str] = []
    i = 12
    size = len(data)
    while True:
        if i >= size:
            raise WireError(FORMERR, "question name runs past the end")
        length = data[i]
        if length == 0:
            i += 1
            break
        if length & 0xC0:
            raise WireError(FORMERR, "compressed or extended label in the question")
        if i + 1 + length > size:
            raise WireError(FORMERR, "label runs past the end")
        labels.append(data[i + 1 : i + 1 + length].decode("latin-1"))
        i += 1 + length
    if i - 12 > 255:
        raise WireError(FORMERR, "question name over 255 bytes")
    if i + 4 > size:
        raise WireError(FORMERR, "question without type and class")
    qtype, qclass = _TYPE_CLASS.unpack_from(data, i)
    qend = i + 4
    edns = False
    udp_size = 512
    j = qend
    for _ in range(arcount):
        j = _skip_name(data, j)
        if j + 10 > size:
            raise WireError(FORMERR, "additional record runs past the end")
        rtype, rclass, ttl, rdlen = _RR_FIXED.unpack_from(data, j)
        j += 10 + rdlen
        if j > size:
            raise WireError(FORMERR, "additional record data runs past the end")
        if rtype == OPT_TYPE:
            if edns:
                raise WireError(FORMERR, "two OPT records")
            if (ttl >> 16) & 0xFF != 0:
                raise WireError(FORMERR, f"EDNS version {(ttl >> 16) & 0xFF}")
            edns = True
            udp_size = max(512, min(rclass, MAX_UDP))
    if j != size:
        raise WireError(FORMERR, f"{size - j} bytes after the message")
    if qtype == 0:
        raise WireError(FORMERR, "question type 0")
    qname = ".".join(labels).lower()
    return Query(qid, flags, qname, qtype, qclass, bytes(data[12:qend]), edns, udp_size)


def _skip_name(data: bytes, i: int) -> int:
    size = len(data)
    while i < size:
        length = data[i]
        if length == 0:
            return i + 1
        if length & 0xC0 == 0xC0:
            return i + 2
        if length & 0xC0:
            break
        i += 1 + length
    raise WireError(FORMERR, "bad name in the additional section")


def query_id(data: bytes) -> int:
    return int.from_bytes(data[:2], "big") if len(data) >= 2 else 0


def error_response(data: bytes, rcode: int, query: Query | None = None) -> bytes:
    """A header-only answer (plus the question when it was readable) with `rcode`."""
    if query is None:
        flags = _HEADER.unpack_from(data)[1] if len(data) >= 12 else 0
        head = _HEADER.pack(query_id(data), QR | (flags & RD) | RA | rcode, 0, 0, 0, 0)
        return head
    flags = QR | (query.flags & (RD | CD)) | RA | rcode
    tail = OUR_OPT if query.edns else b""
    return _HEADER.pack(query.id, flags, 1, 0, 0, 1 if query.edns else 0) + query.question + tail


def truncated(query: Query) -> bytes:
    """An empty answer with TC set: the client asks again over TCP."""
    flags = QR | AA | TC | (query.flags & (RD | CD)) | RA
    tail = OUR_OPT if query.edns else b""
    return _HEADER.pack(query.id, flags, 1, 0, 0, 1 if query.edns else 0) + query.question + tail


def with_id(template: bytes, query: Query) -> bytes:
    """A cached answer (ID 0, any case) for this query: its ID and question spliced in."""
    qlen = len(query.question)
    if fold(template[12 : 12 + qlen]) != fold(query.question):
        return query.id.to_bytes(2, "big") + template[2:]
    return query.id.to_bytes(2, "big") + template[2:12] + query.question + template[12 + qlen :]


def _rdata(record: r.Record) -> object:
    d = record.data
    if record.rtype == r.A:
        return RD_A(d)
    if record.rtype == r.AAAA:
        return AAAA(d)
    if record.rtype == r.CNAME:
        return CNAME(d + ".")
    if record.rtype == r.PTR:
        return PTR(d + ".")
    if record.rtype == r.SRV:
        return SRV(d.priority, d.weight, d.port, d.target + ".")
    if record.rtype == r.TXT:
        return TXT(d)
    if record.rtype == r.NS:
        return NS(d + ".")
    if record.rtype == r.SOA:
        return SOA(d[0] + ".", d[1] + ".", d[2:])
    raise ValueError(f"record type {record.rtype}")


def _rr(record: r.Record) -> RR:
    return RR(record.name + ".", record.rtype, rdata=_rdata(record), ttl=record.ttl)


def pack_answer(query: Query, answer: r.Answer) -> bytes:
    """The packed response (ID 0) to `query` carrying `answer`."""
    header = DNSHeader(
        id=0,
        qr=1,
        aa=int(answer.authoritative),
        rd=int(bool(query.flags & RD)),
        ra=1,
        rcode=answer.rcode,
    )
    if query.flags & CD:
        header.cd = 1
    message = DNSRecord(header, q=DNSQuestion(query.qname + ".", query.qtype, query.qclass))
    for rec in answer.answers:
        message.add_answer(_rr(rec))
    for rec in answer.authority:
        message.add_auth(_rr(rec))
    for rec in answer.additional:
        message.add_ar(_rr(rec))
    if query.edns:
        message.add_ar(EDNS0(udp_len=MAX_UDP))
    return bytes(message.pack())


def describe(qtype: int) -> str:
    """A type's name for metrics and logs (A, AAAA, …, or TYPE65280)."""
    return str(QTYPE.get(qtype, f"TYPE{qtype}"))
