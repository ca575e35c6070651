"""The impure half: running `iptables`, `iptables-restore`, `iptables-save` and `ip`.

Every command runs in the network namespace of the agent's process (start the agent with
`nsenter --net=/var/run/netns/<ns>` to manage another one). Binaries are flags, so a test
or a machine with several backends picks which one.
"""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass

from . import render

log = logging.getLogger("proxy.iptables")

ROUTE_PROTO = "199"  # routes of ours carry this `proto`, so they are found after a restart
_LINE_FAILED = re.compile(r"line:? (\d+)")


class RestoreError(Exception):
    def __init__(self, message: str, context: str) -> None:
        super().__init__(message)
        self.context = context


@dataclass(frozen=True)
class Tools:
    iptables: str = "iptables"
    iptables_restore: str = "iptables-restore"
    iptables_save: str = "iptables-save"
    ip: str = "ip"
    timeout: float = 300.0  # a large restore on the nf_tables layer is slow

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        proc = subprocess.run(
            list(args),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(
                proc.returncode, list(args), proc.stdout, proc.stderr
            )
        return proc.stdout

    # ---- iptables

    def restore(self, text: str) -> None:
        """One `iptables-restore --noflush` of every table in `text`; on failure the
        kernel keeps the previous rules and the error carries the lines around the bad one."""
        proc = subprocess.run(
            [self.iptables_restore, "-w", "--noflush", "--counters"],
            input=text,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if proc.returncode != 0:
            message = (proc.stderr or proc.stdout).strip()
            raise RestoreError(message, _context(text, message))

    def save(self, table: str) -> str:
        return self.run(self.iptables_save, "-t", table)

    def ensure_jumps(self) -> None:
        """The jumps from the built-in chains into ours: checked, inserted when missing."""
        for table, chain, spec in reversed(render.JUMPS):  # each goes first: keep the order
            target = spec[spec.index("-j") + 1]
            self.run(self.iptables, "-w", "-t", table, "-N", target, check=False)
            if not self._has_rule(table, chain, spec):
                self.run(self.iptables, "-w", "-t", table, "-I", chain, "1", *spec)

    def _has_rule(self, table: str, chain: str, spec: list[str]) -> bool:
        proc = subprocess.run(
            [self.iptables, "-w", "-t", table, "-C", chain, *spec],
            capture_output=True,
            timeout=self.timeout,
            check=False,
        )
        return proc.returncode == 0

    def remove_all(self) -> None:
        """`--cleanup`: the jumps, then every chain of ours in nat and filter."""
        for table, chain, spec in render.JUMPS:
            for _ in range(10):  # duplicates, if someone added some; bounded
                if not self._has_rule(table, chain, spec):
                    break
                self.run(self.iptables, "-w", "-t", table, "-D", chain, *spec, check=False)
        parts = []
        for table in ("nat", "filter"):
            own = sorted(
                c
                for c in render.chains_in_save(self.save(table), table)
                if c.startswith(render.OWN_PREFIXES)
            )
            if own:
                lines = [f"*{table}", *(f":{c} - [0:0]" for c in own)]
                lines += [f"-X {c}" for c in own] + ["COMMIT"]
                parts.append("\n".join(lines) + "\n")
        if parts:
            self.restore("".join(parts))

    # ---- routes

    def own_routes(self) -> dict[str, str]:
        """Routes of ours: destination → `via` address, or `dev:<name>` for device routes."""
        out = self.run(self.ip, "-4", "route", "show", "proto", ROUTE_PROTO)
        routes: dict[str, str] = {}
        for line in out.splitlines():
            words = line.split()
            if not words:
                continue
            dest = words[0]
            if "/" not in dest:
                dest += "/32"
            if "via" in words:
                routes[dest] = words[words.index("via") + 1]
            elif "dev" in words:
                routes[dest] = "dev:" + words[words.index("dev") + 1]
        return routes

    def replace_route(self, dest: str, via: str) -> None:
        if via.startswith("dev:"):
            self.run(self.ip, "route", "replace", dest, "dev", via[4:], "proto", ROUTE_PROTO)
        else:
            self.run(self.ip, "route", "replace", dest, "via", via, "proto", ROUTE_PROTO)

    def delete_route(self, dest: str) -> None:
        self.run(self.ip, "route", "del", dest, "proto", ROUTE_PROTO, check=False)

    def ensure_sink(self, name: str) -> None:
        """An empty bridge, up: a device for the service CIDR route (no `dummy` here)."""
        if self.run(self.ip, "link", "show", name, check=False) == "":
            self.run(self.ip, "link", "add", name, "type", "bridge")
        self.run(self.ip, "link", "set", name, "up")

    def remove_sink(self, name: str) -> None:
        self.run(self.ip, "link", "del", name, check=False)


def _context(text: str, message: str) -> str:
    """The lines around the one iptables-restore names (`line N failed`), numbered."""
    match = _LINE_FAILED.search(message)
    lines = text.splitlines()
    if not match:
        return ""
    n = int(match.group(1))
    lo, hi = max(1, n - 3), min(len(lines), n + 2)
    return "\n".join(f"{'>' if i == n else ' '}{i:6d} {lines[i - 1]}" for i in range(lo, hi + 1))
