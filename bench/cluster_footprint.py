"""The one-machine cluster's footprint: time to a Ready node, idle CPU and memory per daemon.

    python bench/cluster_footprint.py [--idle 30] [--settle 15]

Starts a cluster exactly as `make up` does (`python -m minik8s.cluster.local up`) with a
state directory, ports, CRI instance and pod CIDR of its own and the proxy agent off (it
would rewrite this machine's iptables), with the packages and images already installed.
Measures:
- the wall time of `up` until it returns (it returns once the node is Ready);
- after `--settle` seconds, over `--idle` seconds of an idle cluster (no pods): the CPU
  time of each daemon (% of one core, from /proc/<pid>/stat utime+stime, the daemon and
  its descendants) and its resident memory (VmRSS at the end), and the same for the
  supervisors (one small Python process per daemon) and etcd.
The target (issue 9): all minik8s daemons together under 400 MB RSS and under 5% of one
core when idle. etcd is reported but not counted (it is not a minik8s daemon). The cluster
is stopped (`down`) and its state directory removed at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s.cluster import processes  # noqa: E402
from minik8s.cluster.local import COMPONENTS, LABELS  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
RSS_TARGET_MB = 400.0
CPU_TARGET_PCT = 5.0


@dataclass
class Sample:
    ticks: int
    rss: int  # bytes


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def _sample(pids: list[int]) -> Sample:
    ticks = rss = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            statm = Path(f"/proc/{pid}/statm").read_text().split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        rss += int(statm[1]) * PAGE
    return Sample(ticks, rss)


def _env(root: Path) -> dict[str, str]:
    env = {
        name: str(processes.free_port())
        for name in (
            "MINIK8S_ETCD_PORT", "MINIK8S_ETCD_PEER_PORT", "MINIK8S_API_PORT",
            "MINIK8S_CRI_HEALTH_PORT", "MINIK8S_KUBELET_PORT", "MINIK8S_KUBELET_HEALTH_PORT",
            "MINIK8S_CM_HEALTH_PORT", "MINIK8S_SCHEDULER_HEALTH_PORT",
        )
    }  # fmt: skip
    env.update(
        MINIK8S_CRI_INSTANCE=f"mk-bench-{uuid.uuid4().hex[:8]}",
        MINIK8S_CLUSTER_CIDR=f"10.{random.randrange(200, 230)}.0.0/16",
        MINIK8S_PROXY="0",
        MINIK8S_KUBECONFIG=str(root / "kubeconfig"),
    )
    return env


def _local(action: str, state: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minik8s.cluster.local", action, "--state-dir", str(state)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
    )


def measure(idle: float, settle: float) -> int:
    root = Path(tempfile.mkdtemp(prefix="mk-footprint-"))
    state = root / "state"
    env = _env(root)
    try:
        began = time.monotonic()
        up = _local("up", state, env)
        up_seconds = time.monotonic() - began
        if up.returncode != 0:
            print(f"make up failed:\n{up.stdout}\n{up.stderr}", file=sys.stderr)
            return 1
        print(f"up -> node Ready: {up_seconds:.1f} s")
        time.sleep(settle)  # let start-up work (informer lists, first syncs) finish
        names = [n for n in COMPONENTS if (state / "run" / f"{n}.child.pid").exists()]
        daemons = {n: int((state / "run" / f"{n}.child.pid").read_text()) for n in names}
        supervisors = {n: int((state / "run" / f"{n}.pid").read_text()) for n in names}
        trees = {n: _tree(pid) for n, pid in daemons.items()}
        sup_pids = list(supervisors.values())
        start = {n: _sample(p) for n, p in trees.items()}
        sup_start = _sample(sup_pids)
        t0 = time.monotonic()
        time.sleep(idle)
        wall = time.monotonic() - t0
        end = {n: _sample(p) for n, p in trees.items()}
        sup_end = _sample(sup_pids)

        def cpu(a: Sample, b: Sample) -> float:
            return 100.0 * (b.ticks - a.ticks) / TICKS / wall

        print(f"idle over {wall:.0f} s (after {settle:.0f} s to settle), no pods:")
        print(f"  {'daemon':<24}{'CPU % of a core':>16}{'RSS MB':>10}")
        total_cpu = total_rss = 0.0
        for n in names:
            c, r = cpu(start[n], end[n]), end[n].rss / 2**20
            print(f"  {LABELS[n]:<24}{c:>16.2f}{r:>10.1f}")
            if n != "etcd":
                total_cpu += c
                total_rss += r
        sc, sr = cpu(sup_start, sup_end), sup_end.rss / 2**20
        print(f"  {f'supervisors ({len(sup_pids)})':<24}{sc:>16.2f}{sr:>10.1f}")
        print(f"  {'minik8s daemons':<24}{total_cpu:>16.2f}{total_rss:>10.1f}")
        print(f"  {'... with supervisors':<24}{total_cpu + sc:>16.2f}{total_rss + sr:>10.1f}")
        rss_ok = total_rss + sr < RSS_TARGET_MB
        cpu_ok = total_cpu + sc < CPU_TARGET_PCT
        print(
            f"target: < {RSS_TARGET_MB:.0f} MB RSS: {'met' if rss_ok else 'MISSED'}; "
            f"< {CPU_TARGET_PCT:.0f}% of one core idle: {'met' if cpu_ok else 'MISSED'} "
            "(supervisors counted, etcd not)"
        )
        return 0
    finally:
        _local("down", state, env)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--idle", type=float, default=30.0, help="seconds of idle measured")
    p.add_argument("--settle", type=float, default=15.0, help="seconds before measuring")
    args = p.parse_args()
    sys.exit(measure(args.idle, args.settle))


if __name__ == "__main__":
    main()
