"""One leader-election contender as its own process, for the tests.

    python -m tests.integration.client.leader_contender SERVER NAMESPACE LOCK IDENTITY

Prints one line per happening: `OBSERVED <holder>`, `LEADING <identity>`, `STOPPED`,
`CANCELLED`. SIGTERM cancels the elector (which releases the lease).
"""

from __future__ import annotations

import asyncio
import signal
import sys

from minik8s.client import AsyncClient, ClientConfig, LeaderElectionConfig, LeaderElector

LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD = 2.0, 1.5, 0.25


def say(*words: str) -> None:
    print(*words, flush=True)


async def main(server: str, namespace: str, lock: str, identity: str) -> None:
    config = LeaderElectionConfig(
        lock,
        namespace=namespace,
        identity=identity,
        lease_duration=LEASE_DURATION,
        renew_deadline=RENEW_DEADLINE,
        retry_period=RETRY_PERIOD,
    )
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    async with AsyncClient(ClientConfig(server=server), retries=1, backoff=0.05) as client:
        elector = LeaderElector(client, config)

        async def lead(lost: asyncio.Event) -> None:
            say("LEADING", identity)
            await lost.wait()

        try:
            await elector.run(
                lead, lambda: say("STOPPED"), on_new_leader=lambda who: say("OBSERVED", who)
            )
        except asyncio.CancelledError:
            say("CANCELLED")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
