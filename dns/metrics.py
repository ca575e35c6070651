"""The DNS server's Prometheus metrics (served on /metrics by the daemon's HTTP server).

Label values are bounded: record types outside the common ones count as `other`, so a
client sending every type number cannot grow the registry. Children are bound once at
import: the hot path pays one `inc()`/`observe()`, not a label lookup.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "dns_requests_total", "DNS requests received, by transport and record type.", ["proto", "type"]
)
RESPONSES = Counter("dns_responses_total", "DNS responses sent, by rcode.", ["rcode"])
DROPPED = Counter(
    "dns_dropped_requests_total",
    "Packets dropped without an answer (shorter than a header, or a response).",
)
DURATION = Histogram(
    "dns_request_duration_seconds",
    "Time from a request's arrival to its answer, by where the answer came from "
    "(cluster: the zone in memory, forward: an upstream or its cache, error: a refusal).",
    ["source"],
    buckets=(0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CACHE_HITS = Counter("dns_forward_cache_hits_total", "Forwarded questions answered from the cache.")
CACHE_MISSES = Counter(
    "dns_forward_cache_misses_total", "Forwarded questions that had to ask an upstream."
)
ANSWER_CACHE_HITS = Counter(
    "dns_answer_cache_hits_total", "Cluster questions answered with an already packed response."
)
UPSTREAM_REQUESTS = Counter("dns_upstream_requests_total", "Questions sent to upstream resolvers.")
UPSTREAM_ERRORS = Counter(
    "dns_upstream_errors_total",
    "Upstream exchanges that failed: timeout, unreachable (ICMP or socket error), mismatch "
    "(an answer to another question).",
    ["reason"],
)
SERVICES = Gauge("dns_services", "Services the zone holds records of.")
SYNCED = Gauge("dns_synced", "1 once Services, Endpoints and Pods are listed (ready to answer).")

_TYPES = ("A", "AAAA", "SRV", "PTR", "CNAME", "TXT", "SOA", "NS", "MX", "ANY")
_TYPE_NUMBERS = {1: "A", 28: "AAAA", 33: "SRV", 12: "PTR", 5: "CNAME", 16: "TXT", 6: "SOA"}
_TYPE_NUMBERS |= {2: "NS", 15: "MX", 255: "ANY"}
_REQUESTS = {
    (proto, t): REQUESTS.labels(proto, t) for proto in ("udp", "tcp") for t in (*_TYPES, "other")
}
_RCODES = {
    code: RESPONSES.labels(name)
    for code, name in enumerate(("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"))
}
_OTHER_RCODE = RESPONSES.labels("other")
_DURATIONS = {s: DURATION.labels(s) for s in ("cluster", "forward", "error")}


def request(proto: str, qtype: int) -> None:
    _REQUESTS[(proto, _TYPE_NUMBERS.get(qtype, "other"))].inc()


def response(data: bytes, source: str, seconds: float) -> None:
    rcode = data[3] & 0x0F if len(data) >= 4 else 0
    _RCODES.get(rcode, _OTHER_RCODE).inc()
    _DURATIONS[source].observe(seconds)
