"""Full-sync time of the proxy agent against a bare `iptables-restore` of the same text.

    python bench/proxy_sync.py [--sizes 1000x10,10000x5] [--rounds 3] [--backend legacy|nft]

For each size (services x endpoints per service) the run, inside a network namespace of
its own (`ip netns add`; the host's tables are never touched):
1. agent: `Proxier.sync_once()` — the agent's own code path: render from Service and
   Endpoints objects, compute stale chains, one `iptables-restore --noflush`, routes;
2. baseline: `iptables-restore --noflush` of the very text the agent rendered.
Both run against tables already holding the same rule set (the steady state of a periodic
full sync); the first sync, onto empty tables, is printed separately. The two sides
alternate `--rounds` times; the figures are medians. Targets: 1,000 services under 1 s,
10,000 under 5 s, ratio at most 1.5. The namespace is deleted at the end.

`--backend` picks the binaries both sides use: `legacy` (iptables-legacy-restore, the
default here) or `nft` (iptables-restore of Debian 12, the nf_tables compatibility layer,
which restores ~30,000 rules an order of magnitude slower on this machine); the agent
takes the same choice through `--iptables`, `--iptables-restore`, `--iptables-save`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s.client.informer import InformerFactory  # noqa: E402
from proxy import render  # noqa: E402
from proxy.iptables import Tools  # noqa: E402
from proxy.proxier import Options, Proxier  # noqa: E402


def objects(n_services: int, n_endpoints: int) -> tuple[list[Any], list[Any]]:
    services, endpoints = [], []
    for i in range(n_services):
        name = f"svc-{i}"
        ip = f"10.{96 + i // 65536}.{i // 256 % 256}.{i % 256}"
        services.append(
            {
                "metadata": {"namespace": "bench", "name": name},
                "spec": {
                    "clusterIP": ip,
                    "type": "NodePort" if i % 10 == 0 else "ClusterIP",
                    "ports": [
                        {
                            "name": "http",
                            "port": 80,
                            "protocol": "TCP",
                            "nodePort": 30000 + i % 2768,
                        }
                    ],
                },
            }
        )
        addrs = [
            {"ip": f"10.244.{(i * n_endpoints + j) // 250 % 256}.{(i * n_endpoints + j) % 250 + 2}"}
            for j in range(n_endpoints)
        ]
        endpoints.append(
            {
                "metadata": {"namespace": "bench", "name": name},
                "subsets": [{"addresses": addrs, "ports": [{"name": "http", "port": 8080}]}],
            }
        )
    return services, endpoints


BACKENDS = {
    "legacy": Tools("iptables-legacy", "iptables-legacy-restore", "iptables-legacy-save"),
    "nft": Tools("iptables-nft", "iptables-nft-restore", "iptables-nft-save"),
}


def inside(sizes: list[tuple[int, int]], rounds: int, backend: str) -> list[dict[str, Any]]:
    """Runs in the benchmark's namespace; answers one result per size."""
    tools = BACKENDS[backend]
    config = render.ProxyConfig(
        node_name="bench", cluster_cidr="10.244.0.0/16", service_cidr="10.96.0.0/12"
    )
    results = []
    for n_svc, n_ep in sizes:
        services, endpoints = objects(n_svc, n_ep)
        proxier = Proxier(
            InformerFactory(None),  # type: ignore[arg-type]  # no informer runs here
            Options(config=config, tools=tools, sink_bridge="", routes=False),
        )
        started = time.perf_counter()
        assert proxier.sync_once(services, endpoints, [])
        first = time.perf_counter() - started
        nat, flt = render.render(services, endpoints, [], config)
        text = nat + flt
        agent, bare = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            assert proxier.sync_once(services, endpoints, [])
            agent.append(time.perf_counter() - started)
            started = time.perf_counter()
            tools.restore(text)
            bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        render.render(services, endpoints, [], config)
        render_only = time.perf_counter() - started
        results.append(
            {
                "services": n_svc,
                "endpoints": n_ep,
                "rules": render.rule_count(text),
                "first_sync": first,
                "agent": statistics.median(agent),
                "bare": statistics.median(bare),
                "render": render_only,
            }
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "proxy",
                "--cleanup",
                "--sink-bridge",
                "",
                "--iptables",
                tools.iptables,
                "--iptables-restore",
                tools.iptables_restore,
                "--iptables-save",
                tools.iptables_save,
            ],
            check=True,
            capture_output=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000x10,10000x5")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="legacy")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    if args.inside:
        print(json.dumps(inside(sizes, args.rounds, args.backend)))  # type: ignore[arg-type]
        return
    ns = f"mkpbench{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        proc = subprocess.run(
            [
                "nsenter", f"--net=/var/run/netns/{ns}", sys.executable, __file__, "--inside",
                "--sizes", args.sizes, "--rounds", str(args.rounds), "--backend", args.backend,
            ],
            capture_output=True, text=True, timeout=3600, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            sys.exit(f"the run inside {ns} failed:\n{proc.stderr[-5000:]}")
        out = proc.stdout
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    print(f"backend: {args.backend}")
    print(
        f"{'services':>9} {'eps':>4} {'rules':>8} {'first':>8} {'render':>8} "
        f"{'agent':>8} {'bare':>8} {'ratio':>6}"
    )
    for r in json.loads(out.strip().splitlines()[-1]):
        print(
            f"{r['services']:>9} {r['endpoints']:>4} {r['rules']:>8} {r['first_sync']:>7.2f}s "
            f"{r['render']:>7.2f}s {r['agent']:>7.2f}s {r['bare']:>7.2f}s "
            f"{r['agent'] / r['bare']:>5.2f}x"
        )


if __name__ == "__main__":
    main()
