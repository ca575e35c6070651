"""Fuzzing every served operation from the served OpenAPI documents: zero 5xx.

Schemathesis (its CLI, in a subprocess) reads `/openapi/v2` and every `/openapi/v3/...`
group-version document the server lists, and runs its coverage phase (boundary and
invalid values of every parameter and body, unsupported methods) and its fuzzing phase
(generated requests) over every operation. Two checks: `not_a_server_error` (no 5xx)
and `unsupported_method` (405 with `Allow` for a method a path does not serve). The API
server's own `apiserver_request_total` must show no 5xx either.

Fuzzing deletes whatever it can name, namespaces included, so the test runs its own etcd
and API server in a temp dir. `fuzz_hooks.py` points half of the requests that name an
object at one that exists and bounds watches. Network: loopback only (the server's URL is
the only one schemathesis is given).

Cost: schemathesis shares `--max-time` among a document's operations (each gets its slice
for the coverage cases, the rest goes to fuzzing), so the time is `SECONDS_PER_OPERATION`
times the operations of both documents, about two and a half minutes with start-up on the
2-core CI machine. Set MINIK8S_FUZZ_SECONDS_PER_OPERATION (and MINIK8S_FUZZ_EXAMPLES) to
fuzz longer by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from minik8s.api.resources import lookup_kind
from minik8s.cluster import processes
from tests.manifests import MANIFESTS, manifest, object_name

FUZZ = "fuzz"  # the namespace and name of the objects fuzz_hooks points requests at

MAX_EXAMPLES = int(os.environ.get("MINIK8S_FUZZ_EXAMPLES", "10"))
SECONDS_PER_OPERATION = float(os.environ.get("MINIK8S_FUZZ_SECONDS_PER_OPERATION", "0.25"))
ROOT = Path(__file__).resolve().parents[3]
ST = Path(sys.executable).parent / "st"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port, peer, api_port = processes.free_port(), processes.free_port(), processes.free_port()
    etcd = processes.start_etcd(tmp_path / "etcd", port, peer, tmp_path / "etcd.log")
    try:
        api = processes.start_apiserver(
            f"http://127.0.0.1:{port}", api_port, tmp_path / "apiserver.log"
        )
        try:
            yield f"http://127.0.0.1:{api_port}"
        finally:
            processes.stop(api)
    finally:
        processes.stop(etcd)


def _seed(api: httpx.Client) -> None:
    """The `fuzz` namespace and one `fuzz` object of every kind (see fuzz_hooks)."""
    for plural in ["namespaces", *(p for p in MANIFESTS if p != "namespaces")]:
        body = manifest(plural, object_name(plural, FUZZ))
        info = lookup_kind(str(body["apiVersion"]), str(body["kind"]))
        assert info is not None
        r = api.post(info.path(namespace=FUZZ), json=body)
        assert r.status_code == 201, (plural, r.text)


_SERVER_ERRORS = re.compile(r'^apiserver_request_total\{[^}]*code="5\d\d"[^}]*\} (\S+)', re.M)


def _server_errors(api: httpx.Client) -> int:
    return sum(int(float(m.group(1))) for m in _SERVER_ERRORS.finditer(api.get("/metrics").text))


def _requests(report: Path) -> tuple[int, list[str]]:
    """Requests made and failures found, from schemathesis' NDJSON event stream."""
    sent, failures = 0, []
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        sent += len(recorder.get("interactions", {}))
        for checks in recorder.get("checks", {}).values():
            failures += [
                f"{recorder['label']}: {c['name']}"
                for c in checks
                if str(c.get("status")).lower() != "success"
            ]
    return sent, failures


def _operations(doc: dict[str, dict[str, object]]) -> int:
    methods = {"get", "put", "post", "patch", "delete"}
    return sum(1 for item in doc["paths"].values() for m in item if m in methods)


def _fuzz(url: str, document: str, seconds: int, report: Path) -> tuple[int, list[str], str]:
    """One schemathesis run; its caches (.schemathesis, .hypothesis) go to the temp dir."""
    cmd = [
        str(ST),
        "run",
        f"{url}{document}",
        "--url",
        url,
        "--phases",
        "coverage,fuzzing",
        "--checks",
        "not_a_server_error,unsupported_method",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(seconds),
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--no-shrink",
        "--seed",
        "24",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.apiserver.fuzz_hooks"}
    env["MINIK8S_FUZZ_URL"] = url
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        cmd, cwd=report.parent, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    sent, failures = _requests(report)
    return sent, failures, run.stdout[-3000:] + run.stderr[-3000:]


# Start-up and the schemathesis runs, with room: about 450 operations in all.
@pytest.mark.timeout(int(300 + 900 * SECONDS_PER_OPERATION))
def test_fuzzing_every_operation_finds_no_server_error(server: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=server, timeout=10) as api:
        _seed(api)
        v3 = api.get("/openapi/v3").json()["paths"]
        documents = ["/openapi/v2"] + [f"/openapi/v3/{gv}" for gv in sorted(v3)]
        total = operations = 0
        started = time.monotonic()
        for i, document in enumerate(documents):
            count = _operations(api.get(document).json())
            seconds = max(5, round(count * SECONDS_PER_OPERATION))
            report = tmp_path / f"report-{i}.ndjson"
            sent, failures, output = _fuzz(server, document, seconds, report)
            assert sent > 0, output
            assert not failures, f"{document}: {failures[:20]}\n{output}"
            report.unlink()  # hundreds of MB: every request and response
            total += sent
            operations += count
        assert _server_errors(api) == 0, api.get("/metrics").text
    print(
        f"fuzzing: {total} requests, {operations} operations in {len(documents)} documents, "
        f"{time.monotonic() - started:.0f} s, no 5xx"
    )
