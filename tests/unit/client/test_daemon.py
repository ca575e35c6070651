"""The daemon runner: task supervision, shutdown, health endpoints, signals, flags.

In-process tests run `Daemon.run()` on a fresh loop; the signal tests start a real
daemon process and wait on conditions with deadlines, never on fixed sleeps.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from minik8s.client.daemon import (
    Daemon,
    DaemonConfig,
    add_common_flags,
    parse_bool,
    parse_duration,
)
from minik8s.client.workqueue import WorkQueue, run_workers
from minik8s.cluster.processes import free_port, http_ok, wait_until

R = TypeVar("R")
ROOT = Path(__file__).resolve().parents[3]


def run(coro: Coroutine[Any, Any, R]) -> R:
    """Runs a coroutine on a fresh loop; a hang fails the test after 20 s."""
    return asyncio.run(asyncio.wait_for(coro, 20))


def quick(name: str = "testd", **kwargs: Any) -> Daemon:
    return Daemon(DaemonConfig(name, shutdown_timeout=2, restart_backoff=0.001, **kwargs))


# --- root tasks -----------------------------------------------------------------------------


def test_a_daemon_whose_tasks_finish_exits_0() -> None:
    daemon = quick()
    ran: list[str] = []

    async def once() -> None:
        ran.append("once")

    daemon.add_task("once", once)
    assert run(daemon.run()) == 0
    assert ran == ["once"]
    assert daemon.stopping.is_set()


def test_a_crashed_critical_task_stops_the_daemon_with_exit_code_1(
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = quick()
    observed: list[str] = []

    async def crash() -> None:
        raise RuntimeError("lost the lease")

    async def main_loop() -> None:
        await daemon.stopping.wait()
        observed.append("main loop saw stopping")

    daemon.add_task("main", main_loop)
    daemon.add_task("elector", crash)
    assert run(daemon.run()) == 1
    assert observed == ["main loop saw stopping"]
    assert "critical task elector failed; stopping" in caplog.text
    assert "lost the lease" in caplog.text


def test_a_finished_critical_task_stops_the_daemon_with_exit_code_0() -> None:
    daemon = quick()
    observed: list[str] = []

    async def done_quickly() -> None:
        return None

    async def forever() -> None:
        await daemon.stopping.wait()
        observed.append("stopped")

    daemon.add_task("forever", forever, critical=False)
    daemon.add_task("main", done_quickly)
    assert run(daemon.run()) == 0
    assert observed == ["stopped"]


def test_a_crashed_non_critical_task_is_restarted_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = quick()
    attempts: list[int] = []

    async def flaky() -> None:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ConnectionError("peer away")

    daemon.add_task("flaky", flaky, critical=False)
    assert run(daemon.run()) == 0  # its third run returned: every task finished
    assert attempts == [0, 1, 2]
    assert caplog.text.count("task flaky failed; restarting") == 2
    assert "restarting in 0.0s" in caplog.text


def test_a_non_critical_task_is_not_restarted_once_stopping() -> None:
    daemon = quick()
    attempts: list[int] = []

    async def fails_at_shutdown() -> None:
        attempts.append(1)
        await daemon.stopping.wait()
        raise RuntimeError("closing")

    async def main_loop() -> None:
        daemon.request_stop()

    daemon.add_task("helper", fails_at_shutdown, critical=False)
    daemon.add_task("main", main_loop)
    assert run(daemon.run()) == 0
    assert attempts == [1]


def test_request_stop_keeps_the_highest_exit_code() -> None:
    daemon = quick()

    async def main_loop() -> None:
        daemon.request_stop(3, "fatal config")
        daemon.request_stop(0)

    daemon.add_task("main", main_loop)
    assert run(daemon.run()) == 3


def test_tasks_must_be_registered_once_and_before_run() -> None:
    daemon = quick()

    async def main_loop() -> None:
        with pytest.raises(RuntimeError):
            daemon.add_task("late", main_loop)

    daemon.add_task("main", main_loop)
    with pytest.raises(ValueError):
        daemon.add_task("main", main_loop)
    assert run(daemon.run()) == 0


# --- shutdown -------------------------------------------------------------------------------


def test_shutdown_callbacks_run_in_order_and_a_failing_one_does_not_stop_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = quick()
    calls: list[str] = []

    async def release_lease() -> None:
        await asyncio.sleep(0)
        calls.append("async")

    def broken() -> None:
        raise RuntimeError("oops")

    daemon.on_shutdown(lambda: calls.append("sync"))
    daemon.on_shutdown(broken)
    daemon.on_shutdown(release_lease)
    daemon.add_task("main", _wait_stopping(daemon))
    daemon.add_task("stop", _stop_soon(daemon))
    assert run(daemon.run()) == 0
    assert calls == ["sync", "async"]
    assert "shutdown callback" in caplog.text and "oops" in caplog.text


def test_a_work_queue_is_shut_down_by_a_callback_and_drained() -> None:
    """The pattern controllers follow: on_shutdown(queue.shut_down) ends run_workers."""
    daemon = quick()
    queue: WorkQueue[str] = WorkQueue()
    handled: list[str] = []

    async def handle(key: str) -> None:
        handled.append(key)
        if key == "last":
            daemon.request_stop()

    async def workers() -> None:
        await run_workers(queue, handle, 2)

    for key in ("a", "b", "last"):
        queue.add(key)
    daemon.add_task("workers", workers)
    daemon.on_shutdown(queue.shut_down)
    assert run(daemon.run()) == 0
    assert sorted(handled) == ["a", "b", "last"]


def test_tasks_still_running_after_the_shutdown_timeout_are_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = Daemon(DaemonConfig("testd", shutdown_timeout=0.05))
    cancelled: list[bool] = []

    async def stubborn() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main_loop() -> None:
        return None

    daemon.add_task("stubborn", stubborn, critical=False)
    daemon.add_task("main", main_loop)
    started = time.monotonic()
    assert run(daemon.run()) == 0
    assert cancelled == [True]
    assert time.monotonic() - started < 5
    assert "still running after shutdown timeout: testd:stubborn" in caplog.text


def test_run_restores_the_previous_signal_handlers() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    daemon = quick()
    daemon.add_task("main", _noop)
    assert run(daemon.run()) == 0
    assert {sig: signal.getsignal(sig) for sig in before} == before


# --- health and metrics ---------------------------------------------------------------------


def test_health_readiness_and_metrics_endpoints() -> None:
    port = free_port()
    daemon = quick(health_port=port)
    leader = {"ok": True}

    async def informers_synced() -> bool:
        return True

    def raises() -> bool:
        raise RuntimeError("check bug")

    daemon.add_health_check("leader-election", lambda: leader["ok"])
    daemon.add_health_check("informers", informers_synced)
    answers: dict[str, tuple[int, str]] = {}

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as c:

            async def get(label: str, path: str, method: str = "GET") -> None:
                response = await c.request(method, path)
                answers[label] = (response.status_code, response.text)

            await get("healthz", "/healthz")
            await get("livez", "/livez")
            await get("readyz", "/readyz")
            await get("verbose", "/healthz?verbose")
            await get("one", "/healthz/informers")
            await get("missing check", "/healthz/nope")
            await get("metrics", "/metrics")
            await get("head", "/healthz", "HEAD")
            await get("post", "/healthz", "POST")
            await get("unknown", "/nope")
            leader["ok"] = False
            await get("unhealthy", "/healthz")
            await get("unready", "/readyz")
            daemon.add_health_check("buggy", raises)
            await get("buggy", "/healthz/buggy")
        daemon.request_stop()

    daemon.add_task("probe", probe)
    assert run(daemon.run()) == 0
    assert answers["healthz"] == (200, "ok")
    assert answers["livez"] == (200, "ok")
    assert answers["readyz"] == (200, "ok")
    assert answers["verbose"] == (
        200,
        "[+]ping ok\n[+]leader-election ok\n[+]informers ok\nhealthz check passed\n",
    )
    assert answers["one"] == (200, "ok")
    assert answers["missing check"][0] == 404
    assert answers["metrics"][0] == 200
    assert "python_info" in answers["metrics"][1]
    assert answers["head"] == (200, "")
    assert answers["post"][0] == 405
    assert answers["unknown"][0] == 404
    status, text = answers["unhealthy"]
    assert status == 503
    assert "[-]leader-election failed" in text
    assert "[+]informers ok" in text
    assert text.endswith("healthz check failed\n")
    assert answers["unready"][0] == 503
    assert "readyz check failed" in answers["unready"][1]
    assert answers["buggy"] == (503, "[-]buggy failed\nhealthz check failed\n")


def test_readyz_fails_once_stopping() -> None:
    """A request on a connection accepted before the stop is answered `[-]shutdown`."""
    port = free_port()
    daemon = quick(health_port=port)
    daemon.add_task("main", _wait_stopping(daemon))

    async def scenario() -> tuple[int, tuple[int, str]]:
        running = asyncio.create_task(daemon.run())
        reader, writer = await _connect_when_listening(port)
        daemon.request_stop()
        writer.write(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = (await reader.read()).decode()
        writer.close()
        head, _, body = raw.partition("\r\n\r\n")
        return await running, (int(head.split()[1]), body)

    code, answer = run(scenario())
    assert code == 0
    assert answer == (503, "[+]ping ok\n[-]shutdown failed\nreadyz check failed\n")


def test_a_port_in_use_fails_the_start_with_exit_code_1(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        daemon = quick(health_port=taken.getsockname()[1])
        daemon.add_task("main", _noop)
        assert run(daemon.run()) == 1
    assert "cannot serve health" in caplog.text


# --- a real daemon process and signals ------------------------------------------------------

DAEMON_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from minik8s.client.daemon import Daemon, DaemonConfig, run_daemon

    port, stubborn, timeout = int(sys.argv[1]), sys.argv[2] == "stubborn", float(sys.argv[3])
    daemon = Daemon(DaemonConfig("testd", health_port=port, shutdown_timeout=timeout))

    async def main_loop():
        await daemon.stopping.wait()
        print("main loop saw stopping", flush=True)

    async def ignores_stopping():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            print("stubborn task cancelled", flush=True)
            raise

    daemon.add_task("main", main_loop)
    if stubborn:
        daemon.add_task("stubborn", ignores_stopping, critical=False)
    daemon.on_shutdown(lambda: print("shutdown callback ran", flush=True))
    run_daemon(daemon)
    """
)


def start_daemon(tmp_path: Path, port: int, mode: str, timeout: float) -> subprocess.Popen[str]:
    script = tmp_path / "testd.py"
    script.write_text(DAEMON_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(port), mode, str(timeout)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def healthy() -> bool:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"daemon exited with {proc.returncode}:\n{out}\n{err}")
        return http_ok(f"http://127.0.0.1:{port}/healthz")

    try:
        wait_until(healthy, 15, "the daemon's /healthz")
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_daemon_process_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    port = free_port()
    proc = start_daemon(tmp_path, port, "cooperative", timeout=10)
    with httpx.Client(trust_env=False) as client:
        response = client.get(f"http://127.0.0.1:{port}/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.splitlines() == ["shutdown callback ran", "main loop saw stopping"]
    assert f"received {sig.name}" in err
    assert "component=testd" in err  # logs.setup ran: logfmt lines
    assert "Traceback" not in err


def test_a_daemon_process_cancels_a_stubborn_task_after_the_timeout(tmp_path: Path) -> None:
    port = free_port()
    proc = start_daemon(tmp_path, port, "stubborn", timeout=0.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 5
    assert "stubborn task cancelled" in out
    assert "still running after shutdown timeout" in err


# --- flags ----------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mk-test")
    add_common_flags(parser, health_port=10259)
    return parser.parse_args(list(argv))


def test_common_flags_have_the_kubernetes_defaults() -> None:
    args = parse()
    assert vars(args) == {
        "kubeconfig": None,
        "server": None,
        "v": 0,
        "leader_elect": True,
        "leader_elect_lease_duration": 15.0,
        "leader_elect_renew_deadline": 10.0,
        "leader_elect_retry_period": 2.0,
        "leader_elect_resource_namespace": "kube-system",
        "leader_elect_resource_name": None,
        "healthz_bind_address": "127.0.0.1",
        "healthz_port": 10259,
    }


def test_common_flags_parse_the_kubernetes_spellings() -> None:
    args = parse(
        "--kubeconfig=/etc/kubeconfig",
        "--master",
        "http://10.0.0.1:6443",
        "--v=4",
        "--leader-elect=false",
        "--leader-elect-lease-duration=1m30s",
        "--leader-elect-renew-deadline",
        "500ms",
        "--leader-elect-retry-period=3",
        "--leader-elect-resource-namespace=infra",
        "--healthz-bind-address=0.0.0.0",
        "--healthz-port=0",
    )
    assert args.kubeconfig == "/etc/kubeconfig"
    assert args.server == "http://10.0.0.1:6443"
    assert args.v == 4
    assert args.leader_elect is False
    assert args.leader_elect_lease_duration == 90
    assert args.leader_elect_renew_deadline == 0.5
    assert args.leader_elect_retry_period == 3
    assert args.leader_elect_resource_namespace == "infra"
    config = DaemonConfig.from_args("scheduler", args)
    assert config == DaemonConfig("scheduler", health_bind="0.0.0.0", health_port=None, verbosity=4)
    assert parse("--leader-elect").leader_elect is True
    assert parse("-v", "2", "--server=http://x").v == 2
    assert DaemonConfig.from_args("s", parse()).health_port == 10259


def test_every_common_flag_has_help() -> None:
    parser = argparse.ArgumentParser(prog="mk-test")
    add_common_flags(parser, health_port=10259)
    for action in parser._actions:
        assert action.help, action.dest
    assert "--master" in parser.format_help()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15s", 15), ("1m30s", 90), ("500ms", 0.5), ("2h", 7200), ("1.5s", 1.5), ("10", 10),
     ("0", 0), ("250us", 0.00025), ("3µs", 3e-6), ("100ns", 1e-7), ("0.25", 0.25)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "15x", "1m 30s", "-5s", "-1", "abc", "5s3", "1.2.3s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_parse_bool() -> None:
    for text in ("true", "True", "1", "t", "yes"):
        assert parse_bool(text) is True
    for text in ("false", "FALSE", "0", "f", "no"):
        assert parse_bool(text) is False
    with pytest.raises(argparse.ArgumentTypeError):
        parse_bool("maybe")
    with pytest.raises(SystemExit):
        parse("--leader-elect=maybe")


# --- helpers --------------------------------------------------------------------------------


async def _noop() -> None:
    return None


def _stop_soon(daemon: Daemon) -> Any:
    async def stop() -> None:
        daemon.request_stop()

    return stop


def _wait_stopping(daemon: Daemon) -> Any:
    async def wait() -> None:
        await daemon.stopping.wait()

    return wait


async def _connect_when_listening(
    port: int,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connects once the daemon's server listens (bounded by the caller's deadline)."""
    while True:
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)  # retry interval of a connect poll, not a sync point
