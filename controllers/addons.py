"""The add-on manager: keeps the objects of the add-on manifests (`--addons-dir`) applied.

Kubernetes' kube-addon-manager, as one more controller of the controller manager (so every
way to run minik8s that runs `mk-controller-manager` with `--addons-dir` gets it, leader
election included). Each `*.yaml` file of the directory is a template: `${NAME}` is replaced
by an add-on variable before the YAML is read. Variables: `DNS_SERVER_IP` (the tenth address
of `--service-cluster-ip-range`, 10.96.0.10 by default), `CLUSTER_DOMAIN`
(`--cluster-domain`), `DNS_IMAGE` (minik8s/dns:latest), `DNS_UPSTREAM` and `DNS_API_SERVER`
(empty: mk-dns forwards to the node's resolvers and finds the API server in-cluster); any of
them set or added with `--addon-var NAME=VALUE`.

One key per manifest object. A sync compares the object in the informer cache with the
manifest, by the label `addonmanager.kubernetes.io/mode` of the manifest:
- missing (never made, or deleted by someone): created;
- `Reconcile` (the default): when a field the manifest sets differs (say replicas scaled
  by hand), the manifest is applied again as a JSON merge patch: maps are merged, so fields
  the manifest does not set are left alone, and lists the manifest sets are replaced
  whole (a strategic merge would fold the DNS ports 53/UDP and 53/TCP into one: their
  merge key, containerPort, is the same);
- `EnsureExists`: only ever created.
An object of that name without the mode label belongs to a user and is left alone (one
warning). Objects that no manifest names are never touched. Every key is looked at again
each `RESYNC_SECONDS`, and at once when its object changes or goes.

Concurrency: as every controller (one queue, keys never in two workers); the manifests are
read once, at start.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo, lookup_kind
from minik8s.client import SharedInformer

from .base import Controller, ControllerContext, Obj

log = logging.getLogger(__name__)

MODE_LABEL = "addonmanager.kubernetes.io/mode"
RECONCILE, ENSURE_EXISTS = "Reconcile", "EnsureExists"
RESYNC_SECONDS = 60.0
_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class AddonError(ValueError):
    """A manifest that cannot be used; the message names the file."""


def dns_server_ip(service_cidr: str) -> str:
    """The tenth address of the service range (10.96.0.0/12 → 10.96.0.10), kube-dns's."""
    net = ipaddress.ip_network(service_cidr.split(",")[0].strip(), strict=False)
    return str(net.network_address + 10)


def default_variables(service_cidr: str, cluster_domain: str) -> dict[str, str]:
    return {
        "DNS_SERVER_IP": dns_server_ip(service_cidr),
        "CLUSTER_DOMAIN": cluster_domain,
        "DNS_IMAGE": "minik8s/dns:latest",
        "DNS_UPSTREAM": "",
        "DNS_API_SERVER": "",
    }


def parse_variables(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _VARIABLE.fullmatch("${" + name + "}"):
            raise AddonError(f"--addon-var {item!r}: expected NAME=VALUE with NAME in A-Z0-9_")
        out[name] = value
    return out


def render(text: str, variables: dict[str, str], where: str) -> list[Obj]:
    """The objects of one manifest file with `${NAME}` replaced (pure)."""
    missing = sorted({m for m in _VARIABLE.findall(text) if m not in variables})
    if missing:
        raise AddonError(f"{where}: unknown add-on variable(s) {', '.join(missing)}")
    rendered = _VARIABLE.sub(lambda m: variables[m.group(1)], text)
    try:
        docs = [d for d in yaml.safe_load_all(rendered) if d]
    except yaml.YAMLError as e:
        raise AddonError(f"{where}: not YAML: {e}") from None
    for doc in docs:
        if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
            raise AddonError(f"{where}: every document needs apiVersion and kind")
        if not (doc.get("metadata") or {}).get("name"):
            raise AddonError(f"{where}: a {doc['kind']} without metadata.name")
    return docs


def load(directory: Path, variables: dict[str, str]) -> list[Obj]:
    objects: list[Obj] = []
    for path in sorted(directory.glob("*.yaml")):
        objects += render(path.read_text(), variables, str(path))
    return objects


def contains(live: Any, desired: Any) -> bool:
    """True when `live` has every field `desired` sets, with the same value (lists item by
    item, same length); fields only `live` has do not count."""
    if isinstance(desired, dict):
        return isinstance(live, dict) and all(
            k in live and contains(live[k], v) for k, v in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(live) == len(desired)
            and all(contains(a, b) for a, b in zip(live, desired, strict=True))
        )
    if isinstance(desired, bool) or isinstance(live, bool):
        return live is desired
    if isinstance(desired, int | float) and isinstance(live, int | float):
        return live == desired
    return str(live) == str(desired) if live is not None else desired is None


@dataclass
class Addon:
    resource: ResourceInfo
    namespace: str | None
    name: str
    manifest: Obj
    informer: SharedInformer

    @property
    def key(self) -> str:
        return addon_key(self.namespace, self.name)

    @property
    def mode(self) -> str:
        labels = (self.manifest.get("metadata") or {}).get("labels") or {}
        return str(labels.get(MODE_LABEL) or RECONCILE)


def addon_key(namespace: str | None, name: Any) -> str:
    """The informer's key of an add-on object."""
    return f"{namespace}/{name}" if namespace else str(name)


def plan(addon_mode: str, manifest: Obj, live: Obj | None) -> str:
    """What a sync does: create, patch, none, or foreign (a user's object of that name)."""
    if live is None:
        return "create"
    labels = (live.get("metadata") or {}).get("labels") or {}
    if MODE_LABEL not in labels:
        return "foreign"
    if addon_mode == ENSURE_EXISTS:
        return "none"
    desired = {k: v for k, v in manifest.items() if k != "status"}
    return "none" if contains(live, desired) else "patch"


class AddonManager(Controller):
    name = "addons"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.addons: dict[str, Addon] = {}
        self._warned: set[str] = set()
        directory = ctx.options.addons_dir
        if not directory:
            return
        variables = {
            **default_variables(ctx.options.service_cidr, ctx.options.cluster_domain),
            **ctx.options.addon_variables,
        }
        try:
            manifests = load(Path(directory), variables)
        except (OSError, AddonError) as e:
            log.error("add-ons: %s; no add-on is managed", e)
            return
        for manifest in manifests:
            self._add(manifest)
        log.info("add-ons from %s: %s", directory, ", ".join(sorted(self.addons)) or "none")

    def _add(self, manifest: Obj) -> None:
        resource = lookup_kind(manifest["apiVersion"], manifest["kind"])
        if resource is None:
            log.error("add-ons: unknown kind %s %s", manifest["apiVersion"], manifest["kind"])
            return
        meta = manifest["metadata"]
        namespace = (meta.get("namespace") or "default") if resource.namespaced else None
        informer = self.ctx.informer(resource.plural, namespace)
        addon = Addon(resource, namespace, str(meta["name"]), manifest, informer)
        key = f"{resource.plural}:{addon.key}"
        if not any(a.informer is informer for a in self.addons.values()):
            plural = resource.plural

            def changed(obj: Obj) -> None:
                name = (obj.get("metadata") or {}).get("name")
                if f"{plural}:{addon_key(namespace, name)}" in self.addons:
                    self.queue.add(f"{plural}:{addon_key(namespace, name)}")

            informer.add_handler(changed, lambda old, new: changed(new), changed)
        self.addons[key] = addon
        self.queue.add(key)

    async def sync(self, key: str) -> float | None:
        addon = self.addons.get(key)
        if addon is None:
            return None
        live = addon.informer.store.get(addon.key)
        action = plan(addon.mode, addon.manifest, live)
        if action == "foreign":
            if key not in self._warned:
                self._warned.add(key)
                log.warning("add-ons: %s exists without %s; left alone", key, MODE_LABEL)
            return RESYNC_SECONDS
        self._warned.discard(key)
        try:
            if action == "create":
                await self.client.create(addon.resource, addon.manifest, addon.namespace)
                log.info("add-ons: created %s", key)
            elif action == "patch":
                await self.client.patch(
                    addon.resource,
                    addon.name,
                    addon.manifest,
                    addon.namespace,
                    patch_type="merge",
                )
                log.info("add-ons: applied %s again (it differed from its manifest)", key)
        except errors.AlreadyExists:
            return 1.0  # the cache is behind: look again shortly
        return RESYNC_SECONDS
