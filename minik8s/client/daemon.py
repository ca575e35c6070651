"""The runner every minik8s daemon uses: startup → main loop → shutdown.

A daemon's `main()` parses its flags (`add_common_flags` gives the ones every Kubernetes
daemon shares), builds a `Daemon` from a `DaemonConfig`, registers root tasks, health
checks and shutdown callbacks, and hands it to `run_daemon()`::

    parser = argparse.ArgumentParser(prog="mk-scheduler")
    add_common_flags(parser, health_port=10259)
    args = parser.parse_args()
    daemon = Daemon(DaemonConfig.from_args("scheduler", args))
    daemon.add_task("scheduling", scheduler.run)
    daemon.add_health_check("informers-synced", scheduler.synced)
    daemon.on_shutdown(scheduler.queue.shut_down)
    run_daemon(daemon)

Lifecycle of `Daemon.run()`:

1. *Startup*: SIGTERM/SIGINT handlers are installed (the previous ones are restored when
   `run()` returns); the HTTP server for `/healthz`, `/livez`, `/readyz` and `/metrics`
   starts on `health_port` (none when it is `None`); every root task starts.
2. *Main loop*: the daemon waits on `stopping`. It is set by a signal, by `request_stop()`,
   when a critical task crashes (exit code 1) or returns (exit code 0), or when every
   task has returned. A non-critical task that crashes is logged and restarted after a
   backoff (doubling from `restart_backoff` to `restart_backoff_cap`).
3. *Shutdown*: the HTTP server stops accepting; the shutdown callbacks run in the order
   they were registered; the tasks get what is left of `shutdown_timeout` to return on
   their own (they should watch `daemon.stopping`, or be ended by a callback such as a
   work queue's `shut_down`); the stragglers are cancelled. A second signal cancels at
   once. `run()` returns the exit code.

Health: `/healthz` (and `/livez`) answer `ok` when every registered check passes, else 503
with one `[+]name ok` / `[-]name failed` line per check (`?verbose` lists them on success
too; `/healthz/<check>` asks one). `/readyz` adds a `shutdown` check that fails once
`stopping` is set. `/metrics` is prometheus_client's default registry in text format.

Concurrency model: one event loop; each root task runs inside a supervisor task that
owns its restarts; the HTTP server answers each connection in its own short task (one
request per connection, `Connection: close`). Nothing here blocks the loop, so a health
check must be quick: a sync check is called inline, an async one gets a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from minik8s import logs
from minik8s.api.times import parse_seconds

__all__ = [
    "Daemon",
    "DaemonConfig",
    "add_common_flags",
    "parse_bool",
    "parse_duration",
    "run_daemon",
]

log = logging.getLogger(__name__)

HealthCheck = Callable[[], bool | Awaitable[bool]]
ShutdownCallback = Callable[[], Awaitable[None] | None]

_CHECK_TIMEOUT = 5.0
_REQUEST_TIMEOUT = 5.0
_MAX_HEADER_LINES = 100


@dataclass
class DaemonConfig:
    """How a daemon runs; everything but `name` has a default."""

    name: str
    health_bind: str = "127.0.0.1"
    health_port: int | None = None  # None: no HTTP server
    shutdown_timeout: float = 10.0
    verbosity: int = 0
    restart_backoff: float = 1.0  # first delay before a crashed non-critical task restarts
    restart_backoff_cap: float = 30.0

    @classmethod
    def from_args(cls, name: str, args: argparse.Namespace) -> DaemonConfig:
        """From the flags `add_common_flags` defines; `--healthz-port 0` means no server."""
        port: int = args.healthz_port
        return cls(
            name=name,
            health_bind=args.healthz_bind_address,
            health_port=port if port > 0 else None,
            verbosity=args.v,
        )


@dataclass
class _TaskSpec:
    name: str
    factory: Callable[[], Awaitable[None]]
    critical: bool


class Daemon:
    """Runs root tasks, serves health and metrics, and shuts down cleanly (see module doc)."""

    def __init__(self, config: DaemonConfig) -> None:
        self.config = config
        self.stopping = asyncio.Event()
        self.exit_code = 0
        self._specs: list[_TaskSpec] = []
        self._checks: dict[str, HealthCheck] = {}
        self._shutdown_callbacks: list[ShutdownCallback] = []
        self._running: dict[str, asyncio.Task[None]] = {}
        self._stop_reason = ""
        self._signals = 0
        self._started = False

    # ---- registration (before run)

    def add_task(
        self, name: str, factory: Callable[[], Awaitable[None]], *, critical: bool = True
    ) -> None:
        """Registers a root task, started by `run()`; `factory()` is called for each start."""
        if self._started:
            raise RuntimeError("add_task() after run() started")
        if any(spec.name == name for spec in self._specs):
            raise ValueError(f"task {name!r} is registered already")
        self._specs.append(_TaskSpec(name, factory, critical))

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        """A check for /healthz and /readyz: sync or async, true when healthy."""
        self._checks[name] = check

    def on_shutdown(self, callback: ShutdownCallback) -> None:
        """A callback run (sync or async) once shutdown begins, in registration order."""
        self._shutdown_callbacks.append(callback)

    def request_stop(self, exit_code: int = 0, reason: str = "requested") -> None:
        """Begins shutdown; the exit code is the highest one requested."""
        self.exit_code = max(self.exit_code, exit_code)
        if not self.stopping.is_set():
            self._stop_reason = reason
            self.stopping.set()

    # ---- the lifecycle

    async def run(self) -> int:
        """Startup, main loop, shutdown; returns the process exit code."""
        self._started = True
        loop = asyncio.get_running_loop()
        restore_signals = self._install_signal_handlers(loop)
        try:
            return await self._serve()
        finally:
            restore_signals()

    async def _serve(self) -> int:
        try:
            server = await self._start_http_server()
        except OSError as exc:
            log.error("cannot serve health on %s:%s: %s", *self._health_address(), exc)
            return 1
        for spec in self._specs:
            self._running[spec.name] = asyncio.create_task(
                self._supervise(spec), name=f"{self.config.name}:{spec.name}"
            )
        log.info("%s started with %d task(s)", self.config.name, len(self._specs))
        await self.stopping.wait()
        await self._shutdown(server)
        return self.exit_code

    async def _shutdown(self, server: asyncio.Server | None) -> None:
        log.info("%s shutting down: %s", self.config.name, self._stop_reason)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.shutdown_timeout
        if server is not None:
            server.close()  # stop accepting; requests in flight finish on their own
        await self._run_shutdown_callbacks(deadline)
        await self._finish_tasks(deadline)
        log.info("%s stopped (exit code %d)", self.config.name, self.exit_code)

    async def _run_shutdown_callbacks(self, deadline: float) -> None:
        for callback in self._shutdown_callbacks:
            try:
                async with asyncio.timeout_at(deadline):
                    result = callback()
                    if result is not None:
                        await result
            except TimeoutError:
                log.warning("shutdown callback %r ran out of time", callback)
                return
            except Exception:
                log.exception("shutdown callback %r failed", callback)

    async def _finish_tasks(self, deadline: float) -> None:
        tasks = list(self._running.values())
        if not tasks:
            return
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        _, pending = await asyncio.wait(tasks, timeout=remaining)
        if pending:
            names = ", ".join(sorted(task.get_name() for task in pending))
            log.warning("cancelling task(s) still running after shutdown timeout: %s", names)
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)

    # ---- root tasks

    async def _supervise(self, spec: _TaskSpec) -> None:
        try:
            await self._run_with_restarts(spec)
        finally:
            self._running.pop(spec.name, None)
            if not self._running and not self.stopping.is_set():
                self.request_stop(0, "every task has finished")

    async def _run_with_restarts(self, spec: _TaskSpec) -> None:
        loop = asyncio.get_running_loop()
        backoff = self.config.restart_backoff
        while True:
            started = loop.time()
            try:
                await spec.factory()
            except Exception:
                if spec.critical:
                    log.exception("critical task %s failed; stopping", spec.name)
                    self.request_stop(1, f"critical task {spec.name} failed")
                    return
                if self.stopping.is_set():
                    log.exception("task %s failed while stopping", spec.name)
                    return
                if loop.time() - started > self.config.restart_backoff_cap:
                    backoff = self.config.restart_backoff  # it ran fine for a while
                log.exception("task %s failed; restarting in %.1fs", spec.name, backoff)
                if await self._stopped_within(backoff):
                    return
                backoff = min(backoff * 2, self.config.restart_backoff_cap)
                continue
            log.info("task %s finished", spec.name)
            if spec.critical:
                self.request_stop(0, f"critical task {spec.name} finished")
            return

    async def _stopped_within(self, delay: float) -> bool:
        try:
            async with asyncio.timeout(delay):
                await self.stopping.wait()
        except TimeoutError:
            return False
        return True

    # ---- signals

    def _install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """Handles SIGTERM/SIGINT; answers a function that restores the previous handlers."""
        if threading.current_thread() is not threading.main_thread():
            log.debug("not in the main thread: signals are left alone")
            return lambda: None
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            loop.add_signal_handler(sig, self._on_signal, sig)

        def restore() -> None:
            for sig, handler in previous.items():
                loop.remove_signal_handler(sig)
                if handler is not None:
                    signal.signal(sig, handler)

        return restore

    def _on_signal(self, sig: signal.Signals) -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("received %s", sig.name)
            self.request_stop(0, f"received {sig.name}")
            return
        log.warning("received %s again: cancelling every task now", sig.name)
        for task in self._running.values():
            task.cancel()

    # ---- health and metrics over HTTP

    def _health_address(self) -> tuple[str, int | None]:
        return self.config.health_bind, self.config.health_port

    async def _start_http_server(self) -> asyncio.Server | None:
        host, port = self._health_address()
        if port is None:
            return None
        server = await asyncio.start_server(self._handle_connection, host, port)
        log.info("serving /healthz, /readyz and /metrics on %s:%d", host, port)
        return server

    async def _handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT):
                method, target = await _read_request(reader)
                status, content_type, body = await self._respond(method, target)
                writer.write(_response_head(status, content_type, len(body)))
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
        except (TimeoutError, ConnectionError, ValueError) as exc:
            log.debug("health connection dropped: %s", exc)
        finally:
            writer.close()

    async def _respond(self, method: str, target: str) -> tuple[int, str, bytes]:
        if method not in ("GET", "HEAD"):
            return 405, "text/plain; charset=utf-8", b"method not allowed\n"
        url = urlsplit(target)
        verbose = "verbose" in parse_qs(url.query, keep_blank_values=True)
        path = url.path.rstrip("/") or "/"
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY)
        endpoint, _, only = path.lstrip("/").partition("/")
        if endpoint not in ("healthz", "livez", "readyz"):
            return 404, "text/plain; charset=utf-8", b"not found\n"
        results = await self._check_results(readiness=endpoint == "readyz")
        if only:
            if only not in results:
                return 404, "text/plain; charset=utf-8", b"no such check\n"
            results = {only: results[only]}
        status, text = _render_checks(endpoint, results, verbose)
        return status, "text/plain; charset=utf-8", text.encode()

    async def _check_results(self, *, readiness: bool) -> dict[str, bool]:
        results = {"ping": True}
        for name, check in self._checks.items():
            results[name] = await _run_check(name, check)
        if readiness:
            results["shutdown"] = not self.stopping.is_set()
        return results


async def _run_check(name: str, check: HealthCheck) -> bool:
    try:
        result = check()
        if inspect.isawaitable(result):
            async with asyncio.timeout(_CHECK_TIMEOUT):
                result = await result
        return bool(result)
    except Exception as exc:
        log.debug("health check %s raised: %r", name, exc)
        return False


def _render_checks(endpoint: str, results: dict[str, bool], verbose: bool) -> tuple[int, str]:
    """Kubernetes' format: `ok`, or one `[+]name ok` / `[-]name failed` line per check."""
    healthy = all(results.values())
    if healthy and not verbose:
        return 200, "ok"
    lines = [f"[+]{name} ok" if ok else f"[-]{name} failed" for name, ok in results.items()]
    lines.append(f"{endpoint} check passed" if healthy else f"{endpoint} check failed")
    return (200 if healthy else 503), "\n".join(lines) + "\n"


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str]:
    """Reads the request line and skips the headers; answers (method, target)."""
    request_line = (await reader.readline()).decode("latin-1").strip()
    for _ in range(_MAX_HEADER_LINES):
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
    else:
        raise ValueError("too many header lines")
    parts = request_line.split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"bad request line {request_line!r}")
    return parts[0].upper(), parts[1]


_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def _response_head(status: int, content_type: str, length: int) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1")


# ---- the process entry point


def run_daemon(daemon: Daemon) -> NoReturn:
    """Sets up logging, runs the daemon on uvloop when installed, exits with its code."""
    logs.setup(daemon.config.name, daemon.config.verbosity)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        code = runner.run(daemon.run())
    sys.exit(code)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


# ---- flags shared by every daemon

_TRUE = {"1", "t", "true", "y", "yes", "on"}
_FALSE = {"0", "f", "false", "n", "no", "off"}


def parse_duration(text: str) -> float:
    """Seconds from a Go duration (`15s`, `1m30s`, `500ms`) or a plain number of seconds."""
    try:
        return parse_seconds(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def parse_bool(text: str) -> bool:
    """A flag value like Go's: true/false, 1/0, t/f (and yes/no, on/off)."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean {text!r} (use true or false)")


def add_common_flags(parser: argparse.ArgumentParser, *, health_port: int) -> None:
    """Adds the flags every daemon shares, named as the Kubernetes daemons name them.

    Namespace attributes: kubeconfig, server, v, leader_elect,
    leader_elect_lease_duration, leader_elect_renew_deadline, leader_elect_retry_period
    (seconds, floats), leader_elect_resource_namespace, leader_elect_resource_name,
    healthz_bind_address, healthz_port.
    """
    _add_client_flags(parser.add_argument_group("API server connection"))
    _add_leader_election_flags(parser.add_argument_group("leader election"))
    _add_health_flags(parser.add_argument_group("health and metrics"), health_port)
    parser.add_argument(
        "-v",
        "--v",
        dest="v",
        type=int,
        default=0,
        metavar="LEVEL",
        help="Log verbosity: 0 logs info and above, 1 or more adds debug (default 0).",
    )


def _add_client_flags(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--kubeconfig",
        metavar="PATH",
        help="Path to a kubeconfig file with the API server's address and credentials "
        "(unset: $KUBECONFIG, then $MINIK8S_KUBECONFIG, then ~/.minik8s/config).",
    )
    group.add_argument(
        "--server",
        "--master",
        dest="server",
        metavar="URL",
        help="Address of the API server, e.g. http://127.0.0.1:6443; "
        "overrides the one in the kubeconfig.",
    )


def _add_leader_election_flags(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--leader-elect",
        type=parse_bool,
        nargs="?",
        const=True,
        default=True,
        metavar="BOOL",
        help="Take a Lease before doing any work, so only one of several replicas is "
        "active (default true; --leader-elect=false for a single replica).",
    )
    durations = [
        (
            "lease-duration",
            15.0,
            "How long followers wait after the last renewal before they try to take the leadership",
        ),
        (
            "renew-deadline",
            10.0,
            "How long the leader keeps retrying to renew before it gives the leadership "
            "up; less than the lease duration",
        ),
        (
            "retry-period",
            2.0,
            "How long candidates wait between attempts to take or renew the leadership",
        ),
    ]
    for name, default, text in durations:
        group.add_argument(
            f"--leader-elect-{name}",
            type=parse_duration,
            default=default,
            metavar="DURATION",
            help=f"{text} (e.g. 15s, 1m; default {default:g}s).",
        )
    group.add_argument(
        "--leader-elect-resource-namespace",
        default="kube-system",
        metavar="NAMESPACE",
        help="Namespace of the Lease used for leader election (default kube-system).",
    )
    group.add_argument(
        "--leader-elect-resource-name",
        metavar="NAME",
        help="Name of the Lease used for leader election (default: the daemon's name).",
    )


def _add_health_flags(group: argparse._ArgumentGroup, health_port: int) -> None:
    group.add_argument(
        "--healthz-bind-address",
        default="127.0.0.1",
        metavar="IP",
        help="Address to serve /healthz, /readyz and /metrics on; 0.0.0.0 for every "
        "interface (default 127.0.0.1).",
    )
    group.add_argument(
        "--healthz-port",
        type=int,
        default=health_port,
        metavar="PORT",
        help=f"Port to serve /healthz, /readyz and /metrics on; 0 disables "
        f"(default {health_port}).",
    )
