"""The pod network: one Docker bridge network whose subnet is the node's pod CIDR.

UpdateRuntimeConfig hands the shim the node's pod CIDR (e.g. 10.244.1.0/24); the shim
makes sure a bridge network `--network-name` exists with exactly that subnet, its first
address as the gateway (the bridge on the host). Sandboxes attach to it and get their IPs
from Docker's IPAM, so every pod IP is inside the pod CIDR. The network lives in Docker,
so a restarted shim finds it as it was; a network with another subnet is replaced while
no sandbox uses it (and refused with FAILED_PRECONDITION while one does).

Hairpin: a pod that reaches its own Service's ClusterIP and is load-balanced to itself
sends the packet out of its bridge port and needs it back through the same port. A Linux
bridge drops that unless the port is in hairpin mode (kubelet's `hairpin-veth`); Docker sets
it only with `--userland-proxy=false`, so after every sandbox start the shim turns it on
for the pod bridge's ports (`ip link set … type bridge_slave hairpin on`, in the engine's network
namespace, which is the shim's: on a lab node both run in the node's namespace).

Concurrency: updates are serialised by an asyncio lock, so two concurrent calls cannot
both create the network; Docker also refuses a duplicate name. Hairpin updates are
idempotent and may run concurrently.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import shutil
from typing import Any

from docker import APIClient
from docker.types import IPAMConfig, IPAMPool

from cridocker import labels as lbl
from cridocker.backend import Docker
from cridocker.errors import CRIError, failed_precondition, invalid, is_not_found

log = logging.getLogger(__name__)


def parse_cidr(cidr: str) -> ipaddress.IPv4Network:
    """The pod CIDR as a network; INVALID_ARGUMENT unless an IPv4 network of 2+ hosts."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError as exc:
        raise invalid(f"runtime_config.network_config.pod_cidr: {cidr!r}: {exc}") from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise invalid(f"runtime_config.network_config.pod_cidr: {cidr!r}: only IPv4 is supported")
    if network.prefixlen > 30:
        raise invalid(f"runtime_config.network_config.pod_cidr: {cidr!r} is too small")
    return network


def network_subnet(inspect: dict[str, Any]) -> str:
    configs = (inspect.get("IPAM") or {}).get("Config") or []
    return str(configs[0].get("Subnet", "")) if configs else ""


class PodNetwork:
    """The bridge network named `name` (see module doc)."""

    def __init__(self, docker: Docker, name: str, instance: str) -> None:
        self.docker = docker
        self.name = name
        self.instance = instance
        self._lock = asyncio.Lock()

    async def inspect(self) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = await self.docker.call(
                "inspect_network", lambda api: api.inspect_network(self.name), "pod network"
            )
        except CRIError as err:
            if is_not_found(err):
                return None
            raise
        return result

    async def subnet(self) -> str:
        """The pod network's subnet; empty while there is no pod network."""
        current = await self.inspect()
        return network_subnet(current) if current else ""

    async def update(self, cidr: str) -> None:
        """Makes the pod network's subnet `cidr` (no-op when it is already)."""
        network = parse_cidr(cidr)
        async with self._lock:
            current = await self.inspect()
            if current is not None:
                if network_subnet(current) == str(network):
                    return
                if current.get("Containers"):
                    raise failed_precondition(
                        f"pod network {self.name} has subnet {network_subnet(current)} and "
                        f"sandboxes attached: cannot change it to {network}"
                    )
                log.info("replacing pod network %s (subnet %s)", self.name, network_subnet(current))
                await self.docker.call(
                    "remove_network", lambda api: api.remove_network(self.name), "pod network"
                )
            await self._create(network)

    async def _create(self, network: ipaddress.IPv4Network) -> None:
        gateway = str(network.network_address + 1)
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=str(network), gateway=gateway)])

        def create(api: APIClient) -> Any:
            return api.create_network(
                self.name,
                driver="bridge",
                ipam=ipam,
                check_duplicate=True,
                labels={lbl.INSTANCE: self.instance},
            )

        await self.docker.call("create_network", create, f"creating pod network {self.name}")
        log.info("pod network %s: subnet %s, gateway %s", self.name, network, gateway)


HAIRPIN_ATTEMPTS = 6


def bridge_name(inspect: dict[str, Any]) -> str:
    """The Linux bridge of a Docker bridge network (`br-<id>` unless named by an option)."""
    options = inspect.get("Options") or {}
    return str(options.get("com.docker.network.bridge.name") or f"br-{inspect['Id'][:12]}")


def ports_without_hairpin(links: list[dict[str, Any]], bridge: str) -> list[str]:
    """Ports of `bridge` in `ip -j -d link show` output that are not in hairpin mode."""
    missing = []
    for link in links:
        slave = (link.get("linkinfo") or {}).get("info_slave_data") or {}
        if link.get("master") == bridge and not slave.get("hairpin", False):
            missing.append(str(link["ifname"]))
    return missing


async def _run(*argv: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


async def enable_hairpin(docker: Docker, network_name: str) -> int:
    """Hairpin mode on every port of the pod bridge that lacks it; answers how many were set.
    Failures are logged, not raised: a pod without hairpin still runs."""
    if shutil.which("ip") is None:
        log.warning("`ip` (iproute2) is missing: pods cannot reach themselves via Services")
        return 0
    try:
        found = await docker.call(
            "inspect_network", lambda api: api.inspect_network(network_name), "pod network"
        )
    except CRIError as err:
        log.warning("hairpin: cannot inspect pod network %s: %s", network_name, err.message)
        return 0
    bridge = bridge_name(found)
    changed = 0
    # a port Docker has just attached can refuse the change for a moment: look again
    for attempt in range(HAIRPIN_ATTEMPTS):
        if attempt:
            await asyncio.sleep(0.1 * attempt)
        # `ip`, not `bridge -j -d link show` / `bridge link set`: those (iproute2 6.1) can
        # segfault while Docker is still setting up a veth
        code, out = await _run("ip", "-j", "-d", "link", "show", "master", bridge)
        if code != 0:
            log.debug("hairpin: `ip link show master %s` failed (exit %d): %s", bridge, code, out)
            continue
        try:
            links = json.loads(out or "[]")
        except json.JSONDecodeError:
            continue
        missing = ports_without_hairpin(links, bridge)
        if not missing:
            return changed
        for port in missing:
            code, out = await _run(
                "ip", "link", "set", "dev", port, "type", "bridge_slave", "hairpin", "on"
            )
            if code == 0:
                changed += 1
            else:  # the port may also have gone with its pod in the meantime
                log.debug("hairpin on %s failed (exit %d): %s", port, code, out.strip())
    log.warning(
        "hairpin: ports of %s still without hairpin after %d tries", bridge, HAIRPIN_ATTEMPTS
    )
    return changed
