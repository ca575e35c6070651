"""`mkctl rollout status|history|undo|restart|pause|resume`, as kubectl does them.

The decisions are pure functions over plain objects, so they are tested without a server:

* `rollout_status(obj, revision)` is kubectl's status viewer per kind (Deployment,
  DaemonSet, StatefulSet): a progress line and whether the rollout is done, or a
  `CtlError` for a rollout that cannot finish (ProgressDeadlineExceeded).
* A Deployment's history is the ReplicaSets it controls (an ownerReference with
  `controller: true` and its uid) keyed by their `deployment.kubernetes.io/revision`
  annotation; `history_text` and `template_text` print it as kubectl does. A StatefulSet's
  or DaemonSet's history is its ControllerRevisions, put in the same shape by
  `revisions_as_history` (their undo patches the template only).
* `rollback_target` / `rollback_patch` pick the ReplicaSet of a revision (by default the
  second newest) and build the JSON patch that copies its pod template (minus the
  `pod-template-hash` label) and annotations back into the Deployment.

The handlers do the I/O: one GET, one LIST or one PATCH per object, except `rollout status`,
which follows the object with a watch from its resourceVersion (a new GET when the version
has expired) until the rollout finishes, the object is deleted or `--timeout` passes.
Single-threaded; the only blocking call is the watch, bounded by `--timeout`.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo
from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.client.rest import Unreachable

from .common import EXPECTED_ERRORS, error_text, parse_duration, parse_targets, resolve_type
from .context import Context, CtlError
from .printers import resource_prefix

__all__ = [
    "RolloutStatus",
    "group_help",
    "history_text",
    "owned_replica_sets",
    "register",
    "restart_patch",
    "revision_of",
    "rollback_patch",
    "rollback_target",
    "rollout_status",
    "template_text",
]

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
TIMED_OUT = "timed out waiting for the condition"
# Deployment annotations an undo keeps from the Deployment rather than the ReplicaSet.
KEPT_ANNOTATIONS = frozenset(
    {
        LAST_APPLIED,
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)
ROLLOUT_KINDS = ("Deployment", "DaemonSet", "StatefulSet")


# --------------------------------------------------------------------------- small helpers


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dl(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _meta(obj: Any) -> dict[str, Any]:
    return _d(_d(obj).get("metadata"))


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _kind_name(info: ResourceInfo) -> str:
    """A GroupKind as Kubernetes prints it: `Pod`, `DaemonSet.apps`."""
    return f"{info.kind}.{info.group}" if info.group else info.kind


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class RolloutStatus:
    """One progress line and whether the rollout has finished."""

    message: str
    done: bool


def _deployment_status(obj: Obj, revision: int) -> RolloutStatus:
    name = _meta(obj).get("name", "")
    spec, status = _d(obj.get("spec")), _d(obj.get("status"))
    if revision > 0:
        current = revision_of(obj)
        if current is None:
            raise CtlError(f'cannot get the revision of deployment "{name}"')
        if current != revision:
            raise CtlError(
                f"desired revision ({revision}) is different from the running revision ({current})"
            )
    if _int(_meta(obj).get("generation")) > _int(status.get("observedGeneration")):
        return RolloutStatus("Waiting for deployment spec update to be observed...", False)
    for cond in _dl(status.get("conditions")):
        if cond.get("type") == "Progressing" and cond.get("reason") == PROGRESS_DEADLINE_EXCEEDED:
            raise CtlError(f'deployment "{name}" exceeded its progress deadline')
    updated, replicas = _int(status.get("updatedReplicas")), _int(status.get("replicas"))
    available = _int(status.get("availableReplicas"))
    wanted = spec.get("replicas")
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if isinstance(wanted, int) and updated < wanted:
        return RolloutStatus(
            f"{waiting}{updated} out of {wanted} new replicas have been updated...", False
        )
    if replicas > updated:
        return RolloutStatus(
            f"{waiting}{replicas - updated} old replicas are pending termination...", False
        )
    if available < updated:
        return RolloutStatus(
            f"{waiting}{available} of {updated} updated replicas are available...", False
        )
    return RolloutStatus(f'deployment "{name}" successfully rolled out', True)


def _require_rolling_update(obj: Obj) -> None:
    strategy = _d(_d(obj.get("spec")).get("updateStrategy")).get("type") or "RollingUpdate"
    if strategy != "RollingUpdate":
        raise CtlError("rollout status is only available for RollingUpdate strategy type")


def _daemonset_status(obj: Obj, revision: int) -> RolloutStatus:
    _require_rolling_update(obj)
    name = _meta(obj).get("name", "")
    status = _d(obj.get("status"))
    if _int(_meta(obj).get("generation")) > _int(status.get("observedGeneration")):
        return RolloutStatus("Waiting for daemon set spec update to be observed...", False)
    desired = _int(status.get("desiredNumberScheduled"))
    updated = _int(status.get("updatedNumberScheduled"))
    available = _int(status.get("numberAvailable"))
    waiting = f'Waiting for daemon set "{name}" rollout to finish: '
    if updated < desired:
        return RolloutStatus(
            f"{waiting}{updated} out of {desired} new pods have been updated...", False
        )
    if available < desired:
        return RolloutStatus(
            f"{waiting}{available} of {desired} updated pods are available...", False
        )
    return RolloutStatus(f'daemon set "{name}" successfully rolled out', True)


def _statefulset_status(obj: Obj, revision: int) -> RolloutStatus:
    _require_rolling_update(obj)
    spec, status = _d(obj.get("spec")), _d(obj.get("status"))
    observed = _int(status.get("observedGeneration"))
    if observed == 0 or _int(_meta(obj).get("generation")) > observed:
        return RolloutStatus("Waiting for statefulset spec update to be observed...", False)
    wanted = spec.get("replicas")
    ready = _int(status.get("readyReplicas"))
    if isinstance(wanted, int) and ready < wanted:
        return RolloutStatus(f"Waiting for {wanted - ready} pods to be ready...", False)
    updated = _int(status.get("updatedReplicas"))
    rolling = _d(_d(spec.get("updateStrategy")).get("rollingUpdate"))
    if rolling:
        partition = rolling.get("partition")
        if isinstance(wanted, int) and isinstance(partition, int) and updated < wanted - partition:
            return RolloutStatus(
                "Waiting for partitioned roll out to finish: "
                f"{updated} out of {wanted - partition} new pods have been updated...",
                False,
            )
        return RolloutStatus(
            f"partitioned roll out complete: {updated} new pods have been updated...", True
        )
    update_rev, current_rev = status.get("updateRevision", ""), status.get("currentRevision", "")
    if update_rev != current_rev:
        return RolloutStatus(
            "waiting for statefulset rolling update to complete "
            f"{updated} pods at revision {update_rev}...",
            False,
        )
    current = _int(status.get("currentReplicas"))
    return RolloutStatus(
        f"statefulset rolling update complete {current} pods at revision {current_rev}...", True
    )


StatusViewer = Callable[[Obj, int], RolloutStatus]
STATUS_VIEWERS: dict[str, StatusViewer] = {
    "Deployment": _deployment_status,
    "DaemonSet": _daemonset_status,
    "StatefulSet": _statefulset_status,
}


def rollout_status(obj: Obj, revision: int = 0) -> RolloutStatus:
    """kubectl's status line for a Deployment, DaemonSet or StatefulSet; `CtlError` when the
    rollout failed (or the kind has no rollout)."""
    viewer = STATUS_VIEWERS.get(str(obj.get("kind") or ""))
    if viewer is None:
        raise CtlError(f"no status viewer has been implemented for {obj.get('kind')}")
    return viewer(obj, revision)


# --------------------------------------------------------------------------- history


def revision_of(obj: Obj) -> int | None:
    """The `deployment.kubernetes.io/revision` annotation as a number (None: none/invalid)."""
    raw = _d(_meta(obj).get("annotations")).get(REVISION)
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


def _controlled_by(obj: Obj, uid: str) -> bool:
    return any(
        ref.get("controller") and ref.get("uid") == uid
        for ref in _dl(_meta(obj).get("ownerReferences"))
    )


def owned_replica_sets(deployment: Obj, replica_sets: list[Obj]) -> list[Obj]:
    """The ReplicaSets the Deployment controls and its selector matches."""
    uid = str(_meta(deployment).get("uid") or "")
    try:
        selector = LabelSelector.from_dict(_d(deployment.get("spec")).get("selector"))
    except SelectorError:
        return []
    return [
        rs
        for rs in replica_sets
        if _controlled_by(rs, uid) and selector.matches(_d(_meta(rs).get("labels")))
    ]


def _history(replica_sets: list[Obj]) -> dict[int, Obj]:
    """Revision -> ReplicaSet (ReplicaSets without a valid revision are left out)."""
    found: dict[int, Obj] = {}
    for rs in replica_sets:
        rev = revision_of(rs)
        if rev is not None:
            found[rev] = rs
    return found


def _template_with_cause(rs: Obj) -> Obj:
    """The ReplicaSet's pod template, its change-cause copied into the template's
    annotations (kubectl shows the cause there)."""
    template = dict(_d(_d(rs.get("spec")).get("template")))
    cause = _d(_meta(rs).get("annotations")).get(CHANGE_CAUSE)
    meta = dict(_d(template.get("metadata")))
    if cause:
        meta["annotations"] = {**_d(meta.get("annotations")), CHANGE_CAUSE: cause}
    template["metadata"] = meta
    return template


def history_text(replica_sets: list[Obj]) -> str:
    """The REVISION / CHANGE-CAUSE table (or kubectl's no-history line)."""
    history = _history(replica_sets)
    if not history:
        return "No rollout history found."
    rows = [("REVISION", "CHANGE-CAUSE")]
    for rev in sorted(history):
        annotations = _d(_meta(_template_with_cause(history[rev])).get("annotations"))
        rows.append((str(rev), str(annotations.get(CHANGE_CAUSE) or "<none>")))
    width = max(len(r[0]) for r in rows) + 2
    return "".join(f"{rev.ljust(width)}{cause}\n" for rev, cause in rows)


# --------------------------------------------------------------------------- pod template


def _multiline(title: str, pairs: list[str]) -> list[str]:
    """`Title:\\tfirst` then `\\tnext` lines, as kubectl's multi-line label printer does."""
    if not pairs:
        return [f"{title}:\t<none>"]
    return [f"{title}:\t{pairs[0]}", *(f"\t{p}" for p in pairs[1:])]


def _shorten(value: str, limit: int = 140) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


def _ports(ports: list[Obj], key: str) -> str:
    return ", ".join(f"{_int(p.get(key))}/{p.get('protocol') or 'TCP'}" for p in ports)


def _port_lines(ports: list[Obj]) -> list[str]:
    lines = []
    for key, one, many in (
        ("containerPort", "Port", "Ports"),
        ("hostPort", "Host Port", "Host Ports"),
    ):
        text = _ports(ports, key)
        lines.append(f"    {many}:\t{text}" if "," in text else f"    {one}:\t{text or '<none>'}")
    return lines


def _words(title: str, values: Any) -> list[str]:
    items = values if isinstance(values, list) else []
    if not items:
        return []
    return [f"    {title}:", *(f"      {part}" for v in items for part in str(v).split("\n"))]


def _resource_lines(resources: Obj) -> list[str]:
    lines: list[str] = []
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = _d(resources.get(key))
        if values:
            lines.append(f"    {title}:")
            lines.extend(f"      {k}:\t{values[k]}" for k in sorted(values))
    return lines


def probe_text(probe: Obj) -> str:
    """A probe as kubectl's describe prints it."""
    attrs = (
        f"delay={_int(probe.get('initialDelaySeconds'))}s "
        f"timeout={_int(probe.get('timeoutSeconds') or 1)}s "
        f"period={_int(probe.get('periodSeconds') or 10)}s "
        f"#success={_int(probe.get('successThreshold') or 1)} "
        f"#failure={_int(probe.get('failureThreshold') or 3)}"
    )
    if "exec" in probe:
        command = " ".join(str(c) for c in _d(probe["exec"]).get("command") or [])
        return f"exec [{command}] {attrs}"
    if "httpGet" in probe:
        get = _d(probe["httpGet"])
        scheme = str(get.get("scheme") or "HTTP").lower()
        host = f"{get.get('host') or ''}:{get.get('port', '')}"
        return f"http-get {scheme}://{host}{get.get('path') or ''} {attrs}"
    if "tcpSocket" in probe:
        tcp = _d(probe["tcpSocket"])
        return f"tcp-socket {tcp.get('host') or ''}:{tcp.get('port', '')} {attrs}"
    if "grpc" in probe:
        grpc = _d(probe["grpc"])
        return f"grpc <pod>:{grpc.get('port', '')} {grpc.get('service') or ''} {attrs}"
    return f"unknown {attrs}"


def _probe_lines(container: Obj) -> list[str]:
    return [
        f"    {title}:\t{probe_text(_d(container[key]))}"
        for title, key in (
            ("Liveness", "livenessProbe"),
            ("Readiness", "readinessProbe"),
            ("Startup", "startupProbe"),
        )
        if key in container
    ]


def _env_from_lines(container: Obj) -> list[str]:
    sources = _dl(container.get("envFrom"))
    if not sources:
        return []
    lines = ["    Environment Variables from:"]
    for e in sources:
        kind, ref = (
            ("ConfigMap", "configMapRef") if "configMapRef" in e else ("Secret", "secretRef")
        )
        source = _d(e.get(ref))
        optional = "true" if source.get("optional") else "false"
        prefix = f" with prefix '{e['prefix']}'" if e.get("prefix") else ""
        lines.append(f"      {source.get('name', '')}\t{kind}{prefix}\tOptional: {optional}")
    return lines


def _env_value(e: Obj) -> str:
    source = _d(e.get("valueFrom"))
    if "fieldRef" in source:
        ref = _d(source["fieldRef"])
        return f" ({ref.get('apiVersion') or 'v1'}:{ref.get('fieldPath', '')})"
    if "resourceFieldRef" in source:
        return f" ({_d(source['resourceFieldRef']).get('resource', '')})"
    for key, text in (("secretKeyRef", "in secret"), ("configMapKeyRef", "of config map")):
        if key in source:
            ref = _d(source[key])
            optional = "true" if ref.get("optional") else "false"
            return (
                f"<set to the key '{ref.get('key', '')}' {text} '{ref.get('name', '')}'>"
                f"\tOptional: {optional}"
            )
    return ""


def _env_lines(container: Obj) -> list[str]:
    env = _dl(container.get("env"))
    if not env:
        return ["    Environment:\t<none>"]
    lines = ["    Environment:"]
    for e in env:
        if "valueFrom" not in e:
            first, *rest = str(e.get("value") or "").split("\n")
            lines.append(f"      {e.get('name', '')}:\t{first}")
            lines.extend(f"      \t{more}" for more in rest)
        else:
            lines.append(f"      {e.get('name', '')}:\t{_env_value(e)}")
    return lines


def _mount_lines(container: Obj) -> list[str]:
    mounts = sorted(_dl(container.get("volumeMounts")), key=lambda m: str(m.get("mountPath")))
    if not mounts:
        return ["    Mounts:\t<none>"]
    lines = ["    Mounts:"]
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        lines.append(f"      {m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})")
    return lines


def _container_lines(title: str, containers: list[Obj]) -> list[str]:
    lines = [f"  {title}:"]
    for c in containers:
        lines.append(f"   {c.get('name', '')}:")
        lines.append(f"    Image:\t{c.get('image', '')}")
        lines.extend(_port_lines(_dl(c.get("ports"))))
        lines.extend(_words("Command", c.get("command")))
        lines.extend(_words("Args", c.get("args")))
        lines.extend(_resource_lines(_d(c.get("resources"))))
        lines.extend(_probe_lines(c))
        lines.extend(_env_from_lines(c))
        lines.extend(_env_lines(c))
        lines.extend(_mount_lines(c))
    return lines


_VOLUME_TYPES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    # source key: (Type text, ((label, field, default), ...))
    "hostPath": (
        "HostPath (bare host directory volume)",
        (("Path", "path", ""), ("HostPathType", "type", "<none>")),
    ),
    "emptyDir": (
        "EmptyDir (a temporary directory that shares a pod's lifetime)",
        (("Medium", "medium", ""), ("SizeLimit", "sizeLimit", "<unset>")),
    ),
    "secret": (
        "Secret (a volume populated by a Secret)",
        (("SecretName", "secretName", ""), ("Optional", "optional", "false")),
    ),
    "configMap": (
        "ConfigMap (a volume populated by a ConfigMap)",
        (("Name", "name", ""), ("Optional", "optional", "false")),
    ),
    "persistentVolumeClaim": (
        "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
        (("ClaimName", "claimName", ""), ("ReadOnly", "readOnly", "false")),
    ),
}


def _field_text(value: Any, default: str) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _volume_lines(volumes: list[Obj]) -> list[str]:
    if not volumes:
        return ["  Volumes:\t<none>"]
    lines = ["  Volumes:"]
    for v in volumes:
        lines.append(f"   {v.get('name', '')}:")
        kind = next((k for k in _VOLUME_TYPES if k in v), None)
        if kind is None:
            lines.append("  <unknown>")
            continue
        text, fields = _VOLUME_TYPES[kind]
        source = _d(v.get(kind))
        lines.append(f"    Type:\t{text}")
        lines.extend(
            f"    {label}:\t{_field_text(source.get(key), default)}"
            for label, key, default in fields
        )
    return lines


def _toleration_text(t: Obj) -> str:
    text = str(t.get("key") or "")
    if t.get("value"):
        text += f"={t['value']}"
    if t.get("effect"):
        text += f":{t['effect']}"
    if t.get("operator") == "Exists" and not t.get("value"):
        text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
    if t.get("tolerationSeconds") is not None:
        text += f" for {t['tolerationSeconds']}s"
    return text


def template_text(template: Obj) -> str:
    """A pod template as `kubectl rollout history --revision` prints it (kubectl's
    describe layout, tab-separated and not aligned)."""
    meta, spec = _meta(template), _d(template.get("spec"))
    labels = _d(meta.get("labels"))
    annotations = {k: v for k, v in _d(meta.get("annotations")).items() if k != LAST_APPLIED}
    lines = ["Pod Template:"]
    lines += _multiline("  Labels", [f"{k}={labels[k]}" for k in sorted(labels)])
    if annotations:
        pairs = [f"{k}: {_shorten(str(annotations[k]))}" for k in sorted(annotations)]
        lines += _multiline("  Annotations", pairs)
    if spec.get("serviceAccountName"):
        lines.append(f"  Service Account:\t{spec['serviceAccountName']}")
    if _dl(spec.get("initContainers")):
        lines += _container_lines("Init Containers", _dl(spec.get("initContainers")))
    lines += _container_lines("Containers", _dl(spec.get("containers")))
    lines += _volume_lines(_dl(spec.get("volumes")))
    if spec.get("priorityClassName"):
        lines.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    selector = _d(spec.get("nodeSelector"))
    lines += _multiline("  Node-Selectors", [f"{k}={selector[k]}" for k in sorted(selector)])
    tolerations = sorted(_dl(spec.get("tolerations")), key=lambda t: str(t.get("key") or ""))
    lines += _multiline("  Tolerations", [_toleration_text(t) for t in tolerations])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- undo / restart


def _without_hash(template: Any) -> Obj:
    template = _d(template)
    meta = dict(_meta(template))
    labels = {k: v for k, v in _d(meta.get("labels")).items() if k != HASH_LABEL}
    if labels or "labels" in meta:
        meta["labels"] = labels
    return {**template, "metadata": meta}


def rollback_target(deployment: Obj, replica_sets: list[Obj], to_revision: int) -> Obj:
    """The ReplicaSet to roll back to: revision `to_revision`, or (0) the second newest."""
    if to_revision < 0:
        raise CtlError(f"unable to find specified revision {to_revision} in history")
    history = _history(owned_replica_sets(deployment, replica_sets))
    if to_revision > 0:
        if to_revision not in history:
            raise CtlError(f"unable to find specified revision {to_revision} in history")
        return history[to_revision]
    revisions = sorted(history)
    if len(revisions) < 2:
        if deployment.get("kind") not in (None, "Deployment"):
            raise CtlError("no last revision to roll back to")  # kubectl's ControllerRevisions
        name = _meta(deployment).get("name", "")
        raise CtlError(f'no rollout history found for deployment "{name}"')
    return history[revisions[-2]]


def rollback_patch(deployment: Obj, replica_set: Obj) -> list[Obj] | None:
    """The JSON patch that restores the ReplicaSet's template; None if it already matches."""
    template = _without_hash(_d(replica_set.get("spec")).get("template"))
    if template == _without_hash(_d(deployment.get("spec")).get("template")):
        return None
    current = _d(_meta(deployment).get("annotations"))
    annotations = {k: v for k, v in current.items() if k in KEPT_ANNOTATIONS}
    for key, value in _d(_meta(replica_set).get("annotations")).items():
        if key not in KEPT_ANNOTATIONS:
            annotations[key] = value
    op = "replace" if "annotations" in _meta(deployment) else "add"
    return [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": op, "path": "/metadata/annotations", "value": annotations},
    ]


def restart_patch(now: datetime) -> Obj:
    """The strategic merge patch that rolls every pod: a new `restartedAt` template annotation."""
    stamp = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}


# --------------------------------------------------------------------------- I/O helpers


def _objects(ctx: Context, args: argparse.Namespace, verb: str) -> list[tuple[ResourceInfo, str]]:
    """(resource, name) for every object the arguments name; a bare type means all of it."""
    found: list[tuple[ResourceInfo, str]] = []
    for target in parse_targets(list(args.resources), verb):
        if target.names:
            found.extend((target.info, name) for name in target.names)
            continue
        items, _ = ctx.client.list_all(
            target.info, ctx.namespace, label_selector=args.selector or None
        )
        found.extend((target.info, str(_meta(i).get("name"))) for i in items)
    if not found:
        raise CtlError(f"no resources found in {ctx.namespace} namespace")
    return found


def _each(
    ctx: Context,
    args: argparse.Namespace,
    verb: str,
    action: Callable[[ResourceInfo, str], None],
) -> int:
    """Run `action` on every named object; an error is printed and the others still run."""
    failed = False
    for info, name in _objects(ctx, args, verb):
        try:
            action(info, name)
        except EXPECTED_ERRORS as e:
            if isinstance(e, Unreachable):
                raise
            ctx.err(error_text(e))
            failed = True
    return 1 if failed else 0


def _ref(info: ResourceInfo, name: str) -> str:
    return f"{resource_prefix(info)}/{name}"


def _not_supported(info: ResourceInfo, name: str, doing: str) -> CtlError:
    return CtlError(f'{info.group_resource} "{name}" {doing} is not supported')


def _replica_sets_of(ctx: Context, deployment: Obj) -> list[Obj]:
    rs_info = resolve_type("replicasets")
    namespace = _meta(deployment).get("namespace") or ctx.namespace
    items, _ = ctx.client.list_all(rs_info, namespace)
    return owned_replica_sets(deployment, items)


def revisions_as_history(revisions: list[Obj]) -> list[Obj]:
    """A StatefulSet's or DaemonSet's ControllerRevisions in the shape of a Deployment's
    ReplicaSets (owner, labels, the revision number in the revision annotation, the
    template), so the history and rollback code above serves all three."""
    out = []
    for rev in revisions:
        meta = _meta(rev)
        template = dict(_d(_d(_d(rev.get("data")).get("spec")).get("template")))
        template.pop("$patch", None)
        annotations = {REVISION: str(rev.get("revision", ""))}
        if _d(meta.get("annotations")).get(CHANGE_CAUSE):
            annotations[CHANGE_CAUSE] = _d(meta.get("annotations"))[CHANGE_CAUSE]
        out.append(
            {
                "metadata": {
                    "name": meta.get("name", ""),
                    "labels": _d(meta.get("labels")),
                    "ownerReferences": _dl(meta.get("ownerReferences")),
                    "annotations": annotations,
                },
                "spec": {"template": template},
            }
        )
    return out


def _history_of(ctx: Context, info: ResourceInfo, obj: Obj) -> list[Obj]:
    """A Deployment's ReplicaSets, or the ControllerRevisions of a StatefulSet or DaemonSet
    shaped like them."""
    if info.kind == "Deployment":
        return _replica_sets_of(ctx, obj)
    namespace = _meta(obj).get("namespace") or ctx.namespace
    items, _ = ctx.client.list_all(resolve_type("controllerrevisions"), namespace)
    return owned_replica_sets(obj, revisions_as_history(items))


def _needs_history(info: ResourceInfo, what: str) -> None:
    if info.kind in ROLLOUT_KINDS:
        return
    noun = "history viewer" if what == "history" else "rollbacker"
    raise CtlError(f'no {noun} has been implemented for "{_kind_name(info)}"')


# --------------------------------------------------------------------------- status: watch


def _watch_seconds(deadline: float | None) -> int | None:
    """The server-side timeout of the next watch; raises once the deadline has passed."""
    if deadline is None:
        return None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise CtlError(TIMED_OUT)
    return max(1, math.ceil(remaining))


def _updates(ctx: Context, info: ResourceInfo, obj: Obj, deadline: float | None) -> Iterator[Obj]:
    """The object each time it changes, from a watch that resumes at the last version seen;
    a version that expired (410) is replaced by a fresh GET."""
    name, namespace = str(_meta(obj).get("name")), _meta(obj).get("namespace") or ctx.namespace
    rv = str(_meta(obj).get("resourceVersion") or "")
    while True:
        stream = ctx.client.watch(
            info,
            namespace,
            resource_version=rv,
            field_selector=f"metadata.name={name}",
            timeout_seconds=_watch_seconds(deadline),
        )
        try:
            for event in stream:
                current = _d(event.get("object"))
                rv = str(_meta(current).get("resourceVersion") or rv)
                if event.get("type") == "DELETED":
                    raise CtlError("object has been deleted")
                if event.get("type") in ("ADDED", "MODIFIED"):
                    yield current
                _watch_seconds(deadline)
        except errors.Gone:
            fresh = ctx.client.get(info, name, namespace)
            rv = str(_meta(fresh).get("resourceVersion") or "")
            yield fresh
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()


def _status_one(ctx: Context, args: argparse.Namespace, info: ResourceInfo, name: str) -> None:
    if info.kind not in STATUS_VIEWERS:
        raise CtlError(f"no status viewer has been implemented for {_kind_name(info)}")
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    obj = ctx.client.get(info, name, ctx.namespace)
    revision = args.revision if info.kind == "Deployment" else 0
    status = rollout_status(obj, revision)
    ctx.out(status.message)
    if status.done or not args.watch:
        return
    for changed in _updates(ctx, info, obj, deadline):
        status = rollout_status(changed, revision)
        ctx.out(status.message)
        if status.done:
            return


# --------------------------------------------------------------------------- handlers


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    if args.revision and args.revision < 0:
        raise CtlError("revision must be a positive integer")
    return _each(ctx, args, "rollout status", lambda i, n: _status_one(ctx, args, i, n))


def _history_one(ctx: Context, args: argparse.Namespace, info: ResourceInfo, name: str) -> None:
    _needs_history(info, "history")
    deployment = ctx.client.get(info, name, ctx.namespace)
    owned = _history_of(ctx, info, deployment)
    if args.revision > 0:
        history = _history(owned)
        if args.revision not in history:
            raise CtlError("unable to find the specified revision")
        body = template_text(_template_with_cause(history[args.revision]))
        header = f"with revision #{args.revision}"
    else:
        body, header = history_text(owned), ""
    ctx.stdout.write(f"{_ref(info, name)} {header}\n{body}\n")
    ctx.stdout.flush()


def run_history(args: argparse.Namespace, ctx: Context) -> int:
    return _each(ctx, args, "rollout history", lambda i, n: _history_one(ctx, args, i, n))


def _undo_one(ctx: Context, args: argparse.Namespace, info: ResourceInfo, name: str) -> None:
    _needs_history(info, "undo")
    deployment = ctx.client.get(info, name, ctx.namespace)
    target = rollback_target(deployment, _history_of(ctx, info, deployment), args.to_revision)
    if _d(deployment.get("spec")).get("paused"):
        raise CtlError(
            "you cannot rollback a paused deployment; resume it first with "
            "'mkctl rollout resume' and try again"
        )
    patch = rollback_patch(deployment, target)
    if patch is not None and info.kind != "Deployment":
        patch = patch[:1]  # the template only: revision annotations are a Deployment's
    if patch is None:
        revision = revision_of(target)
        ctx.out(
            f"{_ref(info, name)} skipped rollback "
            f"(current template already matches revision {revision})"
        )
        return
    ctx.client.patch(info, name, patch, ctx.namespace, patch_type="json")
    ctx.out(f"{_ref(info, name)} rolled back")


def run_undo(args: argparse.Namespace, ctx: Context) -> int:
    return _each(ctx, args, "rollout undo", lambda i, n: _undo_one(ctx, args, i, n))


def _restart_one(ctx: Context, info: ResourceInfo, name: str) -> None:
    if info.kind not in ROLLOUT_KINDS:
        raise _not_supported(info, name, "restarting")
    obj = ctx.client.get(info, name, ctx.namespace)
    if info.kind == "Deployment" and _d(obj.get("spec")).get("paused"):
        raise CtlError(
            f'{info.group_resource} "{name}" can\'t restart paused deployment '
            "(run rollout resume first)"
        )
    patch = restart_patch(datetime.now().astimezone())
    ctx.client.patch(info, name, patch, ctx.namespace, patch_type="strategic")
    ctx.out(f"{_ref(info, name)} restarted")


def run_restart(args: argparse.Namespace, ctx: Context) -> int:
    return _each(ctx, args, "rollout restart", lambda i, n: _restart_one(ctx, i, n))


def _pause_one(ctx: Context, info: ResourceInfo, name: str, pause: bool) -> None:
    doing, done = ("pausing", "paused") if pause else ("resuming", "resumed")
    if info.kind != "Deployment":
        raise _not_supported(info, name, doing)
    obj = ctx.client.get(info, name, ctx.namespace)
    if bool(_d(obj.get("spec")).get("paused")) == pause:
        state = "is already paused" if pause else "is not paused"
        raise CtlError(f'{info.group_resource} "{name}" {state}')
    patch = {"spec": {"paused": True if pause else None}}
    ctx.client.patch(info, name, patch, ctx.namespace, patch_type="merge")
    ctx.out(f"{_ref(info, name)} {done}")


def run_pause(args: argparse.Namespace, ctx: Context) -> int:
    return _each(ctx, args, "rollout pause", lambda i, n: _pause_one(ctx, i, n, True))


def run_resume(args: argparse.Namespace, ctx: Context) -> int:
    return _each(ctx, args, "rollout resume", lambda i, n: _pause_one(ctx, i, n, False))


# --------------------------------------------------------------------------- parsers


def _bool_flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "t"):
        return True
    if lowered in ("false", "0", "no", "f"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean {text!r} (use true or false)")


def group_help(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace, Context], int]:
    """The handler of a command group run without a subcommand: its own help, as kubectl."""

    def show(args: argparse.Namespace, ctx: Context) -> int:
        ctx.stdout.write(parser.format_help())
        return 0

    return show


def _add_targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("resources", nargs="*", metavar="TYPE[/NAME]", help="what to act on")
    p.add_argument("-l", "--selector", help="act on the objects of the type this selector matches")


def register(subparsers: Any) -> None:
    rollout = subparsers.add_parser(
        "rollout",
        help="Manage the rollout of a deployment, daemon set or stateful set",
        description="Watch, inspect, undo, restart, pause and resume rollouts.",
    )
    rollout.set_defaults(handler=group_help(rollout))
    sub = rollout.add_subparsers(dest="rollout_command", metavar="SUBCOMMAND")
    status = sub.add_parser(
        "status",
        help="Show the status of a rollout",
        description="Watch a rollout until it finishes: mkctl rollout status deployment/NAME",
    )
    _add_targets(status)
    status.add_argument(
        "-w",
        "--watch",
        type=_bool_flag,
        nargs="?",
        const=True,
        default=True,
        help="keep watching until the rollout finishes (--watch=false: print once)",
    )
    status.add_argument(
        "--timeout",
        type=parse_duration,
        default=0.0,
        metavar="DURATION",
        help="give up after this long (e.g. 5m); 0 waits forever",
    )
    status.add_argument("--revision", type=int, default=0, help="the revision to wait for")
    status.set_defaults(handler=run_status)

    history = sub.add_parser(
        "history",
        help="Show the revisions of a deployment, daemon set or stateful set",
        description="List the revisions of a deployment, daemon set or stateful set, "
        "or show one: --revision=N",
    )
    _add_targets(history)
    history.add_argument("--revision", type=int, default=0, help="show this revision's template")
    history.set_defaults(handler=run_history)

    undo = sub.add_parser(
        "undo",
        help="Roll a deployment, daemon set or stateful set back to an earlier revision",
        description="Restore the pod template of the previous (or --to-revision) revision.",
    )
    _add_targets(undo)
    undo.add_argument(
        "--to-revision", type=int, default=0, help="the revision to go back to (0: previous)"
    )
    undo.set_defaults(handler=run_undo)

    for name, handler, text in (
        ("restart", run_restart, "Restart every pod of a deployment, daemon set or stateful set"),
        ("pause", run_pause, "Pause a deployment: template changes are not rolled out"),
        ("resume", run_resume, "Resume a paused deployment"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        _add_targets(p)
        p.set_defaults(handler=handler)
