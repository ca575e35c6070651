"""`mk-cri-docker`: the CRI shim on Docker, a gRPC server on a unix socket.

The kubelet never talks to Docker: it calls RuntimeService and ImageService
(`proto/cri.proto`) on this daemon's socket, and the daemon translates each call into
Docker engine requests. Another runtime could serve the same socket.

Lifecycle (through `minik8s.client.daemon`): startup binds the socket (a stale socket
file is replaced) and starts the grpc.aio server, then resumes the log copy of existing
containers; the main loop serves until SIGTERM/SIGINT; shutdown stops accepting RPCs,
gives those in flight a few seconds to finish, and removes the socket. /healthz (the
engine answers a ping), /readyz and /metrics are served on --healthz-port.

Concurrency model: one asyncio event loop serves every RPC as a coroutine; blocking Docker
SDK calls run on a bounded thread pool (`--docker-workers`), log copying on threads of its
own. Exec, attach and port-forward sessions are tasks of the same loop, served by the
streaming server on `--streaming-address`. See `cridocker.backend`, `cridocker.logs` and
`cridocker.streaming`.
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys
from typing import NoReturn

import grpc

from cridocker.config import (
    DEFAULT_DOCKER_ENDPOINT,
    DEFAULT_INSTANCE,
    DEFAULT_LISTEN,
    DEFAULT_NETWORK,
    DEFAULT_PAUSE_IMAGE,
    DEFAULT_STREAMING_ADDRESS,
    ShimConfig,
)
from cridocker.errors import CRIError
from cridocker.service import ImageService, Runtime, RuntimeService
from cridocker.streaming.server import parse_address
from minik8s.client.daemon import Daemon, DaemonConfig, run_daemon
from minik8s.cri import cri_pb2_grpc as pb_grpc

log = logging.getLogger("cridocker")

DEFAULT_HEALTHZ_PORT = 10259 + 100  # 10359: beside the kubelet's 10250-10259 block
_GRACE = 5.0  # seconds RPCs in flight get to finish on shutdown


def socket_path(listen: str) -> str:
    """The filesystem path of a `unix://` listen address."""
    if not listen.startswith("unix://"):
        raise argparse.ArgumentTypeError(f"--listen must be unix:///path, not {listen!r}")
    path = listen.removeprefix("unix://")
    if not path.startswith("/"):
        raise argparse.ArgumentTypeError(f"--listen needs an absolute path: {listen!r}")
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mk-cri-docker",
        description="The minik8s CRI shim: serves the CRI RuntimeService and ImageService "
        "on a unix socket and runs pods as Docker containers.",
    )
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="unix:///PATH",
        help=f"Unix socket to serve CRI on (default {DEFAULT_LISTEN}).",
    )
    parser.add_argument(
        "--docker-endpoint",
        default=DEFAULT_DOCKER_ENDPOINT,
        metavar="URL",
        help=f"The Docker engine's API address (default {DEFAULT_DOCKER_ENDPOINT}).",
    )
    parser.add_argument(
        "--pause-image",
        default=DEFAULT_PAUSE_IMAGE,
        metavar="IMAGE",
        help="Image of the container that holds each pod's namespaces; it must exit on "
        f"SIGTERM (default {DEFAULT_PAUSE_IMAGE}, built by `make images`).",
    )
    parser.add_argument(
        "--network-name",
        default=DEFAULT_NETWORK,
        metavar="NAME",
        help="Docker bridge network for pods; its subnet is the node's pod CIDR, set "
        f"through UpdateRuntimeConfig (default {DEFAULT_NETWORK}).",
    )
    parser.add_argument(
        "--instance",
        default=DEFAULT_INSTANCE,
        metavar="NAME",
        help="Marks every Docker object this shim creates; a shim sees only objects of "
        "its own instance, so several shims can share one engine "
        f"(default {DEFAULT_INSTANCE}).",
    )
    parser.add_argument(
        "--allowed-registries",
        default=os.environ.get("MINIK8S_ALLOWED_REGISTRIES", ""),
        metavar="HOST[,HOST…]",
        help="Pull only from these registries (the host of the image reference; docker.io "
        "for a name without one; a bare host allows every port). An image of another "
        "registry is never fetched: a local copy counts as pulled, a missing one fails "
        "with NOT_FOUND. For air-gapped nodes and tests (default: $MINIK8S_ALLOWED_REGISTRIES, "
        "or any registry).",
    )
    parser.add_argument(
        "--docker-workers",
        type=int,
        default=16,
        metavar="N",
        help="Threads making Docker requests at once (default 16).",
    )
    parser.add_argument(
        "--docker-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="HTTP timeout of one Docker request (default 120).",
    )
    parser.add_argument(
        "--streaming-address",
        default=DEFAULT_STREAMING_ADDRESS,
        metavar="HOST:PORT",
        help="Where exec, attach and port-forward sessions are served; the URLs that "
        "Exec, Attach and PortForward answer lead here and only the node's kubelet dials "
        f"them. Port 0 picks a free port (default {DEFAULT_STREAMING_ADDRESS}).",
    )
    parser.add_argument(
        "--sandbox-stop-grace",
        type=int,
        default=10,
        metavar="SECONDS",
        help="Grace period StopPodSandbox gives containers still running (default 10).",
    )
    group = parser.add_argument_group("health and metrics")
    group.add_argument(
        "--healthz-bind-address",
        default="127.0.0.1",
        metavar="IP",
        help="Address to serve /healthz, /readyz and /metrics on (default 127.0.0.1).",
    )
    group.add_argument(
        "--healthz-port",
        type=int,
        default=DEFAULT_HEALTHZ_PORT,
        metavar="PORT",
        help=f"Port for /healthz, /readyz and /metrics; 0 disables (default "
        f"{DEFAULT_HEALTHZ_PORT}).",
    )
    parser.add_argument(
        "-v",
        "--v",
        dest="v",
        type=int,
        default=0,
        metavar="LEVEL",
        help="Log verbosity: 0 logs info and above, 1 or more adds debug (default 0).",
    )
    args = parser.parse_args(argv)
    try:
        socket_path(args.listen)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if args.docker_workers < 1:
        parser.error("--docker-workers must be at least 1")
    try:
        parse_address(args.streaming_address)
    except ValueError as exc:
        parser.error(f"--streaming-address: {exc}")
    return args


def config_from_args(args: argparse.Namespace) -> ShimConfig:
    return ShimConfig(
        listen=args.listen,
        docker_endpoint=args.docker_endpoint,
        pause_image=args.pause_image,
        network_name=args.network_name,
        instance=args.instance,
        docker_workers=args.docker_workers,
        docker_timeout=args.docker_timeout,
        sandbox_stop_grace=args.sandbox_stop_grace,
        streaming_address=args.streaming_address,
        allowed_registries=tuple(
            h.strip() for h in args.allowed_registries.split(",") if h.strip()
        ),
    )


def _prepare_socket(path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)  # a previous run's: binding would fail
    except FileNotFoundError:
        pass


class Shim:
    """The gRPC server and its runtime, as daemon tasks and callbacks."""

    def __init__(self, config: ShimConfig, daemon: Daemon) -> None:
        self.config = config
        self.daemon = daemon
        self.runtime = Runtime(config)
        self.path = socket_path(config.listen)
        self.server: grpc.aio.Server | None = None

    async def serve(self) -> None:
        _prepare_socket(self.path)
        await self.runtime.streaming.start()  # Exec/Attach/PortForward URLs lead here
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", 16 * 1024 * 1024),
                ("grpc.max_send_message_length", 64 * 1024 * 1024),
            ]
        )
        pb_grpc.add_RuntimeServiceServicer_to_server(RuntimeService(self.runtime), server)
        pb_grpc.add_ImageServiceServicer_to_server(ImageService(self.runtime), server)
        server.add_insecure_port(self.config.listen)
        await server.start()
        self.server = server
        os.chmod(self.path, 0o660)
        log.info(
            "serving CRI on %s (Docker at %s)", self.config.listen, self.config.docker_endpoint
        )
        try:
            resumed = await self.runtime.containers.resume_logs()
            log.info("resumed the log copy of %d container(s)", resumed)
        except CRIError as err:
            log.warning("cannot resume log copies yet: %s", err.message)
        await server.wait_for_termination()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(_GRACE)
        await self.runtime.streaming.stop()
        self.runtime.docker.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def main(argv: list[str] | None = None) -> NoReturn:
    args = parse_args(argv)
    port: int = args.healthz_port
    daemon = Daemon(
        DaemonConfig(
            name="cri-docker",
            health_bind=args.healthz_bind_address,
            health_port=port if port > 0 else None,
            verbosity=args.v,
        )
    )
    # a line per Docker request, per streaming connection
    for noisy in ("urllib3", "docker", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if args.v > 3 else logging.WARNING)
    shim = Shim(config_from_args(args), daemon)
    daemon.add_task("grpc-server", shim.serve)
    daemon.add_health_check("docker", shim.runtime.docker.ping)
    daemon.on_shutdown(shim.stop)
    try:
        run_daemon(daemon)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Worker threads may still be inside Docker requests that cannot be cancelled (an exec,
    # a stop with a long grace period); the interpreter would wait for them at exit.
    os._exit(code)


if __name__ == "__main__":
    main()
