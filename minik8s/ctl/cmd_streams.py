"""`mkctl attach`, `cp` and `port-forward`, and the stream `mkctl exec` runs over, as kubectl
does them: WebSocket sessions through the API server (`minik8s.client.streams`).

- exec and attach speak the channel protocol: `-i` copies stdin (its end reaches the
  process, so `cat` ends), `-t` puts the local terminal in raw mode and sends its size at
  once and after every SIGWINCH; the remote command's exit code is mkctl's, with kubectl's
  "command terminated with exit code N" line.
- cp is tar through exec, as kubectl's: `tar cf -` in the container into a local archive
  that is then unpacked (members that would land outside the destination are refused), or
  a local archive fed to `tar -xmf -` in the container.
- port-forward opens one WebSocket (the channel protocol, one port) per local connection.
  TYPE/NAME resolves to a pod as kubectl does (a Service's or a workload's selector, the
  running pod first); a Service port becomes its targetPort, and a named port is looked
  up in the pod's containers.

Pure decisions, tested without a server: `parse_cp_spec`, `port_pairs`,
`service_target_port`, `container_port`, `safe_members`. Each command runs one asyncio
loop; stdin is read by a daemon thread (`minik8s.client.streams.read_in_thread`).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import os
import posixpath
import signal
import tarfile
import tempfile
import termios
import tty
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from minik8s.api import errors
from minik8s.api.pods import is_pod_terminal, pod_phase
from minik8s.client.config import ClientConfig
from minik8s.client.streams import (
    ChannelSession,
    ForwardError,
    Outcome,
    dial,
    exec_query,
    forward,
)
from minik8s.stream import channels

from .common import resolve_type
from .context import Context, CtlError

__all__ = [
    "WebSocketExec",
    "container_port",
    "parse_cp_spec",
    "port_pairs",
    "register",
    "safe_members",
    "service_target_port",
]

Obj = dict[str, Any]
NO_PROMPT = "If you don't see a command prompt, try pressing enter."
NOT_A_TERMINAL = "Unable to use a TTY - input is not a terminal or the right kind of file"


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _containers(pod: Obj) -> list[Obj]:
    spec = _d(pod.get("spec"))
    return [c for k in ("containers", "initContainers") for c in spec.get(k) or []]


# =========================================================================== sessions


def _writer(stream: TextIO) -> Callable[[bytes], None]:
    """Bytes to `stream`: through its binary buffer when it has one."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:

        def write(data: bytes) -> None:
            buffer.write(data)
            buffer.flush()

        return write

    def write_text(data: bytes) -> None:
        stream.write(data.decode(errors="replace"))
        stream.flush()

    return write_text


def _binary(stream: TextIO) -> BinaryIO:
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return buffer
    return io.BytesIO(stream.read().encode())


class Terminal:
    """The local terminal in raw mode for a TTY session; its sizes as they change."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved: list[Any] | None = None

    def __enter__(self) -> Terminal:
        self._saved = termios.tcgetattr(self.fd)
        tty.setraw(self.fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def size(self) -> tuple[int, int]:
        columns, lines = os.get_terminal_size(self.fd)
        return columns, lines

    async def sizes(self) -> AsyncIterator[tuple[int, int]]:
        """The size now, then after every SIGWINCH."""
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()
        loop.add_signal_handler(signal.SIGWINCH, changed.set)
        try:
            while True:
                yield self.size()
                await changed.wait()
                changed.clear()
        finally:
            loop.remove_signal_handler(signal.SIGWINCH)


def run_stream(
    ctx: Context, path: str, query: list[tuple[str, str]], *, stdin: bool, terminal: bool
) -> Outcome:
    """One exec or attach session; `terminal` puts stdin in raw mode and sends sizes."""
    source = _binary(ctx.stdin) if stdin else None
    out, err = _writer(ctx.stdout), _writer(ctx.stderr)

    async def session(term: Terminal | None) -> Outcome:
        ws = await dial(ctx.config, path, query, channels.EXEC_PROTOCOLS)
        sizes = term.sizes() if term is not None else None
        return await ChannelSession(ws).run(source, out, err, sizes)

    if terminal:
        with Terminal(ctx.stdin.fileno()) as term:
            return asyncio.run(session(term))
    return asyncio.run(session(None))


def _wants_terminal(ctx: Context, tty_flag: bool) -> bool:
    """-t works with a terminal on stdin; without one kubectl warns and goes on without."""
    if not tty_flag:
        return False
    try:
        if os.isatty(ctx.stdin.fileno()):
            return True
    except (AttributeError, OSError, ValueError):
        pass
    ctx.err(NOT_A_TERMINAL)
    return False


class WebSocketExec:
    """`mkctl exec`'s transport: the exec stream of the API server (an `ExecTransport`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def run(self, request: Any, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
        ctx = self.ctx
        terminal = _wants_terminal(ctx, request.tty)
        query = exec_query(
            request.command,
            request.container,
            stdin=request.stdin,
            stdout=True,
            stderr=not terminal,
            tty=terminal,
        )
        outcome = run_stream(ctx, request.path, query, stdin=request.stdin, terminal=terminal)
        return _exit_code(ctx, outcome, "command")


def _exit_code(ctx: Context, outcome: Outcome, what: str) -> int:
    failure = outcome.error()
    if failure is not None:
        raise failure
    code = outcome.exit_code
    if code is None:
        raise CtlError(f"the {what}'s stream ended without its status")
    if code:
        ctx.err(f"command terminated with exit code {code}")
    return code


# =========================================================================== attach


def run_attach(args: argparse.Namespace, ctx: Context) -> int:
    from .cmd_workloads import choose_container, pod_for

    pod = pod_for(ctx, args.pod, args.pod_running_timeout)
    if is_pod_terminal(pod):
        raise CtlError(
            f"cannot attach a container in a completed pod; current phase is {pod_phase(pod)}"
        )
    container, notice = choose_container(pod, args.container)
    if notice:
        ctx.err(notice)
    spec = next((c for c in _containers(pod) if c.get("name") == container), {})
    terminal = _wants_terminal(ctx, args.tty)
    if terminal and not spec.get("tty"):
        ctx.err(f"Unable to use a TTY - container {container} did not allocate one")
        terminal = False
    if args.stdin or terminal:
        ctx.err(NO_PROMPT)
    query = [("container", container), ("stdout", "true")]
    query += [("stdin", "true")] if args.stdin else []
    query += [("tty", "true")] if terminal else [("stderr", "true")]
    meta = _d(pod.get("metadata"))
    path = f"/api/v1/namespaces/{meta.get('namespace') or ctx.namespace}/pods/{meta['name']}/attach"
    outcome = run_stream(ctx, path, query, stdin=args.stdin, terminal=terminal)
    failure = outcome.error()
    if failure is not None:
        raise failure
    return 0


# =========================================================================== cp


@dataclass(frozen=True)
class CpSpec:
    """One side of `cp`: a pod path (`[namespace/]pod:path`) or a local path."""

    path: str
    pod: str | None = None
    namespace: str | None = None


def parse_cp_spec(spec: str) -> CpSpec:
    if ":" not in spec or spec.startswith(("/", "./", "../")):
        return CpSpec(spec)
    where, _, path = spec.partition(":")
    if not where or not path:
        raise CtlError(f"{spec!r}: a pod path is [namespace/]pod:path")
    namespace, slash, pod = where.rpartition("/")
    return CpSpec(path, pod, namespace if slash else None)


def _exec_collect(
    ctx: Context,
    namespace: str,
    pod: str,
    container: str,
    command: list[str],
    stdin: BinaryIO | None,
) -> tuple[int, bytes, bytes]:
    """Runs `command` in the container; (exit code, stdout, stderr)."""
    out, err = io.BytesIO(), io.BytesIO()
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/exec"
    query = exec_query(
        command, container, stdin=stdin is not None, stdout=True, stderr=True, tty=False
    )

    async def session() -> Outcome:
        ws = await dial(ctx.config, path, query, channels.EXEC_PROTOCOLS)
        return await ChannelSession(ws).run(stdin, out.write, err.write)

    outcome = asyncio.run(session())
    failure = outcome.error()
    if failure is not None:
        raise failure
    return outcome.exit_code or 0, out.getvalue(), err.getvalue()


def run_cp(args: argparse.Namespace, ctx: Context) -> int:
    from .cmd_workloads import choose_container

    source, dest = parse_cp_spec(args.source), parse_cp_spec(args.dest)
    if (source.pod is None) == (dest.pod is None):
        raise CtlError("one of source or destination must be a pod path ([namespace/]pod:path)")
    remote = source if source.pod is not None else dest
    assert remote.pod is not None
    namespace = remote.namespace or ctx.namespace
    pod = ctx.client.get(resolve_type("pods"), remote.pod, namespace)
    container, _ = choose_container(pod, args.container)
    if dest.pod is not None:
        _copy_to_pod(ctx, Path(source.path), namespace, dest.pod, container, dest.path)
    else:
        _copy_from_pod(ctx, namespace, remote.pod, container, source.path, Path(dest.path))
    return 0


def _copy_to_pod(
    ctx: Context, local: Path, namespace: str, pod: str, container: str, target: str
) -> None:
    if not local.exists():
        raise CtlError(f"{local} doesn't exist in local filesystem")
    code, _, _ = _exec_collect(ctx, namespace, pod, container, ["test", "-d", target], None)
    if code == 0:  # into an existing directory, under the local name
        directory, name = target, local.name
    else:
        directory, name = posixpath.dirname(target) or ".", posixpath.basename(target)
    with tempfile.TemporaryFile() as archive:
        with tarfile.open(fileobj=archive, mode="w") as tar:
            tar.add(str(local), arcname=name)
        archive.seek(0)
        command = ["tar", "-xmf", "-", "-C", directory]
        code, _, err = _exec_collect(ctx, namespace, pod, container, command, archive)
    if code:
        raise CtlError(err.decode(errors="replace").strip() or f"tar exited with {code}")


def _copy_from_pod(
    ctx: Context, namespace: str, pod: str, container: str, source: str, local: Path
) -> None:
    directory, name = posixpath.dirname(source) or ".", posixpath.basename(source.rstrip("/"))
    command = ["tar", "cf", "-", "-C", directory, name]
    code, data, err = _exec_collect(ctx, namespace, pod, container, command, None)
    if code:
        raise CtlError(err.decode(errors="replace").strip() or f"tar exited with {code}")
    into, rename = (local, name) if local.is_dir() else (local.parent, local.name)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        members = safe_members(tar.getmembers(), name, rename)
        tar.extractall(str(into or Path(".")), members=members, filter="data")


def safe_members(
    members: Sequence[tarfile.TarInfo], name: str, rename: str
) -> list[tarfile.TarInfo]:
    """The archive's members under `name`, renamed to `rename`; CtlError for a member
    that would land outside the destination (an absolute path or `..`)."""
    kept = []
    for member in members:
        path = member.name.lstrip("./") if member.name.startswith("./") else member.name
        parts = posixpath.normpath(path).split("/")
        if posixpath.isabs(path) or ".." in parts:
            raise CtlError(f"the archive's member {member.name!r} leaves the destination")
        if parts[0] != name:
            continue
        member.name = posixpath.join(rename, *parts[1:])
        kept.append(member)
    return kept


# =========================================================================== port-forward


def port_pairs(specs: Sequence[str]) -> list[tuple[int, str]]:
    """`[LOCAL:]REMOTE` words as (local port, remote port or name); local 0 = any free."""
    pairs = []
    for spec in specs:
        local, colon, remote = spec.rpartition(":")
        if not colon:
            local = remote
        if not remote:
            raise CtlError(f"invalid port {spec!r}: expected [LOCAL:]REMOTE")
        if local and not local.isdigit():
            raise CtlError(f"invalid local port {local!r} in {spec!r}")
        if (
            local
            and not 0 <= int(local) < 65536
            or remote.isdigit()
            and not 0 < int(remote) < 65536
        ):
            raise CtlError(f"port {spec!r} is out of range")
        pairs.append((int(local) if local and local.isdigit() else 0, remote))
    return pairs


def service_target_port(service: Obj, port: str) -> int | str:
    """The pod port a Service port (number or name) forwards to."""
    for entry in _d(service.get("spec")).get("ports") or []:
        if str(entry.get("port")) == port or entry.get("name") == port:
            target = entry.get("targetPort")
            return target if target not in (None, "") else int(entry["port"])
    name = _d(service.get("metadata")).get("name")
    raise CtlError(f"Service {name} does not have a service port {port}")


def container_port(pod: Obj, port: int | str) -> int:
    """A port number, or the number a container of the pod gives that port name."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for c in _containers(pod):
        for entry in c.get("ports") or []:
            if entry.get("name") == port:
                return int(entry["containerPort"])
    raise CtlError(
        f"Pod '{_d(pod.get('metadata')).get('name')}' does not have a named port '{port}'"
    )


def run_port_forward(args: argparse.Namespace, ctx: Context) -> int:
    from .cmd_workloads import pod_for

    word = args.target
    kind, slash, name = word.partition("/")
    info = resolve_type(kind) if slash else resolve_type("pods")
    pairs = port_pairs(args.ports)
    if not pairs:
        raise CtlError("at least 1 PORT is required for port-forward")
    remotes: list[int | str] = [remote for _, remote in pairs]
    if info.kind == "Service":
        service = ctx.client.get(info, name, ctx.namespace)
        remotes = [service_target_port(service, str(r)) for r in remotes]
    pod = pod_for(ctx, word, args.pod_running_timeout)
    phase = pod_phase(pod)
    if phase != "Running":
        raise CtlError(f"unable to forward port because pod is not running. Current status={phase}")
    ports = [
        (local, container_port(pod, remote))
        for (local, _), remote in zip(pairs, remotes, strict=True)
    ]
    meta = _d(pod.get("metadata"))
    namespace, pod_name = str(meta.get("namespace") or ctx.namespace), str(meta["name"])
    addresses = [a.strip() for a in args.address.split(",") if a.strip()]
    try:
        asyncio.run(_forward_all(ctx, ctx.config, namespace, pod_name, ports, addresses))
    except KeyboardInterrupt:
        return 0
    return 0


async def _forward_all(
    ctx: Context,
    config: ClientConfig,
    namespace: str,
    pod: str,
    ports: list[tuple[int, int]],
    addresses: list[str],
) -> None:
    """Listens until SIGTERM or SIGINT; each local connection is forwarded on its own."""
    servers = []
    connections: set[asyncio.Task[None]] = set()

    async def handle(
        local: int, remote: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        ctx.out(f"Handling connection for {local}")
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await forward(config, namespace, pod, remote, reader, writer)
        except ForwardError as e:
            ctx.err(f"error: an error occurred forwarding {local} -> {remote}: {e}")
        except errors.APIError as e:
            ctx.err(f"error: forwarding {local} -> {remote}: {e}")
            writer.close()
        finally:
            connections.discard(task)

    for local, remote in ports:
        for address in addresses:
            server = await asyncio.start_server(
                functools.partial(handle, local, remote), address, local
            )
            bound = server.sockets[0].getsockname()[1]
            local = local or bound  # every address shares the port picked first
            host = f"[{address}]" if ":" in address else address
            ctx.out(f"Forwarding from {host}:{bound} -> {remote}")
            servers.append(server)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for server in servers:
            server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)


# =========================================================================== flags


def register(subparsers: Any) -> None:
    a = subparsers.add_parser(
        "attach",
        help="Attach to a running container",
        description="mkctl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]",
    )
    a.add_argument("pod", metavar="POD")
    a.add_argument("-c", "--container", help="the container (default: the pod's default one)")
    a.add_argument("-i", "--stdin", action="store_true", help="pass stdin to the container")
    a.add_argument("-t", "--tty", action="store_true", help="stdin is a TTY")
    _pod_timeout(a)
    a.set_defaults(handler=run_attach)

    c = subparsers.add_parser(
        "cp",
        help="Copy files and directories to and from containers",
        description="mkctl cp SRC DEST: one of them [namespace/]pod:path (tar must be in the "
        "container)",
    )
    c.add_argument("source", metavar="SRC")
    c.add_argument("dest", metavar="DEST")
    c.add_argument("-c", "--container", help="the container (default: the pod's default one)")
    c.set_defaults(handler=run_cp)

    p = subparsers.add_parser(
        "port-forward",
        help="Forward one or more local ports to a pod",
        description="mkctl port-forward (POD | TYPE/NAME) [LOCAL:]REMOTE...: a Service or "
        "workload resolves to one of its running pods",
    )
    p.add_argument("target", metavar="TYPE/NAME")
    p.add_argument("ports", nargs="+", metavar="[LOCAL:]REMOTE")
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="addresses to listen on, comma-separated (default 127.0.0.1)",
    )
    _pod_timeout(p)
    p.set_defaults(handler=run_port_forward)


def _pod_timeout(p: argparse.ArgumentParser) -> None:
    from .common import parse_duration

    p.add_argument(
        "--pod-running-timeout",
        type=parse_duration,
        default=60.0,
        metavar="DURATION",
        help="how long to wait for a workload's first pod (default 1m)",
    )
