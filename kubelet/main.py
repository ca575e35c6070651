"""mk-kubelet: flags, wiring, and the daemon's root tasks.

Root tasks (one event loop, see `minik8s.client.daemon`): node registration then the Lease
and Node status loops (`kubelet.node`, which registers the Node again if it is deleted),
the pod informer on `fieldSelector=spec.nodeName=<node>` whose handlers only hand pods to
their workers (`kubelet.pods`), the Service informer whose cache gives containers their
Service variables (`kubelet.svcenv`), the PLEG relist, the status writer
(`kubelet.status`), and the HTTP server on `--port` (`kubelet.server`). Shutdown stops
the workers but leaves the pods running: the next kubelet adopts them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import Any

import uvicorn

from minik8s.api.kinds.service import SERVICE
from minik8s.api.quantity import parse_bytes, parse_cpu_millis
from minik8s.client.config import ClientConfig, ConfigError
from minik8s.client.daemon import Daemon, DaemonConfig, add_common_flags, parse_duration, run_daemon
from minik8s.client.events import EventRecorder
from minik8s.client.informer import SharedInformer
from minik8s.client.rest import AsyncClient
from minik8s.stream.tasks import count_tasks

from .backoff import Backoff
from .cri import Runtime
from .env import ConfigError as EnvConfigError
from .node import NODES, NodeAgent, NodeConfig, default_ip, hostname
from .pods import PODS, Context, PodWorkers, pleg
from .probes import Prober
from .resolv import read_resolv_conf
from .server import KubeletServer
from .specs import PodSettings
from .status import StatusManager
from .svcenv import service_env

log = logging.getLogger(__name__)
Obj = dict[str, Any]


def parse_kv(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected key=value, got {part!r}")
        out[key] = value
    return out


def parse_taints(text: str) -> list[Obj]:
    taints = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        kv, _, effect = part.partition(":")
        key, _, value = kv.partition("=")
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise argparse.ArgumentTypeError(
                f"taint {part!r}: effect must be NoSchedule, PreferNoSchedule or NoExecute"
            )
        taint: Obj = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        taints.append(taint)
    return taints


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mk-kubelet",
        description="The minik8s node agent: registers the Node and runs the pods bound to it "
        "through the CRI shim.",
    )
    add_common_flags(p, health_port=10248)
    g = p.add_argument_group("node")
    g.add_argument("--hostname-override", metavar="NAME", help="Node name (default: the hostname).")
    g.add_argument(
        "--node-ip",
        metavar="IP",
        help="The Node's InternalIP (default: the address of the default route's interface).",
    )
    g.add_argument(
        "--node-labels",
        type=parse_kv,
        default={},
        metavar="K=V,...",
        help="Labels added to the Node.",
    )
    g.add_argument(
        "--register-with-taints",
        type=parse_taints,
        default=[],
        metavar="K=V:EFFECT,...",
        help="Taints the Node registers with.",
    )
    g.add_argument(
        "--system-reserved",
        type=parse_kv,
        default={},
        metavar="cpu=500m,memory=1Gi",
        help="Resources kept from allocatable.",
    )
    g.add_argument(
        "--max-pods", type=int, default=110, help="Pod capacity of the Node (default 110)."
    )
    g.add_argument(
        "--pod-cidr",
        default="",
        metavar="CIDR",
        help="The Node's pod CIDR when no controller assigns one (passed to the runtime).",
    )
    g.add_argument(
        "--node-status-update-frequency",
        type=parse_duration,
        default=10.0,
        metavar="DURATION",
        help="How often the Node status is written (default 10s).",
    )
    g.add_argument(
        "--node-lease-duration-seconds",
        type=int,
        default=40,
        help="Lease duration; renewed every quarter of it (default 40).",
    )
    g = p.add_argument_group("runtime")
    g.add_argument(
        "--container-runtime-endpoint",
        default="unix:///run/minik8s/cri.sock",
        metavar="URL",
        help="The CRI shim's socket (default unix:///run/minik8s/cri.sock).",
    )
    g.add_argument(
        "--runtime-request-timeout",
        type=parse_duration,
        default=120.0,
        metavar="DURATION",
        help="Deadline of one CRI call (default 2m).",
    )
    g.add_argument(
        "--root-dir",
        type=Path,
        default=Path("/var/lib/kubelet"),
        help="Where pod volumes live (default /var/lib/kubelet).",
    )
    g.add_argument(
        "--pod-logs-dir",
        type=Path,
        default=Path("/var/log/pods"),
        help="Where the runtime writes container logs (default /var/log/pods).",
    )
    g.add_argument(
        "--cluster-dns",
        default="",
        metavar="IP,...",
        help="Comma-separated DNS servers of ClusterFirst pods, e.g. 10.96.0.10 (the "
        "kube-dns Service); unset: such pods get the node's resolv.conf, as Default.",
    )
    g.add_argument(
        "--cluster-domain",
        default="cluster.local",
        help="Cluster DNS domain: ClusterFirst pods search <ns>.svc.<domain>, "
        "svc.<domain> and <domain> (default cluster.local).",
    )
    g.add_argument(
        "--resolv-conf",
        default="/etc/resolv.conf",
        metavar="PATH",
        help="The node's resolv.conf: the DNS settings of Default pods and the search "
        "domains ClusterFirst pods add ('' for none; default /etc/resolv.conf).",
    )
    g = p.add_argument_group("pods")
    g.add_argument(
        "--sync-frequency",
        type=parse_duration,
        default=10.0,
        metavar="DURATION",
        help="Periodic resync of every pod (default 10s).",
    )
    g.add_argument(
        "--pleg-relist-period",
        type=parse_duration,
        default=1.0,
        metavar="DURATION",
        help="How often the runtime is relisted (default 1s).",
    )
    g.add_argument(
        "--restart-backoff",
        type=parse_duration,
        default=10.0,
        metavar="DURATION",
        help="First CrashLoopBackOff delay, doubled each restart (default 10s).",
    )
    g.add_argument(
        "--restart-backoff-max",
        type=parse_duration,
        default=300.0,
        metavar="DURATION",
        help="Largest CrashLoopBackOff delay (default 5m).",
    )
    g = p.add_argument_group("server")
    g.add_argument(
        "--address",
        default="",
        metavar="IP",
        help="Address of the :10250 server (default: the node IP).",
    )
    g.add_argument(
        "--port",
        type=int,
        default=10250,
        help="Port of the logs/exec/metrics server (default 10250).",
    )
    return p


class Kubelet:
    def __init__(self, args: argparse.Namespace, daemon: Daemon) -> None:
        self.args = args
        self.daemon = daemon
        self.node_name = (args.hostname_override or hostname()).lower()
        self.node_ip = args.node_ip or default_ip()
        config = ClientConfig.from_flags(args.server, args.kubeconfig, None, None, None)
        self.client = AsyncClient(config, user_agent=f"mk-kubelet/{self.node_name}")
        self.runtime = Runtime(args.container_runtime_endpoint, args.runtime_request_timeout)
        reserved = {}
        if "cpu" in args.system_reserved:
            reserved["cpu"] = str(parse_cpu_millis(args.system_reserved["cpu"]))
        if "memory" in args.system_reserved:
            reserved["memory"] = str(parse_bytes(args.system_reserved["memory"]))
        self.node = NodeAgent(
            self.client,
            self.runtime,
            NodeConfig(
                name=self.node_name,
                ip=self.node_ip,
                port=args.port,
                labels=args.node_labels,
                taints=args.register_with_taints,
                reserved=reserved,
                max_pods=args.max_pods,
                pod_cidr=args.pod_cidr,
                lease_duration=args.node_lease_duration_seconds,
                status_period=args.node_status_update_frequency,
                root_dir=args.root_dir,
            ),
        )
        self.statuses = StatusManager(self.client, lambda ns, name: self._find_pod(ns, name))
        self.recorder = EventRecorder(self.client, "kubelet", self.node_name)
        self.ctx = Context(
            client=self.client,
            runtime=self.runtime,
            recorder=self.recorder,
            statuses=self.statuses,
            settings=PodSettings(
                node_name=self.node_name,
                pod_logs_dir=str(args.pod_logs_dir),
                cluster_dns=[s for s in args.cluster_dns.split(",") if s],
                cluster_domain=args.cluster_domain,
                node_resolv=read_resolv_conf(args.resolv_conf),
            ),
            node_ip=self.node_ip,
            root_dir=args.root_dir,
            backoff=Backoff(args.restart_backoff, args.restart_backoff_max),
            pull_backoff=Backoff(args.restart_backoff, args.restart_backoff_max),
            resync_period=args.sync_frequency,
        )
        self.service_informer = SharedInformer(self.client, SERVICE)
        self.ctx.service_env = self._service_env
        self.workers = PodWorkers(self.ctx)
        self.ctx.prober = Prober(self.runtime, lambda uid, _msg: self.workers.wake(uid))
        self.informer = SharedInformer(
            self.client, PODS, field_selector=f"spec.nodeName={self.node_name}"
        )
        self.informer.add_handler(self._on_add, self._on_update, self._on_delete)
        self.node_informer = SharedInformer(
            self.client, NODES, field_selector=f"metadata.name={self.node_name}"
        )
        self.node_informer.add_handler(
            self.node.node_changed,
            lambda _old, new: self.node.node_changed(new),
            self.node.node_deleted,
        )
        self.server = KubeletServer(self.runtime, self._find_pod, self._pods)
        self._informer_task: asyncio.Task[None] | None = None

    # ---- informer handlers: hand the pod to its worker, nothing more

    def _on_add(self, pod: Obj) -> None:
        self.workers.update(pod)

    def _on_update(self, old: Obj, new: Obj) -> None:
        if old is not new and _without_status(old) == _without_status(new):
            return  # only our own status write: nothing for the worker to do
        self.workers.update(new)

    def _on_delete(self, pod: Obj) -> None:
        self.workers.removed(pod)

    def _service_env(self, pod: Obj) -> dict[str, str]:
        if not self.service_informer.has_synced():
            raise EnvConfigError(
                "services have not yet been read at least once, cannot construct envvars"
            )
        return service_env(self.service_informer.store.list(), pod)

    def _find_pod(self, namespace: str, name: str) -> Obj | None:
        return self.informer.store.get_by_name(namespace, name)

    def _pods(self) -> list[Obj]:
        return self.informer.store.list()

    def _cached_uids(self) -> set[str] | None:
        if not self.informer.has_synced():
            return None
        return {p["metadata"]["uid"] for p in self.informer.store.list()}

    # ---- root tasks

    async def run_node(self) -> None:
        delay = 1.0
        while not self.daemon.stopping.is_set():
            try:
                await self.node.register()
                break
            except Exception as e:
                log.warning("node registration failed (retrying in %.0fs): %s", delay, e)
                try:
                    async with asyncio.timeout(delay):
                        await self.daemon.stopping.wait()
                    return
                except TimeoutError:
                    delay = min(delay * 2, 30)
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.node.lease_loop(self.daemon.stopping))
            tg.create_task(self.node.status_loop(self.daemon.stopping))
            informer = tg.create_task(self.node_informer.run())
            await self.daemon.stopping.wait()
            informer.cancel()

    async def _registered(self) -> bool:
        """Waits for the Node to be registered; False when the daemon stops first."""
        waits = [
            asyncio.ensure_future(self.node.registered.wait()),
            asyncio.ensure_future(self.daemon.stopping.wait()),
        ]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        return self.node.registered.is_set() and not self.daemon.stopping.is_set()

    async def run_pods(self) -> None:
        if not await self._registered():
            return
        services = asyncio.create_task(self.service_informer.run(), name="service informer")
        try:
            # Containers need the Service variables: let the Services arrive first (bounded;
            # a container started before then waits with CreateContainerConfigError).
            await self.service_informer.wait_synced(10)
            self._informer_task = asyncio.create_task(self.informer.run(), name="pod informer")
            await self._informer_task
        except asyncio.CancelledError:
            if not self.daemon.stopping.is_set():
                raise
        finally:
            services.cancel()
            await asyncio.gather(services, return_exceptions=True)

    async def run_status(self) -> None:
        writer = asyncio.create_task(self.statuses.run(), name="status writer")
        await self.daemon.stopping.wait()
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)

    async def run_pleg(self) -> None:
        if not await self._registered():
            return
        await pleg(
            self.ctx,
            self.workers,
            self._cached_uids,
            self.args.pleg_relist_period,
            self.daemon.stopping,
        )

    async def run_server(self) -> None:
        config = uvicorn.Config(
            self.server.app,
            host=self.args.address or self.node_ip,
            port=self.args.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="wsproto",  # kubectl's port-forward subprotocol: see minik8s.stream.websocket
        )
        count_tasks(asyncio.get_running_loop())
        server = uvicorn.Server(config)
        self.daemon.on_shutdown(lambda: setattr(server, "should_exit", True))
        # Not serve(): it would take SIGTERM/SIGINT from the Daemon, which owns them.
        await server._serve()
        if not server.started and not self.daemon.stopping.is_set():
            raise RuntimeError(f"cannot serve on {config.host}:{config.port}")

    async def stop(self) -> None:
        """Shutdown: stop watching and syncing; the pods keep running for the next kubelet.
        (The HTTP client and the CRI channel close with the process.)"""
        if self._informer_task is not None:
            self._informer_task.cancel()
        await self.workers.stop()
        if self.ctx.prober is not None:
            await self.ctx.prober.stop_all()
        await self.recorder.flush()


def _without_status(pod: Obj) -> Obj:
    meta = {
        k: v
        for k, v in pod.get("metadata", {}).items()
        if k not in ("resourceVersion", "managedFields")
    }
    return {"metadata": meta, "spec": pod.get("spec")}


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    daemon = Daemon(DaemonConfig.from_args("kubelet", args))
    try:
        kubelet = Kubelet(args, daemon)
    except ConfigError as e:
        raise SystemExit(f"mk-kubelet: {e}") from None
    daemon.add_task("node", kubelet.run_node)
    daemon.add_task("pods", kubelet.run_pods)
    daemon.add_task("pleg", kubelet.run_pleg, critical=False)
    daemon.add_task("status", kubelet.run_status)
    daemon.add_task("server", kubelet.run_server)
    daemon.add_health_check("registered", kubelet.node.registered.is_set)
    daemon.add_health_check("pods-synced", kubelet.informer.has_synced)
    daemon.on_shutdown(kubelet.stop)
    run_daemon(daemon)


if __name__ == "__main__":
    main()
