"""exec, attach, cp and port-forward end to end: clients → API server → kubelet → CRI shim →
Docker, with the real kubectl (1.32, and 1.31/1.33 where cheap), the official Python client
and mkctl. Bad input (an unknown channel, a truncated WebSocket frame, a port nothing
listens on, SPDY frames out of order) stays with its stream, and 100 exec plus 100
port-forward sessions, some cut off mid-stream, leave no task, socket or process behind.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from kubernetes import client as k8s
from kubernetes.stream import portforward, stream

from minik8s.stream import channels, spdy
from minik8s.stream.websocket import Refused, connect
from tests.conftest import APIServerProcess
from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import container, create, phase, pod, wait_pod
from tests.integration.streamkit import (
    Pty,
    SpdyClient,
    connections_to,
    drain,
    free_port,
    holdings,
    kubectl_binary,
    run,
    wait_for,
)

pytestmark = pytest.mark.integration

HTTP_GET = b"GET / HTTP/1.0\r\nHost: pod\r\n\r\n"
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def space(apiserver: APIServerProcess, kubelet: KubeletProcess) -> Iterator[str]:
    """A namespace with `shell` (busybox) and `web` (httpd on 8080, a second httpd on 9090
    in container `alt`), both Running on the module's node."""
    name = f"s-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=apiserver.url, timeout=30) as api:
        assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).is_success
        create(api, name, pod("shell", kubelet.node, container("main")))
        alt = "mkdir -p /w && echo alt > /w/index.html && exec httpd -f -p 9090 -h /w"
        web = {"name": "web", "image": "minik8s/httpd:latest", "imagePullPolicy": "Never"}
        web["ports"] = [{"name": "http", "containerPort": 8080}]
        web_pod = pod("web", kubelet.node, web, container("alt", alt))
        web_pod["metadata"]["labels"] = {"app": "web"}
        create(api, name, web_pod)
        for path, body in _web_front(name):
            answer = api.post(path, json=body)
            assert answer.status_code == 201, answer.text
        for each in ("shell", "web"):
            wait_pod(api, name, each, lambda p: phase(p) == "Running", f"{each} Running", 90)
        wait_for(lambda: _answers(apiserver.url, name), "httpd answering through the stream")
        yield name
        api.delete(f"/api/v1/namespaces/{name}")


def _web_front(namespace: str) -> list[tuple[str, dict[str, Any]]]:
    """A Service (port 80 to the container port named http) and a Deployment selecting
    `web`: what `port-forward svc/web` and `deploy/web` resolve to a pod (no controller
    runs here, so the Deployment adds no pods of its own)."""
    selector = {"app": "web"}
    service = {
        "metadata": {"name": "web"},
        "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": "http"}]},
    }
    template = {
        "metadata": {"labels": selector},
        "spec": {"containers": [{"name": "web", "image": "minik8s/httpd:latest"}]},
    }
    deployment = {
        "metadata": {"name": "web"},
        "spec": {"replicas": 0, "selector": {"matchLabels": selector}, "template": template},
    }
    return [
        (f"/api/v1/namespaces/{namespace}/services", service),
        (f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment),
    ]


def _answers(url: str, namespace: str) -> bool:
    path = f"/api/v1/namespaces/{namespace}/pods/web/portforward?ports=8080,9090"

    async def session() -> dict[int, bytes]:
        conn = await connect(_ws(url) + path, [channels.V4])
        await conn.send(channels.message(0, HTTP_GET))
        await conn.send(channels.message(2, HTTP_GET))
        got: dict[int, bytes] = {}
        opened: set[int] = set()  # each channel's first message is its port
        while not (got.get(0, b"").endswith(b"latest\n") and got.get(2, b"").endswith(b"alt\n")):
            msg = await conn.recv()
            if msg is None:
                break
            channel, data = channels.split(msg)
            if channel in opened:
                got[channel] = got.get(channel, b"") + data
            opened.add(channel)
        await conn.close()
        return got

    got = run(session(), 20)
    return got.get(0, b"").endswith(b"latest\n") and got.get(2, b"").endswith(b"alt\n")


def _ws(url: str) -> str:
    return "ws://" + url.removeprefix("http://")


@pytest.fixture
def kubectl(apiserver: APIServerProcess, space: str, tmp_path: Path) -> Kubectl:
    def call(
        *args: str, version: str | None = None, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        cmd = [kubectl_binary(version), "--server", apiserver.url, "-n", space]
        cmd += ["--cache-dir", str(tmp_path / "cache"), *args]
        return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=timeout)

    return call


def _mkctl(apiserver: APIServerProcess, space: str, *args: str, stdin: str | None = None) -> Any:
    cmd = [sys.executable, "-m", "minik8s.ctl.main", "--server", apiserver.url, "-n", space]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, input=stdin, timeout=60)


# --------------------------------------------------------------------------- kubectl exec


@pytest.mark.parametrize("version", [None, "1.31", "1.33"])
def test_kubectl_exec_plain_stdin_and_exit_codes(kubectl: Kubectl, version: str | None) -> None:
    done = kubectl("exec", "shell", "--", "sh", "-c", "echo out; echo err >&2", version=version)
    assert (done.returncode, done.stdout, done.stderr) == (0, "out\n", "err\n")
    done = kubectl("exec", "-i", "shell", "--", "sh", "-c", "cat | wc -c", stdin="hello world\n")
    assert (done.returncode, done.stdout.strip()) == (0, "12")
    done = kubectl("exec", "shell", "--", "sh", "-c", "exit 3", version=version)
    assert done.returncode == 3
    assert done.stderr == "command terminated with exit code 3\n"


def test_kubectl_exec_errors_read_like_kubernetes(kubectl: Kubectl) -> None:
    done = kubectl("exec", "nope", "--", "true")
    assert (done.returncode, done.stderr) == (
        1,
        'Error from server (NotFound): pods "nope" not found\n',
    )
    done = kubectl("exec", "shell", "-c", "nope", "--", "true")
    assert done.returncode == 1 and "container nope is not valid for pod shell" in done.stderr
    done = kubectl("exec", "shell", "--", "no-such-command")
    assert done.returncode != 0 and "no-such-command" in done.stdout + done.stderr


def test_kubectl_exec_it_with_a_terminal_and_resize(
    apiserver: APIServerProcess, space: str
) -> None:
    cmd = [kubectl_binary(), "--server", apiserver.url, "-n", space, "exec", "-it", "shell"]
    term = Pty([*cmd, "--", "sh"], rows=24, cols=80)
    term.expect(rb"# ")
    term.send(b"stty size\r")
    assert term.expect(rb"(\d+) (\d+)\r\n").groups() == (b"24", b"80")
    term.resize(40, 132)  # SIGWINCH: kubectl sends the new size on the resize channel
    deadline = time.monotonic() + 20
    size = b""
    while size != b"40 132" and time.monotonic() < deadline:
        term.send(b"stty size\r")
        size = term.expect(rb"\r\n(\d+ \d+)\r\n").group(1)
    assert size == b"40 132"
    term.send(b"exit 5\r")
    assert term.wait(30) == 5


# --------------------------------------------------------------------------- attach, run


def test_kubectl_attach_with_stdin(
    api: httpx.Client, space: str, kubelet: KubeletProcess, kubectl: Kubectl
) -> None:
    script = "while read l; do echo got $l; done; echo bye"
    echo = container("echo", script, stdin=True, stdinOnce=True)
    create(api, space, pod("echo", kubelet.node, echo, restartPolicy="Never"))
    wait_pod(api, space, "echo", lambda p: phase(p) == "Running", "echo Running")
    done = kubectl("attach", "-i", "echo", stdin="a\nb\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "got a\ngot b\nbye\n"
    wait_pod(api, space, "echo", lambda p: phase(p) == "Succeeded", "echo Succeeded")


def test_kubectl_run_interactive_and_removed(
    api: httpx.Client, space: str, kubelet: KubeletProcess, kubectl: Kubectl
) -> None:
    # no scheduler runs here: --overrides puts the pod on the node, as a scheduler would
    placed = json.dumps({"apiVersion": "v1", "spec": {"nodeName": kubelet.node}})
    args = ["run", "-i", "--rm", "--restart=Never", "--image=minik8s/busybox:latest"]
    args += ["--image-pull-policy=IfNotPresent", f"--overrides={placed}", "once"]
    done = kubectl(*args, "--", "sh", "-c", "read l; echo got $l", stdin="hi\n", timeout=90)
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'got hi\npod "once" deleted\n'


# --------------------------------------------------------------------------- cp


def test_kubectl_cp_both_ways(kubectl: Kubectl, tmp_path: Path) -> None:
    local = tmp_path / "tree"
    (local / "sub").mkdir(parents=True)
    (local / "a.txt").write_text("alpha\n")
    (local / "sub" / "b.bin").write_bytes(bytes(range(256)) * 64)
    assert kubectl("cp", str(local / "a.txt"), "shell:/tmp/a.txt").returncode == 0
    done = kubectl("cp", str(local), "shell:/tmp/tree")
    assert done.returncode == 0, done.stderr
    remote = kubectl("exec", "shell", "--", "md5sum", "/tmp/tree/sub/b.bin").stdout
    assert remote.split()[0] == hashlib.md5(bytes(range(256)) * 64).hexdigest()
    back = tmp_path / "back"
    done = kubectl("cp", "shell:/tmp/tree", str(back))
    assert done.returncode == 0, done.stderr
    assert (back / "a.txt").read_text() == "alpha\n"
    assert (back / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 64
    done = kubectl("cp", "shell:/tmp/a.txt", str(tmp_path / "a.copy"))
    assert (tmp_path / "a.copy").read_text() == "alpha\n", done.stderr


# --------------------------------------------------------------------------- port-forward


@pytest.mark.parametrize("version", [None, "1.31", "1.33"])
def test_kubectl_port_forward_pod(
    apiserver: APIServerProcess, space: str, tmp_path: Path, version: str | None
) -> None:
    port = free_port()
    cmd = [kubectl_binary(version), "--server", apiserver.url, "-n", space]
    cmd += ["--cache-dir", str(tmp_path), "port-forward", "pod/web", f"{port}:8080", ":9090"]
    with _background(cmd) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
        picked = ""  # ":9090": kubectl picks the local port and says which
        while not picked:
            line = proc.stdout.readline()
            assert line, "kubectl ended"
            found = re.fullmatch(r"Forwarding from 127\.0\.0\.1:(\d+) -> 9090\n", line)
            picked = found.group(1) if found else ""
        for _ in range(5):
            assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text == "web latest\n"
        assert httpx.get(f"http://127.0.0.1:{picked}/", timeout=10).text == "alt\n"


@pytest.mark.parametrize("target,remote", [("svc/web", "80"), ("deploy/web", "http")])
def test_kubectl_port_forward_service_and_deployment(
    apiserver: APIServerProcess, space: str, tmp_path: Path, target: str, remote: str
) -> None:
    port = free_port()
    cmd = [kubectl_binary(), "--server", apiserver.url, "-n", space]
    cmd += ["--cache-dir", str(tmp_path), "port-forward", target, f"{port}:{remote}"]
    with _background(cmd) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
        for _ in range(2):
            assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text == "web latest\n"


def test_kubectl_port_forward_to_a_closed_port_says_why(
    apiserver: APIServerProcess, space: str, tmp_path: Path
) -> None:
    port = free_port()
    cmd = [kubectl_binary(), "--server", apiserver.url, "-n", space]
    cmd += ["--cache-dir", str(tmp_path), "port-forward", "pod/web", f"{port}:7"]
    with _background(cmd) as proc:
        assert proc.stdout is not None and "Forwarding" in proc.stdout.readline()
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert proc.wait(20) == 1  # kubectl gives up on the connection to the pod
        assert proc.stderr is not None
        errors = proc.stderr.read()
    assert "error forwarding port 7 to pod" in errors and "connection refused" in errors


class _background:
    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def __enter__(self) -> subprocess.Popen[str]:
        return self.proc

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(20)


# --------------------------------------------------------------------------- Python client


@pytest.fixture
def core(apiserver: APIServerProcess) -> Iterator[k8s.CoreV1Api]:
    config = k8s.Configuration()
    config.host = apiserver.url
    with k8s.ApiClient(config) as api_client:
        yield k8s.CoreV1Api(api_client)


def test_python_client_exec_with_stdin_and_exit_codes(core: k8s.CoreV1Api, space: str) -> None:
    out = stream(
        core.connect_get_namespaced_pod_exec,
        "shell",
        space,
        command=["sh", "-c", "echo hi; echo oops >&2"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
    )
    assert sorted(out.splitlines()) == ["hi", "oops"]  # stdout and stderr, as they came
    session = stream(
        core.connect_get_namespaced_pod_exec,
        "shell",
        space,
        command=["sh", "-c", "read line; echo got $line; exit 4"],
        stderr=True,
        stdin=True,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    session.write_stdin("typed\n")
    session.run_forever(timeout=30)
    assert session.read_stdout() == "got typed\n"
    assert session.returncode == 4
    session = stream(
        core.connect_get_namespaced_pod_exec,
        "shell",
        space,
        command=["cat"],
        stdin=True,
        stdout=True,
        stderr=True,
        tty=False,
        _preload_content=False,
    )
    session.write_stdin("to the end\n")
    session.close_channel(channels.STDIN)  # v5: cat sees EOF
    session.run_forever(timeout=30)
    assert (session.read_stdout(), session.returncode) == ("to the end\n", 0)


def test_python_client_portforward_two_ports_ten_connections(
    core: k8s.CoreV1Api, space: str
) -> None:
    for _ in range(10):
        forwarded = portforward(
            core.connect_get_namespaced_pod_portforward, "web", space, ports="8080,9090"
        )
        answers = {}
        for port in (8080, 9090):
            sock = forwarded.socket(port)
            sock.setblocking(True)
            sock.sendall(b"GET / HTTP/1.0\r\nHost: pod\r\n\r\n")
            answers[port] = _read_until(sock, (b"latest\n", b"alt\n"))
        for port in (8080, 9090):
            forwarded.socket(port).close()
            assert forwarded.error(port) is None
        assert b"200 OK" in answers[8080] and answers[8080].endswith(b"web latest\n")
        assert answers[9090].endswith(b"alt\n")
    forwarded = portforward(core.connect_get_namespaced_pod_portforward, "web", space, ports="7")
    sock = forwarded.socket(7)
    sock.setblocking(True)
    assert _read_until(sock, ()) == b""  # the pod's side closed at once
    assert "error forwarding port 7" in (forwarded.error(7) or "")


def _read_until(sock: Any, endings: tuple[bytes, ...], timeout: float = 20) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while not (endings and data.endswith(endings)):
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"nothing more after {data!r}"
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


# --------------------------------------------------------------------------- mkctl


def test_mkctl_exec_attach_cp_and_port_forward(
    apiserver: APIServerProcess,
    api: httpx.Client,
    kubelet: KubeletProcess,
    space: str,
    tmp_path: Path,
) -> None:
    script = "while read l; do echo got $l; done; echo bye"
    echo = container("echo", script, stdin=True, stdinOnce=True)
    create(api, space, pod("mk-echo", kubelet.node, echo, restartPolicy="Never"))
    wait_pod(api, space, "mk-echo", lambda p: phase(p) == "Running", "mk-echo Running")
    done = _mkctl(apiserver, space, "attach", "-i", "mk-echo", stdin="a\nb\n")
    assert (done.returncode, done.stdout) == (0, "got a\ngot b\nbye\n"), done.stderr
    done = _mkctl(
        apiserver, space, "exec", "-i", "shell", "--", "sh", "-c", "cat; exit 6", stdin="x\n"
    )
    assert (done.returncode, done.stdout) == (6, "x\n"), done.stderr
    assert done.stderr == "command terminated with exit code 6\n"
    (tmp_path / "f.txt").write_text("from mkctl\n")
    assert (
        _mkctl(apiserver, space, "cp", str(tmp_path / "f.txt"), "shell:/tmp/m.txt").returncode == 0
    )
    done = _mkctl(apiserver, space, "cp", "shell:/tmp/m.txt", str(tmp_path / "g.txt"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g.txt").read_text() == "from mkctl\n"
    done = _mkctl(apiserver, space, "get", "--raw", f"/api/v1/namespaces/{space}/pods/shell")
    assert json.loads(done.stdout)["metadata"]["name"] == "shell"
    port = free_port()
    cmd = [sys.executable, "-m", "minik8s.ctl.main", "--server", apiserver.url, "-n", space]
    with _background([*cmd, "port-forward", "pod/web", f"{port}:http"]) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
        for _ in range(3):
            assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text == "web latest\n"
    for target, remote in (("svc/web", "80"), ("deploy/web", "8080")):
        port = free_port()
        with _background([*cmd, "port-forward", target, f"{port}:{remote}"]) as proc:
            assert proc.stdout is not None
            assert proc.stdout.readline() == f"Forwarding from 127.0.0.1:{port} -> 8080\n"
            assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text == "web latest\n"


def test_mkctl_exec_it_in_a_terminal(apiserver: APIServerProcess, space: str) -> None:
    cmd = [sys.executable, "-m", "minik8s.ctl.main", "--server", apiserver.url, "-n", space]
    term = Pty([*cmd, "exec", "-it", "shell", "--", "sh"], rows=30, cols=100)
    term.expect(rb"# ")
    term.send(b"stty size\r")
    assert term.expect(rb"(\d+) (\d+)\r\n").groups() == (b"30", b"100")
    term.resize(33, 111)
    deadline = time.monotonic() + 20
    size = b""
    while size != b"33 111" and time.monotonic() < deadline:
        term.send(b"stty size\r")
        size = term.expect(rb"\r\n(\d+ \d+)\r\n").group(1)
    assert size == b"33 111"
    term.send(b"exit 2\r")
    assert term.wait(30) == 2


# --------------------------------------------------------------------------- the API server


def test_the_api_server_answers_refusals_as_a_status(
    apiserver: APIServerProcess, space: str
) -> None:
    base = _ws(apiserver.url) + f"/api/v1/namespaces/{space}/pods"
    cases = [
        ("/nope/exec?command=true&stdout=true", 404, 'pods "nope" not found'),
        ("/shell/exec?stdout=true", 400, "at least one command"),
        ("/shell/exec?command=true", 400, "at least 1 of stdin, stdout, stderr"),
        ("/shell/exec?command=true&stdout=1&container=x", 400, "container x is not valid"),
        ("/web/portforward?ports=99999", 400, "between 1 and 65535"),
        ("/shell/log", 400, "not served over WebSocket"),
    ]
    for path, code, text in cases:
        with pytest.raises(Refused) as refused:
            run(connect(base + path, [channels.V5]))
        status = json.loads(refused.value.body)
        assert (refused.value.status, status["kind"], status["code"]) == (code, "Status", code)
        assert text in status["message"], (path, status)
    # the runtime refuses a subprotocol it does not speak, and the refusal comes back
    with pytest.raises(Refused) as refused:
        run(connect(base + "/shell/exec?command=true&stdout=1", ["v3.channel.k8s.io"]))
    assert refused.value.status == 400 and b"v5.channel.k8s.io" in refused.value.body
    with httpx.Client(base_url=apiserver.url, timeout=10) as api:
        answer = api.post(
            f"/api/v1/namespaces/{space}/pods/shell/exec?command=true&stdout=true",
            headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1"},
        )
        assert answer.status_code == 400 and "SPDY/3.1 upgrades are not served" in answer.text
        answer = api.get(f"/api/v1/namespaces/{space}/pods/web/portforward?ports=8080")
        assert answer.status_code == 400 and "Upgrade request required" in answer.text


# --------------------------------------------------------------------------- bad input


def test_an_unknown_channel_gets_a_status_and_other_streams_go_on(
    apiserver: APIServerProcess, space: str
) -> None:
    base = _ws(apiserver.url) + f"/api/v1/namespaces/{space}/pods/shell/exec"

    async def both() -> tuple[dict[int, bytes], dict[int, bytes]]:
        bad = await connect(base + "?command=sleep&command=300&stdin=1&stdout=1", [channels.V5])
        good = await connect(base + "?command=cat&stdin=1&stdout=1", [channels.V5])
        await bad.recv()
        await good.recv()
        await bad.send(channels.message(7, b"?"))
        got_bad = await drain(bad)
        await good.send(channels.message(channels.STDIN, b"still here\n"))
        await good.send(channels.close_message(channels.STDIN))
        return got_bad, await drain(good)

    got_bad, got_good = run(both())
    status = json.loads(got_bad[channels.ERROR])
    assert (status["status"], status["reason"], status["code"]) == ("Failure", "BadRequest", 400)
    assert "unknown channel 7" in status["message"]
    assert got_good[channels.STDOUT] == b"still here\n"
    assert json.loads(got_good[channels.ERROR])["status"] == "Success"


def test_a_truncated_websocket_frame_ends_only_its_session(
    apiserver: APIServerProcess, space: str
) -> None:
    host, port = apiserver.url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    path = f"/api/v1/namespaces/{space}/pods/shell/exec?command=cat&stdin=1&stdout=1"
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n"
            ).encode()
        )
        response = http.client.HTTPResponse(raw)
        response.begin()
        assert response.status == 101
        # a masked binary frame announcing 100 bytes, of which 10 arrive
        raw.sendall(b"\x82\xe4" + b"\x00\x00\x00\x00" + b"\x00" + b"x" * 9)
        # then the connection is cut: the rest never comes
    done = subprocess.run(
        [
            kubectl_binary(),
            "--server",
            apiserver.url,
            "-n",
            space,
            "exec",
            "shell",
            "--",
            "echo",
            "ok",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr


def test_spdy_frames_out_of_order_reset_only_their_stream(
    apiserver: APIServerProcess, space: str
) -> None:
    url = _ws(apiserver.url) + f"/api/v1/namespaces/{space}/pods/web/portforward"

    async def session() -> tuple[dict[int, bytes], list[spdy.Read], int, int]:
        conn = await connect(url, [channels.SPDY_PORTFORWARD])
        client = SpdyClient(conn)
        error = await client.open("error", 8080, 0, fin=True)
        data = await client.open("data", 8080, 0)
        await conn.send(client.writer.data(99, b"never opened"))  # out of order
        client.next_id = 1
        await client.open("data", 8080, 5)  # an id already used
        await conn.send(client.writer.data(data, HTTP_GET, fin=True))
        seen, others = await client.until_finished(data, error)
        await conn.close()
        return seen, others, data, error

    seen, others, data, error = run(session())
    assert spdy.RstStream(99, spdy.INVALID_STREAM) in others
    assert spdy.RstStream(1, spdy.PROTOCOL_ERROR) in others
    assert seen[data].endswith(b"web latest\n") and seen.get(error, b"") == b""


# --------------------------------------------------------------------------- leaks


def test_200_sessions_some_cut_off_leave_nothing_behind(
    apiserver: APIServerProcess,
    kubelet: KubeletProcess,
    space: str,
    docker_api: docker.APIClient,  # noqa: F811 - the fixture from the CRI tests
) -> None:
    assert apiserver.proc is not None and kubelet.proc is not None
    assert kubelet.shim.proc is not None
    shim = kubelet.shim.proc.pid
    streaming_port = int(
        wait_for(
            lambda: re.search(
                r"streaming server on http://127.0.0.1:(\d+)", kubelet.shim.log.read_text()
            ),
            "the shim's streaming address",
        ).group(1)
    )

    def counts() -> dict[str, tuple[int, ...]]:
        """Tasks running streams, the connections that carry them and the session gauges.
        (A daemon's other sockets come and go with its own work, and the shim's unix
        sockets include the Docker SDK's per-URL connection pools, bounded by
        --docker-workers: its Docker streams and connections into pods have gauges.)"""
        return {
            "apiserver": (
                *holdings(apiserver.proc.pid, f"{apiserver.url}/metrics"),
                connections_to(apiserver.proc.pid, kubelet.port),
            ),
            "kubelet": (
                *holdings(
                    kubelet.proc.pid,
                    f"http://127.0.0.1:{kubelet.health_port}/metrics",
                    ("kubelet_stream_sessions",),
                ),
                connections_to(kubelet.proc.pid, streaming_port),
            ),
            "cri": holdings(
                shim,
                f"http://127.0.0.1:{kubelet.shim.health_port}/metrics",
                (
                    "cri_streaming_active_sessions",
                    "cri_streaming_docker_streams",
                    "cri_streaming_pod_connections",
                ),
                tcp_sockets=True,
            ),
        }

    shell = _container_id(docker_api, kubelet, space, "shell")

    def sleepers() -> int:
        return sum("sleep 300" in row[-1] for row in docker_api.top(shell)["Processes"])

    run(_sessions(apiserver.url, space, 10))  # warm every pool once
    before = _settled(counts, sleepers)
    started = time.monotonic()
    run(_sessions(apiserver.url, space, 100), 300)
    took = time.monotonic() - started
    try:
        wait_for(lambda: counts() == before and sleepers() == 0, "every count back", 60)
    except AssertionError:
        raise AssertionError(f"before {before}, after {counts()}, {sleepers()} left") from None
    print(f"200 sessions through the API server in {took:.1f}s; held before and after: {before}")


async def _sessions(url: str, space: str, n: int) -> None:
    """`n` exec and `n` port-forward sessions, 8 at a time: two thirds of the execs and
    three quarters of the port-forwards cut off mid-stream, with or without a close frame."""
    base = _ws(url) + f"/api/v1/namespaces/{space}/pods"
    limit = asyncio.Semaphore(8)

    async def exec_one(i: int) -> None:
        async with limit:
            if i % 3 == 0:  # finishes
                conn = await connect(
                    f"{base}/shell/exec?command=echo&command={i}&stdout=1", [channels.V5]
                )
                got = await drain(conn)
                assert got[channels.STDOUT] == f"{i}\n".encode()
                return
            conn = await connect(
                f"{base}/shell/exec?command=sleep&command=300&stdin=1&stdout=1", [channels.V5]
            )
            await conn.recv()
            if i % 3 == 1:
                await conn.send(channels.message(channels.STDIN, b"x"))
                await conn.close()  # cut off with a close frame
            else:
                conn.writer.transport.abort()  # cut off without one

    async def forward_one(i: int) -> None:
        async with limit:
            if i % 2:
                conn = await connect(f"{base}/web/portforward?ports=8080", [channels.V4])
                await conn.recv()
                await conn.send(channels.message(0, b"GET / HT"))  # half a request
                conn.writer.transport.abort()
                return
            conn = await connect(f"{base}/web/portforward", [channels.SPDY_PORTFORWARD])
            client = SpdyClient(conn)
            await client.open("error", 8080, i, fin=True)
            data = await client.open("data", 8080, i)
            await conn.send(client.writer.data(data, HTTP_GET, fin=True))
            if i % 4 == 0:
                seen, _ = await client.until_finished(data)
                assert seen[data].endswith(b"web latest\n")
                await conn.close()
            else:
                conn.writer.transport.abort()  # gone while the answer is on its way

    await asyncio.gather(*(exec_one(i) for i in range(n)), *(forward_one(i) for i in range(n)))


def _settled(counts: Callable[[], dict[str, tuple[int, ...]]], sleepers: Callable[[], int]) -> Any:
    """The counts once no stream runs anywhere and no exec is left (the shim's TCP sockets,
    last of its counts, are its listeners and whatever else it holds)."""
    last: list[Any] = [None]

    def quiet() -> Any:
        now = last[0] = counts()
        running = [*now["apiserver"], *now["kubelet"], *now["cri"][:-1]]  # all but sockets
        return now if not any(running) and sleepers() == 0 else None

    try:
        return wait_for(quiet, "the daemons to be idle", 60, interval=0.5)
    except AssertionError:
        raise AssertionError(f"never idle: {last[0]}, {sleepers()} exec left") from None


def _container_id(
    docker_api: docker.APIClient, kubelet: KubeletProcess, namespace: str, pod_name: str
) -> str:
    for found in docker_api.containers(
        filters={"label": f"io.minik8s.cri.instance={kubelet.shim.instance}"}
    ):
        labels = found["Labels"]
        if (
            labels.get("io.minik8s.cri.pod-name") == pod_name
            and labels.get("io.minik8s.cri.pod-namespace") == namespace
            and labels.get("io.minik8s.cri.type") == "container"
        ):
            return str(found["Id"])
    raise AssertionError(f"no container of pod {namespace}/{pod_name}")
