"""`mkctl set image`, `logs`, `exec`, `cordon`, `uncordon` and `drain`, as kubectl
does them.

Pure decisions, tested without a server: `image_patch` (the strategic merge patch that
changes container images, and the containers it could not find), `pick_log_pod` (kubectl's
choice of pod for `logs deployment/NAME`), `log_params`, `ExecRequest.query`, `pod_verdict`
and `DrainPlan` (kubectl's drain filters: mirror pods, DaemonSet pods, emptyDir data,
unmanaged pods). `top` is in cmd_top.py.

I/O: everything goes through the context's REST client, except the log stream. Logs are
read on a connection of their own, without retries and streamed chunk by chunk: the shared
client retries a 503 (which is what a cluster without kubelets answers, with Retry-After)
and reads whole bodies, neither of which suits `logs -f`.

`exec` resolves the pod and container and runs the command over `exec_transport()`: the API
server's WebSocket exec stream (`cmd_streams.WebSocketExec`, which also serves `attach`,
`cp` and `port-forward`).

`drain` cordons, evicts through `pods/NAME/eviction` and then waits for the pods to go with
a watch on the node's pods (resuming from the list it started with), bounded by
`--timeout`. Single-threaded throughout.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

import httpx

from minik8s.api import errors
from minik8s.api.dig import dig
from minik8s.api.pods import is_pod_ready, is_pod_terminal, pod_phase
from minik8s.api.resources import ResourceInfo
from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.api.times import format_go_duration
from minik8s.client.config import ClientConfig
from minik8s.client.rest import Unreachable, error_from_response, transport_error

from .cmd_rollout import group_help
from .common import EXPECTED_ERRORS, error_text, parse_duration, parse_targets, resolve_type
from .context import Context, CtlError
from .printers import parse_time, resource_prefix

__all__ = [
    "DrainOptions",
    "DrainPlan",
    "ExecRequest",
    "ExecTransport",
    "PodVerdict",
    "choose_container",
    "exec_transport",
    "image_patch",
    "log_params",
    "pick_log_pod",
    "pod_for",
    "pod_verdict",
    "register",
]

Obj = dict[str, Any]

DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
MIRROR_POD = "kubernetes.io/config.mirror"
TIMED_OUT = "timed out waiting for the condition"


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dl(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _meta(obj: Any) -> dict[str, Any]:
    return _d(_d(obj).get("metadata"))


def _name(obj: Any) -> str:
    return str(_meta(obj).get("name") or "")


def _ref(info: ResourceInfo, name: str) -> str:
    return f"{resource_prefix(info)}/{name}"


def _dry_suffix(dry_run: str) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")


def _patch(
    ctx: Context,
    info: ResourceInfo,
    name: str,
    namespace: str | None,
    patch: Obj,
    patch_type: str,
    dry_run: str,
) -> None:
    """PATCH, or nothing for a client dry run, or `dryRun=All` for a server one."""
    if dry_run == "client":
        return
    if dry_run != "server":
        ctx.client.patch(info, name, patch, namespace, patch_type=patch_type)
        return
    content_type = {
        "strategic": "application/strategic-merge-patch+json",
        "merge": "application/merge-patch+json",
    }[patch_type]
    path = info.path(namespace if info.namespaced else None, name)
    ctx.client.request(
        "PATCH",
        path,
        params={"dryRun": "All"},
        json=patch,
        headers={"Content-Type": content_type},
    )


def _add_dry_run(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dry-run",
        nargs="?",
        const="client",
        default="none",
        choices=("none", "client", "server"),
        help="only show what would change (server: the server checks it, stores nothing)",
    )


def _ceil_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def _remaining(deadline: float | None) -> int | None:
    """Whole seconds left before `deadline` (None: no deadline); 0 once it has passed."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    return 0 if left <= 0 else _ceil_seconds(left)


def _closing(stream: Iterator[Obj]) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        close()


# =========================================================================== set image

_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def split_image_args(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """(resource words, {container: image}) from `TYPE NAME c1=img1 c2=img2`."""
    resources: list[str] = []
    images: dict[str, str] = {}
    for word in words:
        if "=" in word:
            container, _, image = word.partition("=")
            if not container or not image:
                raise CtlError(f"invalid image update {word!r}: use CONTAINER=IMAGE")
            images[container] = image
        else:
            resources.append(word)
    return resources, images


def _nested(path: tuple[str, ...], leaf: Obj) -> Obj:
    obj = leaf
    for key in reversed(path):
        obj = {key: obj}
    return obj


def image_patch(kind: str, obj: Obj, images: dict[str, str]) -> tuple[Obj | None, list[str]]:
    """The strategic merge patch setting the images (None: nothing changes) and the
    containers that were not found. `*` names every container, init containers included."""
    path = _POD_SPEC_PATHS[kind]
    spec = _d(dig(obj, path))
    changes: Obj = {}
    missing: list[str] = []
    for container, image in images.items():
        found = False
        for field_name in ("initContainers", "containers"):
            for c in _dl(spec.get(field_name)):
                if container not in ("*", c.get("name")):
                    continue
                found = True
                if c.get("image") != image:
                    entries = changes.setdefault(field_name, [])
                    entries[:] = [e for e in entries if e["name"] != c.get("name")]
                    entries.append({"name": c.get("name"), "image": image})
        if not found:
            missing.append(container)
    return (_nested(path, changes) if changes else None), missing


def _set_image_one(
    ctx: Context, args: argparse.Namespace, info: ResourceInfo, obj: Obj, images: dict[str, str]
) -> bool:
    """Patch one object; False if a container was missing (the others still change)."""
    name = _name(obj)
    if info.kind not in _POD_SPEC_PATHS:
        raise CtlError(
            f"{info.group_resource}/{name} the object is not a pod or does not have a pod "
            f"template: *{info.version}.{info.kind}"
        )
    patch, missing = image_patch(info.kind, obj, images)
    if patch is not None:
        _patch(ctx, info, name, ctx.namespace, patch, "strategic", args.dry_run)
        ctx.out(f"{_ref(info, name)} image updated{_dry_suffix(args.dry_run)}")
    for container in missing:
        ctx.err(f'error: unable to find container named "{container}"')
    return not missing


def _selected_objects(
    ctx: Context, args: argparse.Namespace, words: list[str], verb: str
) -> list[tuple[ResourceInfo, Obj]]:
    found: list[tuple[ResourceInfo, Obj]] = []
    for target in parse_targets(words, verb):
        if target.names:
            found.extend(
                (target.info, ctx.client.get(target.info, n, ctx.namespace)) for n in target.names
            )
            continue
        if not args.all and not args.selector:
            raise CtlError("resource(s) were provided, but no name was specified")
        items, _ = ctx.client.list_all(
            target.info, ctx.namespace, label_selector=args.selector or None
        )
        found.extend((target.info, item) for item in items)
    return found


def run_set_image(args: argparse.Namespace, ctx: Context) -> int:
    words, images = split_image_args(list(args.words))
    if not images:
        raise CtlError("at least one image update is required")
    ok = True
    for info, obj in _selected_objects(ctx, args, words, "set image"):
        try:
            ok = _set_image_one(ctx, args, info, obj, images) and ok
        except EXPECTED_ERRORS as e:
            if isinstance(e, Unreachable):
                raise
            ctx.err(error_text(e))
            ok = False
    return 0 if ok else 1


# =========================================================================== pods & containers


def _containers(pod: Obj, *, with_init: bool = True) -> list[tuple[str, bool]]:
    """(name, is_init) of the pod's containers, regular ones first."""
    spec = _d(pod.get("spec"))
    names = [(str(c.get("name")), False) for c in _dl(spec.get("containers"))]
    if with_init:
        names += [(str(c.get("name")), True) for c in _dl(spec.get("initContainers"))]
    return names


def choose_container(pod: Obj, wanted: str | None) -> tuple[str, str | None]:
    """(container, notice): `wanted` if the pod has it; else the default-container
    annotation or the first container, with kubectl's "Defaulted container" notice when
    the pod has more than one."""
    names = _containers(pod)
    spec = _d(pod.get("spec"))
    ephemeral = [str(c.get("name")) for c in _dl(spec.get("ephemeralContainers"))]
    if wanted:
        if wanted not in [n for n, _ in names] + ephemeral:
            raise CtlError(f"container {wanted} is not valid for pod {_name(pod)}")
        return wanted, None
    regular = [n for n, init in names if not init]
    if not regular:
        raise CtlError(f"pod {_name(pod)} has no containers")
    annotated = _d(_meta(pod).get("annotations")).get(DEFAULT_CONTAINER)
    chosen = annotated if annotated in regular else regular[0]
    if len(names) == 1:
        return chosen, None
    listed = ", ".join(f"{n} (init)" if init else n for n, init in names)
    return chosen, f'Defaulted container "{chosen}" out of: {listed}'


def _restarts(pod: Obj) -> int:
    counts = [
        int(s.get("restartCount") or 0) for s in _dl(_d(pod.get("status")).get("containerStatuses"))
    ]
    return max(counts, default=0)


_PHASE_RANK = {"Unknown": 1, "Pending": 2}  # every other phase ranks with Running (0)


def _log_order(pod: Obj) -> tuple[bool, int, bool, int, str]:
    """kubectl's preference for `logs TYPE/NAME`: on a node, running, ready, most restarts,
    oldest."""
    created = str(_meta(pod).get("creationTimestamp") or "~")
    return (
        not _d(pod.get("spec")).get("nodeName"),
        _PHASE_RANK.get(str(_d(pod.get("status")).get("phase") or ""), 0),
        not is_pod_ready(pod),
        -_restarts(pod),
        created,
    )


def pick_log_pod(pods: list[Obj]) -> Obj | None:
    return min(pods, key=_log_order) if pods else None


_SELECTOR_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Service")


def _selector_of(info: ResourceInfo, obj: Obj) -> str:
    spec = _d(obj.get("spec"))
    try:
        if info.kind == "Service":
            return str(LabelSelector.from_set(_d(spec.get("selector"))))
        return str(LabelSelector.from_dict(spec.get("selector")))
    except SelectorError as e:
        raise CtlError(f"invalid selector on {_ref(info, _name(obj))}: {e}") from None


def _wait_for_pod(ctx: Context, selector: str, timeout: float) -> list[Obj]:
    """The pods the selector matches; if none yet, watch until one appears or `timeout`."""
    pods_info = resolve_type("pods")
    items, rv = ctx.client.list_all(pods_info, ctx.namespace, label_selector=selector)
    deadline = time.monotonic() + timeout
    while not items:
        seconds = _remaining(deadline)
        if not seconds:
            raise CtlError(TIMED_OUT)
        stream = ctx.client.watch(
            pods_info,
            ctx.namespace,
            resource_version=rv,
            label_selector=selector,
            timeout_seconds=seconds,
        )
        try:
            for event in stream:
                rv = str(_meta(event.get("object")).get("resourceVersion") or rv)
                if event.get("type") == "ADDED":
                    return [_d(event.get("object"))]
                if not _remaining(deadline):
                    break
        except errors.Gone:
            items, rv = ctx.client.list_all(pods_info, ctx.namespace, label_selector=selector)
        finally:
            _closing(stream)
    return items


def pod_for(ctx: Context, word: str, timeout: float) -> Obj:
    """The pod `logs`/`exec`/`attach`/`port-forward` act on: `NAME`, `pod/NAME` or a
    workload's (or a Service's) first pod."""
    kind, slash, name = word.partition("/")
    if not slash:
        kind, name = "pods", word
    info = resolve_type(kind)
    if info.kind == "Pod":
        try:
            return ctx.client.get(info, name, ctx.namespace)
        except errors.NotFound:
            raise CtlError(
                f'error from server (NotFound): pods "{name}" not found in namespace '
                f'"{ctx.namespace}"'
            ) from None
    if info.kind not in _SELECTOR_KINDS:
        raise CtlError(f"cannot get the pods of {_ref(info, name)}: it selects no pods")
    owner = ctx.client.get(info, name, ctx.namespace)
    pods = _wait_for_pod(ctx, _selector_of(info, owner), timeout)
    chosen = pick_log_pod(pods)
    assert chosen is not None
    if len(pods) > 1:
        ctx.err(f"Found {len(pods)} pods, using pod/{_name(chosen)}")
    return chosen


# =========================================================================== logs


def log_params(args: argparse.Namespace, container: str) -> dict[str, str]:
    """The query of `GET pods/NAME/log` for the flags given."""
    params = {"container": container}
    if args.follow:
        params["follow"] = "true"
    if args.previous:
        params["previous"] = "true"
    if args.timestamps:
        params["timestamps"] = "true"
    if args.tail is not None and args.tail >= 0:
        params["tailLines"] = str(args.tail)
    if args.since:
        params["sinceSeconds"] = str(_ceil_seconds(args.since))
    if args.since_time:
        params["sinceTime"] = args.since_time
    if args.limit_bytes:
        params["limitBytes"] = str(args.limit_bytes)
    return params


def _auth_headers(config: ClientConfig) -> dict[str, str]:
    headers = {"User-Agent": "mkctl", "Accept": "*/*"}
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    return headers


def log_http(config: ClientConfig, follow: bool) -> httpx.Client:
    """The connection a log is read on (a test may replace this function)."""
    read = None if follow else config.timeout
    return httpx.Client(
        base_url=config.server,
        verify=config.verify,
        cert=config.cert,
        headers=_auth_headers(config),
        timeout=httpx.Timeout(config.timeout, read=read),
    )


def stream_log(config: ClientConfig, path: str, params: dict[str, str], out: TextIO) -> None:
    """Copy one log to `out` as it arrives; a failure raises the server's `APIError`."""
    try:
        with (
            log_http(config, params.get("follow") == "true") as http,
            http.stream("GET", path, params=params) as response,
        ):
            if not response.is_success:
                response.read()
                raise error_from_response(response)
            for chunk in response.iter_text():
                out.write(chunk)
                out.flush()
    except httpx.TransportError as e:
        raise transport_error(config.server, e, config.timeout) from e


def _log_pods(ctx: Context, args: argparse.Namespace) -> list[Obj]:
    if args.selector:
        if args.words:
            raise CtlError("only a selector (-l) or a resource may be given, not both")
        items, _ = ctx.client.list_all(
            resolve_type("pods"), ctx.namespace, label_selector=args.selector
        )
        if args.follow and len(items) > 1:
            raise CtlError("-f follows one pod; this selector matches several, name one pod")
        return items
    if not args.words:
        raise CtlError("expected POD or TYPE/NAME: mkctl logs POD [-c CONTAINER]")
    if len(args.words) > 2:
        raise CtlError("expected POD or TYPE/NAME and at most one container name")
    return [pod_for(ctx, args.words[0], args.pod_running_timeout)]


def _log_containers(ctx: Context, args: argparse.Namespace, pod: Obj) -> list[str]:
    wanted = args.container or (args.words[1] if len(args.words) > 1 else None)
    if args.all_containers:
        if wanted:
            raise CtlError("--all-containers=true and -c/--container are mutually exclusive")
        spec = _d(pod.get("spec"))
        return [
            str(c.get("name")) for k in ("initContainers", "containers") for c in _dl(spec.get(k))
        ]
    container, notice = choose_container(pod, wanted)
    if notice:
        ctx.err(notice)
    return [container]


def run_logs(args: argparse.Namespace, ctx: Context) -> int:
    pods = _log_pods(ctx, args)
    if not pods:
        raise CtlError(f"no pods found in namespace {ctx.namespace} for selector {args.selector}")
    for pod in pods:
        path = resolve_type("pods").path(_meta(pod).get("namespace") or ctx.namespace, _name(pod))
        for container in _log_containers(ctx, args, pod):
            stream_log(ctx.config, f"{path}/log", log_params(args, container), ctx.stdout)
    return 0


# =========================================================================== exec


@dataclass(frozen=True)
class ExecRequest:
    """What an exec runs: the pod, the container and the command with its streams."""

    namespace: str
    pod: str
    container: str
    command: tuple[str, ...]
    stdin: bool = False
    tty: bool = False

    @property
    def path(self) -> str:
        return f"/api/v1/namespaces/{self.namespace}/pods/{self.pod}/exec"

    def query(self) -> list[tuple[str, str]]:
        """The query string of `POST pods/NAME/exec` (one `command` per word)."""
        params = [("command", word) for word in self.command]
        params.append(("container", self.container))
        params += [("stdout", "true"), ("stderr", "false" if self.tty else "true")]
        if self.stdin:
            params.append(("stdin", "true"))
        if self.tty:
            params.append(("tty", "true"))
        return params


class ExecTransport(Protocol):
    """Runs an `ExecRequest` over the API server's exec stream; returns the exit code."""

    def run(self, request: ExecRequest, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int: ...


def exec_transport(ctx: Context) -> ExecTransport | None:
    """The way exec reaches the container: the API server's exec stream."""
    from .cmd_streams import WebSocketExec

    return WebSocketExec(ctx)


def run_exec(args: argparse.Namespace, ctx: Context) -> int:
    if not args.words:
        raise CtlError("expected POD and a command: mkctl exec POD -- COMMAND [ARGS...]")
    pod = pod_for(ctx, args.words[0], args.pod_running_timeout)
    command = tuple(args.words[1:])
    if not command:
        raise CtlError("you must specify at least one command for the container")
    if is_pod_terminal(pod):
        raise CtlError(
            f"cannot exec into a container in a completed pod; current phase is {pod_phase(pod)}"
        )
    transport = exec_transport(ctx)
    if transport is None:
        raise CtlError("this client has no way to reach the container")
    container, notice = choose_container(pod, args.container)
    if notice:
        ctx.err(notice)
    namespace = str(_meta(pod).get("namespace") or ctx.namespace)
    request = ExecRequest(namespace, _name(pod), container, command, args.stdin, args.tty)
    return transport.run(request, ctx.stdin, ctx.stdout, ctx.stderr)


# =========================================================================== cordon


def _node_names(ctx: Context, args: argparse.Namespace, verb: str) -> list[str]:
    if args.nodes:
        return list(args.nodes)
    if args.selector:
        items, _ = ctx.client.list_all(resolve_type("nodes"), label_selector=args.selector)
        if not items:
            raise CtlError(f"no nodes found for selector {args.selector}")
        return [_name(n) for n in items]
    raise CtlError(f"USAGE: {verb} NODE [flags]")


def _cordon_one(ctx: Context, node: str, cordon: bool, dry_run: str) -> None:
    """Set (or clear) spec.unschedulable and print kubectl's line about it."""
    nodes = resolve_type("nodes")
    obj = ctx.client.get(nodes, node)
    word = "cordoned" if cordon else "uncordoned"
    if bool(_d(obj.get("spec")).get("unschedulable")) == cordon:
        ctx.out(f"node/{node} already {word}{_dry_suffix(dry_run)}")
        return
    patch = {"spec": {"unschedulable": True if cordon else None}}
    _patch(ctx, nodes, node, None, patch, "strategic", dry_run)
    ctx.out(f"node/{node} {word}{_dry_suffix(dry_run)}")


def _run_cordon(args: argparse.Namespace, ctx: Context, cordon: bool) -> int:
    failed = False
    for node in _node_names(ctx, args, "cordon" if cordon else "uncordon"):
        try:
            _cordon_one(ctx, node, cordon, args.dry_run)
        except errors.APIError as e:
            if isinstance(e, Unreachable):
                raise
            ctx.err(error_text(e))
            failed = True
    return 1 if failed else 0


def run_cordon(args: argparse.Namespace, ctx: Context) -> int:
    return _run_cordon(args, ctx, True)


def run_uncordon(args: argparse.Namespace, ctx: Context) -> int:
    return _run_cordon(args, ctx, False)


# =========================================================================== drain: filters

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


@dataclass(frozen=True)
class DrainOptions:
    force: bool = False
    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False
    skip_wait_for_delete_timeout: int = 0  # seconds; 0: never skip


@dataclass(frozen=True)
class PodVerdict:
    """Whether drain deletes a pod; `level` is ok, skip, warning or error."""

    pod: Obj
    delete: bool
    level: str = "ok"
    message: str = ""


DaemonSetLookup = Callable[[str, str], object]  # (namespace, name); raises APIError if absent


def _controller(pod: Obj) -> Obj | None:
    return next((r for r in _dl(_meta(pod).get("ownerReferences")) if r.get("controller")), None)


def _deleted_long_ago(pod: Obj, seconds: int, now: datetime) -> bool:
    stamp = parse_time(_meta(pod).get("deletionTimestamp"))
    return seconds > 0 and stamp is not None and (now - stamp).total_seconds() > seconds


def _daemonset_verdict(pod: Obj, opts: DrainOptions, lookup: DaemonSetLookup) -> PodVerdict:
    ref = _controller(pod)
    if ref is None or ref.get("kind") != "DaemonSet" or is_pod_terminal(pod):
        return PodVerdict(pod, True)
    try:
        lookup(str(_meta(pod).get("namespace") or ""), str(ref.get("name") or ""))
    except errors.APIError as e:
        if isinstance(e, errors.NotFound) and opts.force:
            return PodVerdict(pod, True, "warning", e.message)
        return PodVerdict(pod, False, "error", e.message)
    if not opts.ignore_daemonsets:
        return PodVerdict(pod, False, "error", DAEMONSET_FATAL)
    return PodVerdict(pod, False, "warning", DAEMONSET_WARNING)


def _mirror_verdict(pod: Obj) -> PodVerdict:
    if MIRROR_POD in _d(_meta(pod).get("annotations")):
        return PodVerdict(pod, False, "skip")
    return PodVerdict(pod, True)


def _local_storage_verdict(pod: Obj, opts: DrainOptions) -> PodVerdict:
    volumes = _dl(_d(pod.get("spec")).get("volumes"))
    if not any("emptyDir" in v for v in volumes) or is_pod_terminal(pod):
        return PodVerdict(pod, True)
    if not opts.delete_emptydir_data:
        return PodVerdict(pod, False, "error", LOCAL_STORAGE_FATAL)
    return PodVerdict(pod, True, "warning", LOCAL_STORAGE_WARNING)


def _unreplicated_verdict(pod: Obj, opts: DrainOptions) -> PodVerdict:
    if is_pod_terminal(pod) or _controller(pod) is not None:
        return PodVerdict(pod, True)
    if opts.force:
        return PodVerdict(pod, True, "warning", UNMANAGED_WARNING)
    return PodVerdict(pod, False, "error", UNMANAGED_FATAL)


def pod_verdict(
    pod: Obj, opts: DrainOptions, lookup: DaemonSetLookup, now: datetime | None = None
) -> PodVerdict:
    """kubectl's drain filters in kubectl's order: the first that keeps the pod decides;
    otherwise the last filter does, so (as in kubectl) an earlier warning on a pod that is
    deleted anyway is not repeated."""
    now = now or datetime.now(UTC)
    if _deleted_long_ago(pod, opts.skip_wait_for_delete_timeout, now):
        return PodVerdict(pod, False, "skip")
    filters: list[Callable[[], PodVerdict]] = [
        lambda: _daemonset_verdict(pod, opts, lookup),
        lambda: _mirror_verdict(pod),
        lambda: _local_storage_verdict(pod, opts),
        lambda: _unreplicated_verdict(pod, opts),
    ]
    verdict = PodVerdict(pod, True)
    for check in filters:
        verdict = check()
        if not verdict.delete:
            break
    return verdict


def _pod_key(pod: Obj) -> str:
    return f"{_meta(pod).get('namespace', '')}/{_name(pod)}"


def _grouped(verdicts: list[PodVerdict], level: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for v in verdicts:
        if v.level == level:
            groups.setdefault(v.message or "unexpected error", []).append(_pod_key(v.pod))
    return groups


@dataclass
class DrainPlan:
    """The verdicts on a node's pods."""

    verdicts: list[PodVerdict] = field(default_factory=list)

    def pods(self) -> list[Obj]:
        return [v.pod for v in self.verdicts if v.delete]

    def warnings(self) -> str:
        groups = _grouped(self.verdicts, "warning")
        return "; ".join(f"{msg}: {', '.join(pods)}" for msg, pods in groups.items())

    def errors(self) -> list[str]:
        found = []
        for msg, pods in _grouped(self.verdicts, "error").items():
            text = msg if msg.lower().startswith("cannot delete") else f"cannot delete {msg}"
            found.append(f"{text}: {', '.join(pods)}")
        return found


def aggregate(messages: list[str]) -> str:
    """Several errors in one line, as Go's error aggregate prints them."""
    return messages[0] if len(messages) == 1 else f"[{', '.join(messages)}]"


# =========================================================================== drain: I/O


@dataclass
class _Drain:
    """One `drain` invocation: its options and deadline."""

    ctx: Context
    opts: DrainOptions
    grace_period: int
    pod_selector: str | None
    disable_eviction: bool
    dry_run: str
    deadline: float | None
    timeout: float

    @property
    def pods_info(self) -> ResourceInfo:
        return resolve_type("pods")

    def node_pods(self, node: str) -> tuple[list[Obj], str]:
        return self.ctx.client.list_all(
            self.pods_info,
            None,
            field_selector=f"spec.nodeName={node}",
            label_selector=self.pod_selector or None,
        )

    def plan(self, node: str) -> DrainPlan:
        daemonsets = resolve_type("daemonsets")

        def lookup(namespace: str, name: str) -> object:
            return self.ctx.client.get(daemonsets, name, namespace)

        pods, _ = self.node_pods(node)
        return DrainPlan([pod_verdict(p, self.opts, lookup) for p in pods])

    # ------------------------------------------------------------------ eviction

    def eviction(self, pod: Obj) -> Obj:
        body: Obj = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": _name(pod), "namespace": _meta(pod).get("namespace")},
        }
        if self.grace_period >= 0:
            body["deleteOptions"] = {"gracePeriodSeconds": self.grace_period}
        return body

    def evict(self, pod: Obj) -> str | None:
        """Evict (or delete) one pod; an error message, or None once the server accepted."""
        name, namespace = _name(pod), str(_meta(pod).get("namespace") or "")
        if self.disable_eviction:
            return self.delete(pod)
        self.ctx.out(f"evicting pod {namespace}/{name}")
        path = f"{self.pods_info.path(namespace, name)}/eviction"
        while True:
            try:
                self.ctx.client.request("POST", path, json=self.eviction(pod))
                return None
            except errors.NotFound:
                return None
            except errors.TooManyRequests as e:
                self.ctx.err(
                    f'error when evicting pods/"{name}" -n "{namespace}" '
                    f"(will retry after 5s): {e.message}"
                )
                if not self.pause(5.0):
                    return f'error when evicting pods/"{name}" -n "{namespace}": {e.message}'
            except errors.APIError as e:
                if isinstance(e, Unreachable):
                    raise
                return f'error when evicting pods/"{name}" -n "{namespace}": {e.message}'

    def delete(self, pod: Obj) -> str | None:
        grace = self.grace_period if self.grace_period >= 0 else None
        try:
            self.ctx.client.delete(
                self.pods_info, _name(pod), _meta(pod).get("namespace"), grace_period_seconds=grace
            )
        except errors.NotFound:
            return None
        except errors.APIError as e:
            if isinstance(e, Unreachable):
                raise
            return e.message
        return None

    def pause(self, seconds: float) -> bool:
        """Wait before a retry the server asked for; False if the deadline comes first."""
        if self.deadline is not None and time.monotonic() + seconds > self.deadline:
            return False
        time.sleep(seconds)
        return True

    # ------------------------------------------------------------------ waiting

    def done(self, pod: Obj) -> None:
        verb = "deleted" if self.disable_eviction else "evicted"
        self.ctx.out(f"pod/{_name(pod)} {verb}")

    def settle(self, pending: dict[str, Obj], current: list[Obj]) -> None:
        """Drop (and report) the pending pods that are gone from `current` or skippable."""
        now = datetime.now(UTC)
        present = {str(_meta(p).get("uid")): p for p in current}
        for uid in list(pending):
            if uid not in present:
                self.done(pending.pop(uid))
            elif _deleted_long_ago(present[uid], self.opts.skip_wait_for_delete_timeout, now):
                seconds = self.opts.skip_wait_for_delete_timeout
                pod = pending.pop(uid)
                self.ctx.out(
                    f'pod "{_name(pod)}" has DeletionTimestamp older than {seconds} seconds, '
                    "skipping"
                )

    def wait_gone(self, node: str, pods: list[Obj]) -> list[str]:
        """Wait until the pods are deleted (or replaced by a new uid); errors for the rest."""
        pending = {str(_meta(p).get("uid")): p for p in pods}
        current, rv = self.node_pods(node)
        self.settle(pending, current)
        while pending:
            seconds = _remaining(self.deadline)
            if seconds == 0:
                return self.timed_out(pending)
            rv = self.watch_round(node, pending, rv, seconds)
            if not rv:
                current, rv = self.node_pods(node)
                self.settle(pending, current)
        return []

    def watch_round(self, node: str, pending: dict[str, Obj], rv: str, seconds: int | None) -> str:
        """One watch request; the version to resume from ("" after a 410: relist)."""
        stream = self.ctx.client.watch(
            self.pods_info,
            None,
            resource_version=rv,
            field_selector=f"spec.nodeName={node}",
            label_selector=self.pod_selector or None,
            timeout_seconds=seconds,
        )
        try:
            for event in stream:
                obj = _d(event.get("object"))
                rv = str(_meta(obj).get("resourceVersion") or rv)
                uid = str(_meta(obj).get("uid") or "")
                if event.get("type") == "DELETED" and uid in pending:
                    self.done(pending.pop(uid))
                if not pending or _remaining(self.deadline) == 0:
                    break
        except errors.Gone:
            return ""
        finally:
            _closing(stream)
        return rv

    def timed_out(self, pending: dict[str, Obj]) -> list[str]:
        return [
            f'error when waiting for pod "{_name(p)}" in namespace '
            f'"{_meta(p).get("namespace", "")}" to terminate: global timeout reached: '
            f"{format_go_duration(self.timeout)}"
            for p in pending.values()
        ]

    # ------------------------------------------------------------------ one node

    def drain_node(self, node: str) -> list[str]:
        """Evict the node's pods; the errors that stop the drain (none: drained)."""
        plan = self.plan(node)
        if plan.errors():
            return plan.errors()
        if plan.warnings():
            self.ctx.err(f"Warning: {plan.warnings()}")
        pods = plan.pods()
        if self.dry_run == "client":
            for pod in pods:
                self.ctx.out(f"evicting pod {_pod_key(pod)} (dry run)")
            return []
        failures = [msg for msg in (self.evict(p) for p in pods) if msg]
        if not failures:
            failures = self.wait_gone(node, pods)
        if failures:
            self.report_pending(node, failures)
        return failures

    def report_pending(self, node: str, failures: list[str]) -> None:
        pending = self.plan(node).pods()
        if pending:
            self.ctx.err(
                f'There are pending pods in node "{node}" when an error occurred: '
                f"{aggregate(failures)}"
            )
            for pod in pending:
                self.ctx.err(f"pod/{_name(pod)}")


def _drain_from_args(args: argparse.Namespace, ctx: Context) -> _Drain:
    opts = DrainOptions(
        force=args.force,
        ignore_daemonsets=args.ignore_daemonsets,
        delete_emptydir_data=args.delete_emptydir_data,
        skip_wait_for_delete_timeout=args.skip_wait_for_delete_timeout,
    )
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    return _Drain(
        ctx,
        opts,
        args.grace_period,
        args.pod_selector,
        args.disable_eviction,
        args.dry_run,
        deadline,
        args.timeout,
    )


def run_drain(args: argparse.Namespace, ctx: Context) -> int:
    nodes = _node_names(ctx, args, "drain")
    if args.dry_run == "server":
        raise CtlError("--dry-run=server is not supported by drain; use --dry-run=client")
    for node in nodes:
        _cordon_one(ctx, node, True, args.dry_run)
    drain = _drain_from_args(args, ctx)
    for i, node in enumerate(nodes):
        failures = drain.drain_node(node)
        if not failures:
            ctx.out(f"node/{node} drained{_dry_suffix(args.dry_run)}")
            continue
        ctx.err(
            f'error: unable to drain node "{node}" due to error: {aggregate(failures)}, '
            "continuing command..."
        )
        ctx.err("There are pending nodes to be drained:")
        for rest in nodes[i:]:
            ctx.err(f" {rest}")
        for failure in failures:
            ctx.err(failure)
        return 1
    return 0


# =========================================================================== parsers


def _register_set(subparsers: Any) -> None:
    set_parser = subparsers.add_parser(
        "set", help="Set specific features on objects", description="Set images on objects."
    )
    set_parser.set_defaults(handler=group_help(set_parser))
    sub = set_parser.add_subparsers(dest="set_command", metavar="SUBCOMMAND")
    image = sub.add_parser(
        "image",
        help="Update the image of a pod template's containers",
        description="mkctl set image TYPE NAME CONTAINER=IMAGE [...]; CONTAINER * means all",
    )
    image.add_argument("words", nargs="*", metavar="TYPE NAME | CONTAINER=IMAGE")
    image.add_argument("--all", action="store_true", help="every object of the type")
    image.add_argument("-l", "--selector", help="the objects of the type this selector matches")
    _add_dry_run(image)
    image.set_defaults(handler=run_set_image)


def _register_logs(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "logs",
        help="Print the logs of a container in a pod",
        description="mkctl logs POD|TYPE/NAME [-c CONTAINER] [-f] [--tail=N]",
    )
    p.add_argument("words", nargs="*", metavar="POD [CONTAINER]")
    p.add_argument("-c", "--container", help="the container (default: the pod's default one)")
    p.add_argument("-f", "--follow", action="store_true", help="stream the log as it grows")
    p.add_argument("-p", "--previous", action="store_true", help="the previous instance's log")
    p.add_argument("--tail", type=int, default=-1, help="only the last N lines (-1: all)")
    p.add_argument("--timestamps", action="store_true", help="prefix lines with their time")
    p.add_argument("--since", type=parse_duration, metavar="DURATION", help="only newer lines")
    p.add_argument("--since-time", help="only lines after this RFC3339 time")
    p.add_argument("--limit-bytes", type=int, help="stop after this many bytes")
    p.add_argument("--all-containers", action="store_true", help="every container of the pod")
    p.add_argument("-l", "--selector", help="the logs of every pod this selector matches")
    _add_pod_timeout(p)
    p.set_defaults(handler=run_logs)


def _add_pod_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--pod-running-timeout",
        type=parse_duration,
        default=20.0,
        metavar="DURATION",
        help="how long to wait for a workload's first pod (default 20s)",
    )


def _register_exec(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "exec",
        help="Run a command in a container",
        description="mkctl exec POD [-c CONTAINER] -- COMMAND [ARGS...]",
    )
    p.add_argument("words", nargs="*", metavar="POD -- COMMAND")
    p.add_argument("-c", "--container", help="the container (default: the pod's default one)")
    p.add_argument("-i", "--stdin", action="store_true", help="pass stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="stdin is a TTY")
    _add_pod_timeout(p)
    p.set_defaults(handler=run_exec)


def _register_nodes(subparsers: Any) -> None:
    for verb, handler, text in (
        ("cordon", run_cordon, "Mark a node unschedulable"),
        ("uncordon", run_uncordon, "Mark a node schedulable"),
    ):
        p = subparsers.add_parser(verb, help=text, description=f"mkctl {verb} NODE")
        p.add_argument("nodes", nargs="*", metavar="NODE")
        p.add_argument("-l", "--selector", help="the nodes this selector matches")
        _add_dry_run(p)
        p.set_defaults(handler=handler)
    d = subparsers.add_parser(
        "drain",
        help="Cordon a node and evict its pods",
        description="Cordon NODE, then evict its pods through the eviction API and wait "
        "until they are gone: mkctl drain NODE [--ignore-daemonsets] [--force]",
    )
    d.add_argument("nodes", nargs="*", metavar="NODE")
    d.add_argument("-l", "--selector", help="the nodes this selector matches")
    d.add_argument("--force", action="store_true", help="also delete pods with no controller")
    d.add_argument(
        "--ignore-daemonsets", action="store_true", help="leave DaemonSet-managed pods alone"
    )
    d.add_argument(
        "--delete-emptydir-data",
        "--delete-local-data",
        dest="delete_emptydir_data",
        action="store_true",
        help="also delete pods with emptyDir volumes (their data is lost)",
    )
    d.add_argument(
        "--timeout",
        type=parse_duration,
        default=0.0,
        metavar="DURATION",
        help="give up after this long (0: wait forever)",
    )
    d.add_argument(
        "--grace-period",
        type=int,
        default=-1,
        help="seconds each pod gets to stop (-1: the pod's own)",
    )
    d.add_argument("--pod-selector", help="only evict the pods this label selector matches")
    d.add_argument(
        "--disable-eviction", action="store_true", help="DELETE pods instead of evicting them"
    )
    d.add_argument(
        "--skip-wait-for-delete-timeout",
        type=int,
        default=0,
        help="do not wait for pods deleted more than this many seconds ago",
    )
    _add_dry_run(d)
    d.set_defaults(handler=run_drain)


def register(subparsers: Any) -> None:
    _register_set(subparsers)
    _register_logs(subparsers)
    _register_exec(subparsers)
    _register_nodes(subparsers)
