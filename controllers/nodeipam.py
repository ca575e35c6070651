"""Node IPAM: every Node gets a `spec.podCIDR` from `--cluster-cidr`, never one twice.

At start (after the node cache synced) every podCIDR already on a Node is marked used;
a Node without one gets the lowest free subnet (`--node-cidr-mask-size`, /24 by default)
written with a patch that carries the Node's resourceVersion, so a concurrent change makes
the sync retry rather than overwrite. A deleted Node's subnet is free again.

Concurrency model: the allocation set is only touched from this controller's sync, which
runs with one worker (a key is never in two workers, but two nodes could be), so there is
no race between choosing a subnet and recording it.
"""

from __future__ import annotations

import ipaddress
import logging

from minik8s.api import errors

from .base import Controller, ControllerContext, Obj, res
from .podutil import meta

log = logging.getLogger(__name__)

NODES = res("nodes")


class CidrSet:
    """The /N subnets of a cluster CIDR, with the used ones (pure)."""

    def __init__(self, cluster_cidr: str, mask: int) -> None:
        self.network = ipaddress.ip_network(cluster_cidr, strict=False)
        if mask < self.network.prefixlen:
            raise ValueError(f"--node-cidr-mask-size {mask} is wider than {cluster_cidr}")
        self.mask = mask
        self.used: set[str] = set()

    def occupy(self, cidr: str) -> bool:
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return False
        if not net.subnet_of(self.network):  # type: ignore[arg-type]
            return False
        self.used.add(str(net))
        return True

    def release(self, cidr: str) -> None:
        self.used.discard(cidr)

    def allocate(self) -> str:
        for subnet in self.network.subnets(new_prefix=self.mask):
            text = str(subnet)
            if text not in self.used:
                self.used.add(text)
                return text
        raise RuntimeError(f"no free podCIDR left in {self.network}")


class NodeIpamController(Controller):
    name = "nodeipam"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.cidrs = CidrSet(ctx.options.cluster_cidr, ctx.options.node_cidr_mask_size)
        self.node_informer = ctx.informer("nodes")
        self.node_informer.add_handler(self._node_seen, self._node_updated, self._node_deleted)
        self.owners: dict[str, str] = {}  # cidr -> node name

    def _node_seen(self, node: Obj) -> None:
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr and self.cidrs.occupy(cidr):
            self.owners[str(cidr)] = meta(node).get("name", "")
        self.enqueue(node)

    def _node_updated(self, old: Obj, new: Obj) -> None:
        self._node_seen(new)

    def _node_deleted(self, node: Obj) -> None:
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr and self.owners.get(cidr) == meta(node).get("name"):
            self.cidrs.release(cidr)
            del self.owners[cidr]

    async def run(self, workers: int | None = None) -> None:
        await super().run(1)

    async def sync(self, key: str) -> float | None:
        node = self.node_informer.store.get(key)
        if node is None or (node.get("spec") or {}).get("podCIDR"):
            return None
        cidr = self.cidrs.allocate()
        patch = {
            "metadata": {"resourceVersion": meta(node).get("resourceVersion")},
            "spec": {"podCIDR": cidr, "podCIDRs": [cidr]},
        }
        try:
            await self.client.patch(NODES, key, patch)
        except errors.NotFound:
            self.cidrs.release(cidr)
            return None
        except Exception:
            self.cidrs.release(cidr)
            raise
        self.owners[cidr] = key
        await self.recorder.event(
            node, "Normal", "CIDRAssignmentSucceeded", f"Node {key} got podCIDR {cidr}"
        )
        log.info("node %s: podCIDR %s", key, cidr)
        return None
