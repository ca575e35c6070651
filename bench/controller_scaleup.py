"""Controller manager: ReplicaSet scale-up and a Deployment rollout, against a baseline of
the same pods created directly through the API in the same run.

    python bench/controller_scaleup.py [--replicas 200] [--rollout 50]

Starts its own etcd, mk-apiserver and mk-controller-manager on free loopback ports (temp
dir), then measures:
1. baseline: N pod creates through the API server from this process, 8 in flight (what a
   well-behaved client can do alone);
2. a ReplicaSet of N replicas: time until N pods exist and until `status.replicas` is N
   (the controller's slow-start batches, expectations and status writes included);
3. a Deployment of R replicas (maxSurge 25%, maxUnavailable 25%) rolled to a new image
   while this process marks every new pod Ready (standing in for kubelets): rollout time.
Every loop is bounded by a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s.cluster import processes  # noqa: E402

DEADLINE = 300.0
POD_SPEC = {"containers": [{"name": "c", "image": "minik8s/httpd:latest"}]}


def wait(check: Any, what: str, interval: float = 0.05) -> float:
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if check():
            return time.monotonic() - started
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


async def baseline(url: str, ns: str, count: int) -> float:
    sem = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def one(i: int) -> None:
            async with sem:
                body = {
                    "metadata": {"name": f"direct-{i}", "labels": {"app": "direct"}},
                    "spec": POD_SPEC,
                }
                r = await client.post(f"/api/v1/namespaces/{ns}/pods", json=body)
                r.raise_for_status()

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(count)))
        return time.monotonic() - started


def count_pods(api: httpx.Client, ns: str, app: str) -> int:
    r = api.get(f"/api/v1/namespaces/{ns}/pods", params={"labelSelector": f"app={app}"})
    return len(r.json()["items"])


def mark_ready(api: httpx.Client, ns: str) -> None:
    for pod in api.get(f"/api/v1/namespaces/{ns}/pods").json()["items"]:
        conds = (pod.get("status") or {}).get("conditions") or []
        if pod["metadata"].get("deletionTimestamp") or any(
            c["type"] == "Ready" and c["status"] == "True" for c in conds
        ):
            continue
        api.patch(
            f"/api/v1/namespaces/{ns}/pods/{pod['metadata']['name']}/status",
            json={
                "status": {
                    "phase": "Running",
                    "podIP": "10.250.0.1",
                    "conditions": [{"type": "Ready", "status": "True"}],
                }
            },
            headers={"Content-Type": "application/merge-patch+json"},
        )


def rollout(api: httpx.Client, ns: str, replicas: int) -> float:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = {
        "metadata": {"name": "roll"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "roll"}},
            "template": {"metadata": {"labels": {"app": "roll"}}, "spec": POD_SPEC},
        },
    }
    api.post(base, json=body).raise_for_status()

    def done() -> bool:
        mark_ready(api, ns)
        d = api.get(f"{base}/roll").json()
        s = d.get("status") or {}
        return bool(
            s.get("observedGeneration") == d["metadata"]["generation"]
            and s.get("updatedReplicas") == replicas
            and s.get("availableReplicas") == replicas
            and s.get("replicas") == replicas
        )

    wait(done, "the first rollout")
    api.patch(
        f"{base}/roll",
        json={
            "spec": {
                "template": {"spec": {"containers": [{"name": "c", "image": "minik8s/httpd:v2"}]}}
            }
        },
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    ).raise_for_status()
    return wait(done, "the rolling update")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=200)
    parser.add_argument("--rollout", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cm-") as tmp:
        work = Path(tmp)
        etcd_port, peer, api_port = (processes.free_port() for _ in range(3))
        etcd = processes.start_etcd(work / "etcd", etcd_port, peer, work / "etcd.log")
        server = None
        cm = None
        try:
            server = processes.start_apiserver(
                f"http://127.0.0.1:{etcd_port}", api_port, work / "apiserver.log"
            )
            url = f"http://127.0.0.1:{api_port}"
            cm = processes.spawn(
                [
                    sys.executable,
                    "-m",
                    "controllers",
                    "--server",
                    url,
                    "--leader-elect=false",
                    "--healthz-port",
                    "0",
                    "--controllers",
                    "replicaset,deployment",
                ],
                work / "cm.log",
            )
            with httpx.Client(base_url=url, timeout=30) as api:
                for ns in ("direct", "rs", "roll"):
                    api.post("/api/v1/namespaces", json={"metadata": {"name": ns}})
                n = args.replicas
                direct = asyncio.run(baseline(url, "direct", n))
                started = time.monotonic()
                api.post(
                    "/apis/apps/v1/namespaces/rs/replicasets",
                    json={
                        "metadata": {"name": "big"},
                        "spec": {
                            "replicas": n,
                            "selector": {"matchLabels": {"app": "big"}},
                            "template": {"metadata": {"labels": {"app": "big"}}, "spec": POD_SPEC},
                        },
                    },
                ).raise_for_status()
                wait(lambda: count_pods(api, "rs", "big") >= n, "the ReplicaSet's pods", 0.1)
                pods_at = time.monotonic() - started
                wait(
                    lambda: (
                        (
                            api.get("/apis/apps/v1/namespaces/rs/replicasets/big")
                            .json()
                            .get("status")
                            or {}
                        ).get("replicas")
                        == n
                    ),
                    "status.replicas",
                )
                status_at = time.monotonic() - started
                extra = count_pods(api, "rs", "big") - n
                roll = rollout(api, "roll", args.rollout)
        finally:
            if cm is not None:
                processes.stop(cm)
            if server is not None:
                processes.stop(server)
            processes.stop(etcd)
    print(
        f"baseline: {n} pods created directly (8 in flight): {direct:.2f}s "
        f"({n / direct:.0f} pods/s)"
    )
    print(
        f"ReplicaSet of {n}: all pods after {pods_at:.2f}s ({n / pods_at:.0f} pods/s), "
        f"status.replicas={n} after {status_at:.2f}s; extra pods created: {extra}"
    )
    print(f"ratio ReplicaSet / direct: {pods_at / direct:.2f}x")
    print(f"Deployment of {args.rollout}: rolling update (25%/25%) in {roll:.2f}s")


if __name__ == "__main__":
    main()
