"""Admission: the checks between a kind's strategy and storage that read other objects.

Kubernetes runs admission plugins on every write; each plugin decides for itself which
resources it looks at. Here the chain has two phases, as Kubernetes has: `admit`
(mutating, before defaulting and validation) and `validate` (after them, right before the
write). The registry calls both for every create and `validate` for every delete (with
the stored object); the plugins are:

- `Priority`: a pod's `spec.priorityClassName` becomes `spec.priority` (403 for an unknown
  class); at most one PriorityClass is the global default (422); the system classes may
  not be deleted (403);
- `NamespaceLifecycle`: nothing is created in a namespace that does not exist (404) or is
  being deleted (403); the namespaces the API server owns (`default`, `kube-system`,
  `kube-public`, `kube-node-lease`) may not be deleted (403, Kubernetes' message).

Reads go through the storage interface (cache first, etcd when the cache lacks an object),
so a class or namespace created a moment ago is never missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from minik8s.api import errors
from minik8s.api.kind import ResourceInfo
from minik8s.api.kinds.namespace import NAMESPACE
from minik8s.api.kinds.pod import POD
from minik8s.api.kinds.priorityclass import PRIORITY_CLASS, SYSTEM_PRIORITY_CLASSES

from . import priority
from .storage.cached import CachedStorage

Obj = dict[str, Any]
CREATE = "CREATE"
DELETE = "DELETE"
# Kubernetes' immortal namespaces: the API server creates them and refuses their deletion.
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


@dataclass(frozen=True)
class Attributes:
    """What a plugin learns about one write."""

    operation: str  # CREATE or DELETE (UPDATE when a plugin needs it)
    info: ResourceInfo
    namespace: str | None
    obj: Obj  # the new object (CREATE) or the stored one (DELETE)


class Plugin(Protocol):
    name: str

    async def admit(self, attrs: Attributes) -> None:
        """Change `attrs.obj` in place, or raise an APIError to refuse."""

    async def validate(self, attrs: Attributes) -> None:
        """Refuse with an APIError; never change anything."""


class Priority:
    name = "Priority"

    def __init__(self, storage: CachedStorage) -> None:
        self.storage = storage

    async def classes(self, wanted: str = "") -> list[Obj]:
        """Every PriorityClass, from the cache; `wanted` is read from etcd when the cache
        has not seen it yet (created a moment ago)."""
        listed = await self.storage.list(PRIORITY_CLASS, None, resource_version="0")
        classes = list(listed.items)
        if wanted and not any(c["metadata"]["name"] == wanted for c in classes):
            try:
                classes.append(await self.storage.get(PRIORITY_CLASS, None, wanted))
            except errors.NotFound:
                pass
        return classes

    async def admit(self, attrs: Attributes) -> None:
        if attrs.operation != CREATE or attrs.info != POD:
            return
        spec = attrs.obj.get("spec")
        wanted = spec.get("priorityClassName") if isinstance(spec, dict) else None
        priority.admit_pod(attrs.obj, await self.classes(str(wanted or "")))

    async def validate(self, attrs: Attributes) -> None:
        if attrs.info != PRIORITY_CLASS:
            return
        if attrs.operation == DELETE:
            name = str((attrs.obj.get("metadata") or {}).get("name") or "")
            if name in SYSTEM_PRIORITY_CLASSES:
                raise errors.Forbidden(
                    f'priorityclasses.scheduling.k8s.io "{name}" is forbidden: this is a system '
                    "priority class and cannot be deleted",
                    name=name,
                    group="scheduling.k8s.io",
                    kind="priorityclasses",
                )
        elif attrs.operation == CREATE:
            priority.check_single_global_default(attrs.obj, await self.classes())


class NamespaceLifecycle:
    name = "NamespaceLifecycle"

    def __init__(self, storage: CachedStorage) -> None:
        self.storage = storage

    async def admit(self, attrs: Attributes) -> None:
        return None

    async def validate(self, attrs: Attributes) -> None:
        if attrs.operation == DELETE:
            self._refuse_system_namespace(attrs)
            return
        if attrs.operation != CREATE or not attrs.info.namespaced:
            return
        namespace = str(attrs.obj["metadata"]["namespace"])
        try:
            ns = await self.storage.get(NAMESPACE, None, namespace, resource_version="0")
        except errors.NotFound:
            raise errors.NotFound(
                f'namespaces "{namespace}" not found', name=namespace, kind="namespaces"
            ) from None
        if ns.get("metadata", {}).get("deletionTimestamp"):
            raise errors.Forbidden(
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
                name=namespace,
                kind="namespaces",
            )

    @staticmethod
    def _refuse_system_namespace(attrs: Attributes) -> None:
        if attrs.info != NAMESPACE:
            return
        name = str((attrs.obj.get("metadata") or {}).get("name") or "")
        if name in SYSTEM_NAMESPACES:
            raise errors.Forbidden(
                f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                name=name,
                kind="namespaces",
            )


class Admission:
    """The plugin chain, in order."""

    def __init__(self, plugins: list[Plugin]) -> None:
        self.plugins = plugins

    @classmethod
    def default(cls, storage: CachedStorage) -> Admission:
        return cls([NamespaceLifecycle(storage), Priority(storage)])

    async def admit(self, attrs: Attributes) -> None:
        for plugin in self.plugins:
            await plugin.admit(attrs)

    async def validate(self, attrs: Attributes) -> None:
        for plugin in self.plugins:
            await plugin.validate(attrs)
