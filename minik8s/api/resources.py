"""The registry of every kind the API serves: its group, version, plural and scope.

Everything that routes, stores, discovers or prints objects looks kinds up here, so a new
kind is one entry in `RESOURCES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceInfo:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()  # "status", "scale", "binding", "log", "eviction", "exec"
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = (
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, `pods`: how Kubernetes names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        return base


@dataclass(frozen=True)
class GroupInfo:
    name: str
    versions: tuple[str, ...] = field(default_factory=tuple)


_ALL = ("all",)

RESOURCES: tuple[ResourceInfo, ...] = (
    # core/v1
    ResourceInfo("", "v1", "Namespace", "namespaces", "namespace", False, ("ns",), ("status",)),
    ResourceInfo("", "v1", "Node", "nodes", "node", False, ("no",), ("status",)),
    ResourceInfo(
        "",
        "v1",
        "Pod",
        "pods",
        "pod",
        True,
        ("po",),
        ("status", "binding", "log", "eviction", "exec"),
        _ALL,
    ),
    ResourceInfo("", "v1", "Service", "services", "service", True, ("svc",), ("status",), _ALL),
    ResourceInfo("", "v1", "Endpoints", "endpoints", "endpoints", True, ("ep",)),
    ResourceInfo("", "v1", "ConfigMap", "configmaps", "configmap", True, ("cm",)),
    ResourceInfo("", "v1", "Secret", "secrets", "secret", True),
    ResourceInfo("", "v1", "Event", "events", "event", True, ("ev",)),
    ResourceInfo("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ("sa",)),
    ResourceInfo(
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        "persistentvolume",
        False,
        ("pv",),
        ("status",),
    ),
    ResourceInfo(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        True,
        ("pvc",),
        ("status",),
    ),
    # apps/v1
    ResourceInfo(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        True,
        ("deploy",),
        ("status", "scale"),
        _ALL,
    ),
    ResourceInfo(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        True,
        ("rs",),
        ("status", "scale"),
        _ALL,
    ),
    ResourceInfo(
        "apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ("ds",), ("status",), _ALL
    ),
    ResourceInfo(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        True,
        ("sts",),
        ("status", "scale"),
        _ALL,
    ),
    ResourceInfo(
        "apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", True
    ),
    # batch/v1
    ResourceInfo("batch", "v1", "Job", "jobs", "job", True, (), ("status",), _ALL),
    ResourceInfo("batch", "v1", "CronJob", "cronjobs", "cronjob", True, ("cj",), ("status",), _ALL),
    # coordination.k8s.io/v1
    ResourceInfo("coordination.k8s.io", "v1", "Lease", "leases", "lease", True),
    # scheduling.k8s.io/v1
    ResourceInfo(
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        "priorityclass",
        False,
        ("pc",),
    ),
    # autoscaling/v2
    ResourceInfo(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        True,
        ("hpa",),
        ("status",),
        _ALL,
    ),
)

_BY_GVR: dict[tuple[str, str, str], ResourceInfo] = {
    (r.group, r.version, r.plural): r for r in RESOURCES
}
_BY_GVK: dict[tuple[str, str, str], ResourceInfo] = {
    (r.group, r.version, r.kind): r for r in RESOURCES
}


def groups() -> list[GroupInfo]:
    """Named API groups (not the core group) in a stable order."""
    seen: dict[str, list[str]] = {}
    for r in RESOURCES:
        if r.group and r.version not in seen.setdefault(r.group, []):
            seen[r.group].append(r.version)
    return [GroupInfo(g, tuple(v)) for g, v in seen.items()]


def lookup(group: str, version: str, plural: str) -> ResourceInfo | None:
    return _BY_GVR.get((group, version, plural))


def lookup_kind(api_version: str, kind: str) -> ResourceInfo | None:
    group, _, version = api_version.rpartition("/")
    return _BY_GVK.get((group, version, kind))


def in_group_version(group: str, version: str) -> list[ResourceInfo]:
    return [r for r in RESOURCES if r.group == group and r.version == version]


def resolve(name: str) -> ResourceInfo | None:
    """Find a resource by plural, singular, kind or short name, optionally `plural.group`.

    This is what `mkctl get deploy` and `kubectl`-style names need.
    """
    lowered = name.lower()
    base, _, group = lowered.partition(".")
    for r in RESOURCES:
        if group and r.group != group:
            continue
        if base in (r.plural, r.singular, r.kind.lower()) or base in r.short_names:
            return r
    return None
