"""The catalog of kinds: every lookup by group/version/plural, by kind, or by short name.

A `Catalog` holds declarations (`minik8s.api.kind.ResourceInfo`); `BUILTIN_CATALOG` holds the
built-in kinds of `minik8s.api.kinds`. Routing, storage, discovery, OpenAPI, tables and
clients look kinds up here, never in a table of their own. The module-level functions
(`lookup`, `resolve`, ...) read the built-in catalog; the API server keeps a catalog of
its own that custom resources are added to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .kind import ResourceInfo
from .kinds import BUILTIN, SHARED_DEFINITIONS
from .schema import Definition

__all__ = [
    "RESOURCES",
    "BUILTIN_CATALOG",
    "Catalog",
    "GroupInfo",
    "ResourceInfo",
    "groups",
    "in_group_version",
    "lookup",
    "lookup_kind",
    "resolve",
]


@dataclass(frozen=True)
class GroupInfo:
    name: str
    versions: tuple[str, ...] = field(default_factory=tuple)


class Catalog:
    """Kinds by every name clients use; iteration keeps the order they were added in."""

    def __init__(self, kinds: Iterable[ResourceInfo] = ()) -> None:
        self._kinds: list[ResourceInfo] = []
        self._by_gvr: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_gvk: dict[tuple[str, str, str], ResourceInfo] = {}
        self.generation = 0  # moves on every change: documents derived from it are stale
        for info in kinds:
            self.add(info)

    def add(self, info: ResourceInfo) -> None:
        """Add a kind, or replace the one with the same group, version and plural."""
        key = (info.group, info.version, info.plural)
        old = self._by_gvr.get(key)
        if old is not None:
            self._kinds[self._kinds.index(old)] = info
            self._by_gvk.pop((old.group, old.version, old.kind), None)
        else:
            self._kinds.append(info)
        self._by_gvr[key] = info
        self._by_gvk[(info.group, info.version, info.kind)] = info
        self.generation += 1

    def remove(self, info: ResourceInfo) -> None:
        if self._by_gvr.pop((info.group, info.version, info.plural), None) is None:
            return
        self._kinds = [k for k in self._kinds if k != info]
        self._by_gvk.pop((info.group, info.version, info.kind), None)
        self.generation += 1

    def __iter__(self) -> Iterator[ResourceInfo]:
        return iter(list(self._kinds))

    def stored(self) -> list[ResourceInfo]:
        """The kinds kept in etcd (not the ones a handler computes, such as metrics)."""
        return [k for k in self._kinds if k.stored]

    def lookup(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        return self._by_gvr.get((group, version, plural))

    def lookup_kind(self, api_version: str, kind: str) -> ResourceInfo | None:
        group, _, version = api_version.rpartition("/")
        return self._by_gvk.get((group, version, kind))

    def in_group_version(self, group: str, version: str) -> list[ResourceInfo]:
        return [r for r in self._kinds if r.group == group and r.version == version]

    def groups(self) -> list[GroupInfo]:
        """Named API groups (not the core group) with their versions, in a stable order."""
        seen: dict[str, list[str]] = {}
        for r in self._kinds:
            if r.group and r.version not in seen.setdefault(r.group, []):
                seen[r.group].append(r.version)
        return [GroupInfo(g, tuple(v)) for g, v in seen.items()]

    def group_versions(self) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        for r in self._kinds:
            if (r.group, r.version) not in seen:
                seen.append((r.group, r.version))
        return seen

    def resolve(self, name: str) -> ResourceInfo | None:
        """Find a resource by plural, singular, kind or short name, optionally `plural.group`.

        This is what `mkctl get deploy` and `kubectl`-style names need.
        """
        lowered = name.lower()
        base, _, group = lowered.partition(".")
        for r in self._kinds:
            if group and r.group != group:
                continue
            if base in (r.plural, r.singular, r.kind.lower()) or base in r.short_names:
                return r
        return None

    def definitions(self) -> dict[str, Definition]:
        """Every named schema definition of every kind, plus the shared ones."""
        defs: dict[str, Definition] = dict(SHARED_DEFINITIONS)
        for info in self._kinds:
            if info.schema is not None:
                defs.update(info.schema.definitions)
        return defs


BUILTIN_CATALOG = Catalog(BUILTIN)

# The built-in kinds kept in etcd.
RESOURCES: tuple[ResourceInfo, ...] = tuple(BUILTIN_CATALOG.stored())


def groups() -> list[GroupInfo]:
    return BUILTIN_CATALOG.groups()


def lookup(group: str, version: str, plural: str) -> ResourceInfo | None:
    return BUILTIN_CATALOG.lookup(group, version, plural)


def lookup_kind(api_version: str, kind: str) -> ResourceInfo | None:
    return BUILTIN_CATALOG.lookup_kind(api_version, kind)


def in_group_version(group: str, version: str) -> list[ResourceInfo]:
    return BUILTIN_CATALOG.in_group_version(group, version)


def resolve(name: str) -> ResourceInfo | None:
    return BUILTIN_CATALOG.resolve(name)
