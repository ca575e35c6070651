"""mk-scheduler: flags, leader election and the daemon.

Informers run in every replica (a standby's cache is warm); only the leader of the
`kube-system/kube-scheduler` Lease runs the scheduling loop (`--leader-elect`, default
true). When leadership is lost the process exits (the supervisor restarts it), as
kube-scheduler does.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys

from minik8s.client import (
    AsyncClient,
    ClientConfig,
    ConfigError,
    EventRecorder,
    LeaderElectionConfig,
    LeaderElector,
)
from minik8s.client.daemon import Daemon, DaemonConfig, add_common_flags, parse_bool, run_daemon

from . import config as scheduler_config
from .scheduler import Scheduler, SchedulerOptions

log = logging.getLogger("scheduler")

HEALTH_PORT = 10259


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mk-scheduler",
        description="Assigns pending pods to nodes: filter and score plugins, a priority "
        "queue with backoff, preemption, binding through pods/binding.",
    )
    add_common_flags(parser, health_port=HEALTH_PORT)
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="A KubeSchedulerConfiguration YAML file: profiles (schedulerName, plugins "
        "enabled/disabled with score weights, pluginConfig) and percentageOfNodesToScore "
        "(default: one profile, default-scheduler, with the default plugins).",
    )
    parser.add_argument(
        "--parallelism",
        type=int,
        default=64,
        metavar="N",
        help="API writes (bindings, status updates, events, evictions) in flight at once "
        "(default 64).",
    )
    parser.add_argument(
        "--pod-initial-backoff-seconds",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="Backoff of a pod after its first failed attempt; doubles per attempt (default 1).",
    )
    parser.add_argument(
        "--pod-max-backoff-seconds",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="The longest backoff of a pod (default 10).",
    )
    parser.add_argument(
        "--scheduled-events",
        type=parse_bool,
        default=True,
        metavar="BOOL",
        help="Record a Normal `Scheduled` Event for every bound pod (default true).",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        client_config = ClientConfig.from_flags(args.server, args.kubeconfig, None, None, None)
        sched_config = (
            scheduler_config.load(args.config) if args.config else scheduler_config.default_config()
        )
    except (ConfigError, scheduler_config.ConfigError) as e:
        print(f"mk-scheduler: {e}", file=sys.stderr)
        sys.exit(2)
    daemon = Daemon(DaemonConfig.from_args("mk-scheduler", args))
    options = SchedulerOptions(
        parallelism=max(1, args.parallelism),
        record_scheduled_events=args.scheduled_events,
        initial_backoff=args.pod_initial_backoff_seconds,
        max_backoff=args.pod_max_backoff_seconds,
        tune_gc=True,
    )
    state: dict[str, Scheduler] = {}

    async def setup() -> Scheduler:
        if "s" not in state:
            client = AsyncClient(client_config, user_agent="mk-scheduler")
            recorder = EventRecorder(client, "default-scheduler", socket.gethostname())
            state["s"] = Scheduler(client, sched_config, options, recorder=recorder)
        return state["s"]

    async def informers() -> None:
        await (await setup()).run_informers()

    async def scheduling() -> None:
        scheduler = await setup()
        if not args.leader_elect:
            await scheduler.run()
            return
        elector = LeaderElector(
            scheduler.client,
            LeaderElectionConfig(
                args.leader_elect_resource_name or "kube-scheduler",
                namespace=args.leader_elect_resource_namespace,
                lease_duration=args.leader_elect_lease_duration,
                renew_deadline=args.leader_elect_renew_deadline,
                retry_period=args.leader_elect_retry_period,
            ),
        )

        async def lead(lost: asyncio.Event) -> None:
            log.info("leading as %s", elector.identity)
            await scheduler.run()

        await elector.run(lead, on_new_leader=lambda who: log.info("leader is %s", who))
        if not daemon.stopping.is_set():
            daemon.request_stop(1, "lost leadership")

    daemon.add_task("informers", informers)
    daemon.add_task("scheduling", scheduling)
    daemon.add_health_check("informers-synced", lambda: "s" in state and state["s"].synced())

    def stop() -> None:
        if "s" in state:
            state["s"].stop()

    daemon.on_shutdown(stop)
    run_daemon(daemon)


if __name__ == "__main__":
    main()
