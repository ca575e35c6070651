"""`mk-controller-manager`: every control loop in one process, over shared informers.

Startup: parse flags → a `Daemon` (health and metrics on :10257) → one root task that
(with `--leader-elect`, the default) first takes the `kube-system/kube-controller-manager`
Lease, then builds the selected controllers on one `InformerFactory`, starts the
informers, waits for their caches, and runs every controller's workers. Losing the
leadership cancels all of that; where kube-controller-manager exits to be restarted by a
supervisor, this process does the same in place: it drops every informer, queue and
expectation of that term and contends for the Lease again as a standby, so nothing from
the lost term ever acts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
from collections.abc import Callable

from minik8s.client import (
    AsyncClient,
    ClientConfig,
    ConfigError,
    EventRecorder,
    InformerFactory,
    LeaderElectionConfig,
    LeaderElector,
)
from minik8s.client.daemon import Daemon, DaemonConfig, add_common_flags, parse_duration, run_daemon

from .addons import AddonError, AddonManager, parse_variables
from .base import Controller, ControllerContext, Options
from .bootstrapsigner import BootstrapSigner
from .cronjob import CronJobController
from .daemonset import DaemonSetController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .gc import GarbageCollector
from .hpa import HorizontalPodAutoscalerController
from .job import JobController
from .namespace import NamespaceController, ServiceAccountController
from .nodeipam import NodeIpamController
from .nodelifecycle import NodeLifecycleController
from .pvbinder import PersistentVolumeBinder
from .replicaset import ReplicaSetController
from .replicationcontroller import ReplicationControllerController
from .statefulset import StatefulSetController
from .tokencleaner import TokenCleaner
from .ttl import TTLAfterFinishedController

log = logging.getLogger(__name__)

CONTROLLERS: dict[str, Callable[[ControllerContext], Controller]] = {
    "replicaset": ReplicaSetController,
    "replicationcontroller": ReplicationControllerController,
    "deployment": DeploymentController,
    "endpoints": EndpointsController,
    "namespace": NamespaceController,
    "serviceaccount": ServiceAccountController,
    "garbagecollector": GarbageCollector,
    "nodeipam": NodeIpamController,
    "nodelifecycle": NodeLifecycleController,
    "horizontalpodautoscaling": HorizontalPodAutoscalerController,
    "job": JobController,
    "cronjob": CronJobController,
    "ttlafterfinished": TTLAfterFinishedController,
    "statefulset": StatefulSetController,
    "persistentvolume-binder": PersistentVolumeBinder,
    "daemonset": DaemonSetController,
    "disruption": DisruptionController,
    "bootstrapsigner": BootstrapSigner,
    "tokencleaner": TokenCleaner,
    "addons": AddonManager,
}


def select_controllers(spec: str) -> list[str]:
    """`*` (all), names, `-name` to leave one out — kube-controller-manager's syntax."""
    chosen: list[str] = []
    items = [s.strip() for s in spec.split(",") if s.strip()]
    star = "*" in items
    for name in CONTROLLERS:
        if f"-{name}" in items:
            continue
        if star or name in items:
            chosen.append(name)
    unknown = [i for i in items if i != "*" and i.lstrip("-") not in CONTROLLERS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown controller(s) {', '.join(unknown)}; known: {', '.join(CONTROLLERS)}"
        )
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mk-controller-manager",
        description="Runs the minik8s control loops (ReplicaSet, ReplicationController, "
        "Deployment, Endpoints, Namespace, ServiceAccount, garbage collector, Node IPAM, Node "
        "lifecycle, Job, CronJob, TTL after finished, disruption, and the others listed under "
        "--controllers).",
    )
    add_common_flags(parser, health_port=10257)
    group = parser.add_argument_group("controllers")
    group.add_argument(
        "--controllers",
        default="*",
        metavar="LIST",
        help="Comma-separated controllers to run: '*' for all, 'name' to enable, "
        f"'-name' to disable (default '*'). Known: {', '.join(CONTROLLERS)}.",
    )
    group.add_argument(
        "--concurrent-syncs",
        type=int,
        default=5,
        metavar="N",
        help="Workers per controller (default 5).",
    )
    group.add_argument(
        "--cluster-cidr",
        default="10.244.0.0/16",
        metavar="CIDR",
        help="Pod addresses of the cluster; Node IPAM hands out one subnet per node "
        "(default 10.244.0.0/16).",
    )
    group.add_argument(
        "--node-cidr-mask-size",
        type=int,
        default=24,
        metavar="BITS",
        help="Prefix length of each node's podCIDR (default 24).",
    )
    group.add_argument(
        "--node-monitor-period",
        type=parse_duration,
        default=5.0,
        metavar="DURATION",
        help="How often node leases are checked (default 5s).",
    )
    group.add_argument(
        "--node-monitor-grace-period",
        type=parse_duration,
        default=40.0,
        metavar="DURATION",
        help="A node whose Lease is not renewed for this long becomes Ready=Unknown and "
        "is tainted unreachable (default 40s).",
    )
    group.add_argument(
        "--default-not-ready-toleration-seconds",
        "--default-toleration-seconds",
        dest="default_toleration_seconds",
        type=int,
        default=300,
        metavar="SECONDS",
        help="How long pods without their own toleration stay on an unreachable node "
        "before eviction (default 300).",
    )
    group.add_argument(
        "--node-eviction-rate",
        type=float,
        default=1.0,
        metavar="PODS_PER_SECOND",
        help="At most this many pod evictions per second (default 1).",
    )
    group.add_argument(
        "--horizontal-pod-autoscaler-sync-period",
        dest="hpa_sync_period",
        type=parse_duration,
        default=15.0,
        metavar="DURATION",
        help="How often every HorizontalPodAutoscaler is evaluated (default 15s).",
    )
    group.add_argument(
        "--horizontal-pod-autoscaler-downscale-stabilization",
        dest="hpa_downscale_stabilization",
        type=parse_duration,
        default=300.0,
        metavar="DURATION",
        help="Scale-down stabilization window of HPAs that set none in behavior: a scale "
        "down goes to the highest recommendation of this window (default 5m).",
    )
    group.add_argument(
        "--horizontal-pod-autoscaler-tolerance",
        dest="hpa_tolerance",
        type=float,
        default=0.1,
        metavar="RATIO",
        help="HPAs do not scale while the usage/target ratio is within this of 1.0 (default 0.1).",
    )
    group.add_argument(
        "--job-pod-failure-backoff",
        type=parse_duration,
        default=10.0,
        metavar="DURATION",
        help="Delay before a Job replaces a failed pod; it doubles with every further "
        "failure (default 10s, as Kubernetes).",
    )
    group.add_argument(
        "--job-pod-failure-backoff-max",
        type=parse_duration,
        default=360.0,
        metavar="DURATION",
        help="Upper bound of that delay (default 6m).",
    )
    group = parser.add_argument_group("add-ons")
    group.add_argument(
        "--addons-dir",
        default="",
        metavar="DIR",
        help="Directory of add-on manifests (*.yaml templates, e.g. deploy/addons) whose "
        "objects the addons controller creates and keeps applied; '' manages none "
        "(default '').",
    )
    group.add_argument(
        "--addon-var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Sets an add-on template variable (repeatable): DNS_SERVER_IP, CLUSTER_DOMAIN, "
        "DNS_IMAGE, DNS_UPSTREAM, DNS_API_SERVER, or one of the manifests' own.",
    )
    group.add_argument(
        "--service-cluster-ip-range",
        default="10.96.0.0/12",
        metavar="CIDR",
        help="The service range; the kube-dns Service gets its tenth address "
        "(default 10.96.0.0/12 → 10.96.0.10).",
    )
    group.add_argument(
        "--cluster-domain",
        default="cluster.local",
        metavar="DOMAIN",
        help="The cluster DNS domain the DNS add-on serves (default cluster.local).",
    )
    return parser


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        workers=args.concurrent_syncs,
        cluster_cidr=args.cluster_cidr,
        node_cidr_mask_size=args.node_cidr_mask_size,
        node_monitor_period=args.node_monitor_period,
        node_monitor_grace_period=args.node_monitor_grace_period,
        default_toleration_seconds=args.default_toleration_seconds,
        eviction_rate=args.node_eviction_rate,
        hpa_sync_period=args.hpa_sync_period,
        hpa_downscale_stabilization=args.hpa_downscale_stabilization,
        hpa_tolerance=args.hpa_tolerance,
        job_backoff_base=args.job_pod_failure_backoff,
        job_backoff_max=args.job_pod_failure_backoff_max,
        addons_dir=args.addons_dir,
        addon_variables=parse_variables(args.addon_var),
        service_cidr=args.service_cluster_ip_range,
        cluster_domain=args.cluster_domain,
    )


class ControllerManager:
    """Builds and runs the selected controllers once it leads."""

    def __init__(self, client: AsyncClient, names: list[str], options: Options) -> None:
        self.client = client
        self.names = names
        self.options = options
        self.factory: InformerFactory | None = None
        self.controllers: list[Controller] = []

    def synced(self) -> bool:
        return self.factory is None or self.factory.has_synced()

    async def run(self, lost: asyncio.Event | None = None) -> None:
        factory = InformerFactory(self.client)
        recorder = EventRecorder(self.client, "controller-manager", socket.gethostname())
        ctx = ControllerContext(self.client, factory, recorder, self.options)
        self.controllers = [CONTROLLERS[name](ctx) for name in self.names]
        self.factory = factory
        await factory.start()
        try:
            while not await factory.wait_synced(30):
                log.warning("informer caches not synced after 30s; still waiting")
            log.info("caches synced; running %s", ", ".join(self.names))
            async with asyncio.TaskGroup() as tasks:
                for controller in self.controllers:
                    tasks.create_task(controller.run(), name=f"controller {controller.name}")
        finally:
            for controller in self.controllers:
                controller.queue.shut_down()
            await factory.stop()
            await recorder.flush()


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        names = select_controllers(args.controllers)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    try:
        config = ClientConfig.from_flags(args.server, args.kubeconfig, None, None, None)
    except ConfigError as exc:
        parser.error(str(exc))
    try:
        options = options_from(args)
    except AddonError as exc:
        parser.error(str(exc))
    daemon = Daemon(DaemonConfig.from_args("controller-manager", args))
    client = AsyncClient(config, user_agent="mk-controller-manager")
    manager = ControllerManager(client, names, options)
    daemon.add_health_check("informers-synced", manager.synced)

    running: list[asyncio.Task[None]] = []

    async def lead() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.append(task)
        if not args.leader_elect:
            await manager.run()
            return
        while True:
            # a fresh elector (and, once leading, fresh informers, queues and expectations)
            # per term: nothing from a previous term survives to act on a stale view
            elector = LeaderElector(
                client,
                LeaderElectionConfig(
                    lock_name=args.leader_elect_resource_name or "kube-controller-manager",
                    namespace=args.leader_elect_resource_namespace,
                    lease_duration=args.leader_elect_lease_duration,
                    renew_deadline=args.leader_elect_renew_deadline,
                    retry_period=args.leader_elect_retry_period,
                ),
            )
            await elector.run(manager.run)
            log.warning("leadership lost; standing by for the lease again")

    async def stop() -> None:
        # cancel the work now (the elector releases the Lease), then close the client
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await client.close()

    daemon.add_task("controllers", lead)
    daemon.on_shutdown(stop)
    run_daemon(daemon)


if __name__ == "__main__":
    main()
