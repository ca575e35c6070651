"""Careless and hostile clients against a real API server and etcd (issue #24, parts 1-2).

Each attack gets its 4xx `Status`, and while it is repeated by two clients at once the
server keeps answering `/readyz` within a second: the attack never holds the event loop.
No sleeps: the readiness probe loops until the attackers' bounded rounds are done.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import APIServerProcess
from tests.manifests import manifest

MAX_BODY = 3 * 1024 * 1024
JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}


def yaml_bomb(levels: int = 9) -> bytes:
    """A "billion laughs" ConfigMap: nine levels of nine aliases, 9**9 strings expanded."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n"
    return (head + "\n".join("  " + line for line in lines) + "\n").encode()


def configmap(name: str, **extra: object) -> bytes:
    return compact({**manifest("configmaps", name), **extra})


def compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Attack:
    """One hostile request: `path` is relative to the test's namespace."""

    name: str
    method: str
    path: str
    body: Callable[[], bytes | Iterator[bytes]]
    headers: dict[str, str]
    code: int
    message: str  # a fragment of the Status message


ATTACKS = [
    Attack(
        # many broken list items: validation stops after its bound of errors
        "many-broken-owner-references",
        "POST",
        "configmaps",
        lambda: configmap("owned", metadata={"name": "owned", "ownerReferences": [{}] * 300_000}),
        JSON,
        422,
        "too many errors: only the first",
    ),
    Attack(
        # valid items as far as the bound goes, walked in the offload thread
        "many-endpoint-subsets",
        "POST",
        "endpoints",
        lambda: compact({**manifest("endpoints", "wide"), "subsets": [{"ports": [{}]}] * 100_000}),
        JSON,
        422,
        "too many errors: only the first",
    ),
    Attack("yaml-bomb", "POST", "configmaps", yaml_bomb, YAML, 400, "excessive aliasing"),
    Attack(
        "deep-json",
        "POST",
        "configmaps",
        lambda: b"[" * 100_000 + b"]" * 100_000,
        JSON,
        400,
        "nesting deeper than 100 levels",
    ),
    Attack(
        "deep-json-objects",
        "POST",
        "configmaps",
        lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        JSON,
        400,
        "nesting deeper than 100 levels",
    ),
    Attack(
        "deep-yaml",
        "POST",
        "configmaps",
        lambda: b"[" * 100_000 + b"]" * 100_000,
        YAML,
        400,
        "nesting",
    ),
    Attack(
        "oversized",
        "POST",
        "configmaps",
        lambda: configmap("big", data={"blob": "x" * (4 * 1024 * 1024)}),
        JSON,
        413,
        f"limit is {MAX_BODY}",
    ),
    Attack(
        "oversized-chunked",
        "POST",
        "configmaps",
        lambda: (b" " * 65536 for _ in range(MAX_BODY // 65536 + 2)),
        JSON,
        413,
        f"limit is {MAX_BODY}",
    ),
    Attack(
        "duplicate-keys",
        "POST",
        "configmaps",
        lambda: b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}',
        JSON,
        400,
        'duplicate field "name"',
    ),
    Attack(
        "duplicate-keys-yaml",
        "POST",
        "configmaps",
        lambda: b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
        YAML,
        400,
        'duplicate field "name"',
    ),
    Attack(
        "bad-utf8",
        "POST",
        "configmaps",
        lambda: configmap("u").replace(b'"u"', b'"\xff\xfe"'),
        JSON,
        400,
        "invalid UTF-8",
    ),
    Attack(
        "lone-surrogate",
        "POST",
        "configmaps",
        lambda: configmap("s").replace(b'"s"', b'"s", "annotations": {"a": "\\ud800"}'),
        JSON,
        400,
        "surrogate",
    ),
    Attack(
        "huge-integer",
        "POST",
        "configmaps",
        lambda: configmap("h").replace(b'"h"', b'"h", "generation": 123456789012345678901234'),
        JSON,
        400,
        "does not fit in 64 bits",
    ),
    Attack(
        "infinite-float",
        "POST",
        "configmaps",
        lambda: configmap("f").replace(b'"f"', b'"f", "generation": 1e400'),
        JSON,
        400,
        "out of range",
    ),
    Attack(
        "put-on-collection",
        "PUT",
        "configmaps",
        lambda: configmap("p"),
        JSON,
        405,
        "the server does not allow this method on the requested resource",
    ),
    Attack(
        "eviction-non-object-options",
        "POST",
        "pods/victim/eviction",
        lambda: b'{"apiVersion":"policy/v1","kind":"Eviction","deleteOptions":[1]}',
        JSON,
        400,
        "deleteOptions must be an object",
    ),
    Attack(
        "eviction-non-object",
        "POST",
        "pods/victim/eviction",
        lambda: b"[1, 2]",
        JSON,
        400,
        "must be an Eviction object",
    ),
    Attack(
        "delete-options-too-deep",
        "DELETE",
        "pods/victim",
        lambda: b"[" * 100_000,
        JSON,
        400,
        "nesting deeper than 100 levels",
    ),
    # Not an attack on the parser but on the loop: a large valid body is decoded off it.
    Attack(
        "large-valid-body",
        "POST",
        "configmaps",
        lambda: configmap("l", data={f"k{i}": "v" * 100 for i in range(25_000)}),
        JSON,
        422,
        "Too long",
    ),
]


@pytest.fixture
def victim(api: httpx.Client, ns: str) -> Iterator[str]:
    """A pod that the eviction and delete attacks name (it must outlive them)."""
    r = api.post(f"/api/v1/namespaces/{ns}/pods", json=manifest("pods", "victim"))
    assert r.status_code == 201, r.text
    yield ns
    assert api.get(f"/api/v1/namespaces/{ns}/pods/victim").status_code == 200


def send(
    client: httpx.Client, ns: str, attack: Attack, body: bytes | None = None
) -> httpx.Response:
    path = f"/api/v1/namespaces/{ns}/{attack.path}"
    content = attack.body() if body is None else body
    return client.request(attack.method, path, content=content, headers=attack.headers)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_answered_with_a_status(api: httpx.Client, victim: str, attack: Attack) -> None:
    r = send(api, victim, attack)
    assert r.status_code == attack.code, r.text
    status = r.json()
    assert status["kind"] == "Status" and status["code"] == attack.code
    assert attack.message in status["message"], status


def test_a_valid_body_below_the_limit_is_accepted(api: httpx.Client, ns: str) -> None:
    # Kubernetes' limit is 3 MiB of request body, whatever the object decodes to.
    body = configmap("spacious") + b" " * (MAX_BODY - 4096)
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", content=body, headers=JSON)
    assert r.status_code == 201, r.text


def test_an_object_too_large_for_etcd_is_413(api: httpx.Client, ns: str) -> None:
    pod = manifest("pods", "huge")
    pod["spec"]["containers"][0]["command"] = ["x" * 1000] * 2000  # 2 MB: valid, too big
    r = api.post(f"/api/v1/namespaces/{ns}/pods", json=pod)
    assert r.status_code == 413, r.text
    assert r.json()["reason"] == "RequestEntityTooLarge"


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_server_keeps_answering_during_the_attack(
    apiserver: APIServerProcess, victim: str, attack: Attack
) -> None:
    rounds, attackers = 20, 2
    # Built once: building a body in the attackers would slow this process's probe.
    built = attack.body()
    body = built if isinstance(built, bytes) else None
    codes: list[int] = []
    failures: list[BaseException] = []

    def attacker() -> None:
        try:
            with httpx.Client(base_url=apiserver.url, timeout=30) as client:
                for _ in range(rounds):
                    codes.append(send(client, victim, attack, body).status_code)
        except BaseException as e:  # reported by the test thread
            failures.append(e)

    threads = [threading.Thread(target=attacker) for _ in range(attackers)]
    latencies: list[float] = []
    with httpx.Client(base_url=apiserver.url, timeout=5) as probe:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            started = time.monotonic()
            assert probe.get("/readyz").status_code == 200
            latencies.append(time.monotonic() - started)
            if not any(t.is_alive() for t in threads):
                break
        for t in threads:
            t.join(timeout=5)
    assert not failures, failures
    assert codes == [attack.code] * (rounds * attackers)
    assert max(latencies) < 1.0, (len(latencies), max(latencies))


@pytest.mark.parametrize(
    "query",
    [
        "limit=99999999999999999999",
        "watch=true&timeoutSeconds=1e999",
        "watch=true&timeoutSeconds=nan",
    ],
)
def test_out_of_range_list_parameters_are_400(api: httpx.Client, ns: str, query: str) -> None:
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps?{query}")
    assert r.status_code == 400, r.text
    assert r.json()["reason"] == "BadRequest"


def test_grace_periods_out_of_range(api: httpx.Client, ns: str) -> None:
    pods = f"/api/v1/namespaces/{ns}/pods"
    for name in ("a", "b", "c"):
        assert api.post(pods, json=manifest("pods", name)).status_code == 201
        binding = {"metadata": {"name": name}, "target": {"kind": "Node", "name": "nowhere"}}
        assert api.post(f"{pods}/{name}/binding", json=binding).status_code == 201
    r = api.delete(f"{pods}/a?gracePeriodSeconds=99999999999999999999")
    assert r.status_code == 400, r.text
    r = api.request("DELETE", f"{pods}/b", content=b'{"gracePeriodSeconds": 1e300}', headers=JSON)
    assert r.status_code == 400, r.text
    # The largest int64 is a valid grace period: a bound pod waits (a century at most).
    r = api.delete(f"{pods}/c?gracePeriodSeconds={2**63 - 1}")
    assert r.status_code == 202, r.text
    assert r.json()["metadata"]["deletionTimestamp"] < "2200"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/namespaces/{ns}/configmaps", "GET, POST, DELETE"),
        ("PATCH", "/apis/apps/v1/namespaces/{ns}/deployments", "GET, POST, DELETE"),
        ("POST", "/api/v1/namespaces/{ns}/configmaps/x", "GET, PUT, PATCH, DELETE"),
        ("POST", "/api/v1/configmaps", "GET"),
        ("DELETE", "/api/v1/pods", "GET"),
        ("DELETE", "/api/v1/namespaces/{ns}/pods/x/status", "GET, PUT, PATCH"),
        ("GET", "/api/v1/namespaces/{ns}/pods/x/eviction", "POST"),
        ("DELETE", "/api/v1/namespaces/{ns}/pods/x/binding", "POST"),
        ("POST", "/api/v1/componentstatuses", "GET"),
        ("DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/x", "GET"),
        ("POST", "/version", "GET, HEAD"),
    ],
)
def test_methods_a_path_does_not_serve_are_405(
    api: httpx.Client, ns: str, method: str, path: str, allow: str
) -> None:
    r = api.request(method, path.format(ns=ns), content=b"{}", headers=JSON)
    assert r.status_code == 405, r.text
    assert r.headers["allow"] == allow
    status = r.json()
    assert status["reason"] == "MethodNotAllowed"
    assert status["message"] == "the server does not allow this method on the requested resource"


def test_unknown_paths_and_unacceptable_types_answer_a_status(api: httpx.Client, ns: str) -> None:
    for path in ("/nope", f"/api/v1/namespaces/{ns}/pods/x/nope", "/apis/nope/v1/things"):
        r = api.get(path)
        assert r.status_code == 404 and r.json()["reason"] == "NotFound", (path, r.text)
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": "text/html"})
    assert r.status_code == 406 and r.json()["reason"] == "NotAcceptable"
    # What Kubernetes clients send is served (as JSON).
    for accept in ("application/yaml", "application/vnd.kubernetes.protobuf, */*", "*/*"):
        r = api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": accept})
        assert r.status_code == 200, (accept, r.text)
