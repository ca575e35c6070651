"""`mkctl set image`, `logs`, `exec`, `top`, `cordon` and `drain`: the pure decisions, and
the handlers against a fake client that records every write."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from minik8s.api import errors
from minik8s.api.times import format_go_duration as go_duration
from minik8s.client.config import ClientConfig
from minik8s.ctl import cmd_workloads
from minik8s.ctl.cmd_top import node_metrics_rows, pod_metrics_rows
from minik8s.ctl.cmd_workloads import (
    DrainOptions,
    DrainPlan,
    ExecRequest,
    aggregate,
    choose_container,
    image_patch,
    log_params,
    pick_log_pod,
    pod_verdict,
    split_image_args,
)
from minik8s.ctl.context import CtlError

from .fake_client import FakeClient, run

Obj = dict[str, Any]


def pod(name: str, *containers: str, node: str = "", **extra: Any) -> Obj:
    spec: Obj = {"containers": [{"name": c, "image": f"{c}:1"} for c in containers or ("c",)]}
    if node:
        spec["nodeName"] = node
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "spec": spec,
        "status": {},
    }
    for key, value in extra.items():
        obj.setdefault(key, {}).update(value)
    return obj


def owned_by(kind: str, name: str = "owner") -> Obj:
    return {"metadata": {"ownerReferences": [{"kind": kind, "name": name, "controller": True}]}}


def deployment(*containers: str, init: tuple[str, ...] = ()) -> Obj:
    spec: Obj = {"containers": [{"name": c, "image": f"{c}:1"} for c in containers]}
    if init:
        spec["initContainers"] = [{"name": c, "image": f"{c}:1"} for c in init]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"spec": spec}},
    }


# --------------------------------------------------------------------------- set image


def test_split_image_args() -> None:
    assert split_image_args(["deploy", "web", "a=x:1", "b=y"]) == (
        ["deploy", "web"],
        {"a": "x:1", "b": "y"},
    )
    with pytest.raises(CtlError, match="CONTAINER=IMAGE"):
        split_image_args(["=x"])


def test_image_patch_changes_only_what_differs() -> None:
    patch, missing = image_patch("Deployment", deployment("a", "b"), {"a": "a:2", "b": "b:1"})
    assert patch == {
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:2"}]}}}
    }
    assert missing == []
    assert image_patch("Deployment", deployment("a"), {"a": "a:1"}) == (None, [])


def test_image_patch_star_covers_init_containers() -> None:
    patch, _ = image_patch("Deployment", deployment("a", "b", init=("i",)), {"*": "z"})
    spec = patch["spec"]["template"]["spec"] if patch else {}
    assert spec == {
        "initContainers": [{"name": "i", "image": "z"}],
        "containers": [{"name": "a", "image": "z"}, {"name": "b", "image": "z"}],
    }


def test_image_patch_reports_missing_containers() -> None:
    patch, missing = image_patch("Deployment", deployment("a"), {"nope": "x", "a": "a:3"})
    assert missing == ["nope"]
    assert patch is not None


def test_image_patch_paths_per_kind() -> None:
    p = pod("x", "c")
    assert image_patch("Pod", p, {"c": "c:2"})[0] == {
        "spec": {"containers": [{"name": "c", "image": "c:2"}]}
    }
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": p["spec"]}}}}}
    patch, _ = image_patch("CronJob", cron, {"c": "c:2"})
    assert patch == {
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c:2"}]}}}
            }
        }
    }


def test_set_image_handler() -> None:
    fake = FakeClient(deployment("web"))
    code, out, err = run(fake, "set", "image", "deployment/web", "web=httpd:v2")
    assert (code, out, err) == (0, "deployment.apps/web image updated\n", "")
    assert fake.patches == [
        (
            "deployments",
            "web",
            {
                "spec": {
                    "template": {"spec": {"containers": [{"name": "web", "image": "httpd:v2"}]}}
                }
            },
            "strategic",
        )
    ]
    code, out, err = run(fake, "set", "image", "deploy", "web", "nope=x")
    assert (code, out, err) == (1, "", 'error: unable to find container named "nope"\n')
    code, _, err = run(fake, "set", "image", "deploy/web")
    assert err == "error: at least one image update is required\n"
    code, out, _ = run(fake, "set", "image", "deploy/web", "web=a", "--dry-run=client")
    assert out == "deployment.apps/web image updated (dry run)\n"
    assert len(fake.patches) == 1


def test_set_image_on_a_kind_without_pod_template() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"}}
    code, _, err = run(FakeClient(cm), "set", "image", "cm/cm1", "a=b")
    assert code == 1
    assert err == (
        "error: configmaps/cm1 the object is not a pod or does not have a pod template: "
        "*v1.ConfigMap\n"
    )


# --------------------------------------------------------------------------- containers & pods


def test_choose_container() -> None:
    assert choose_container(pod("x", "only"), None) == ("only", None)
    two = pod("x", "a", "b")
    two["spec"]["initContainers"] = [{"name": "i"}]
    assert choose_container(two, None) == ("a", 'Defaulted container "a" out of: a, b, i (init)')
    two["metadata"]["annotations"] = {"kubectl.kubernetes.io/default-container": "b"}
    assert choose_container(two, None)[0] == "b"
    assert choose_container(two, "i") == ("i", None)
    with pytest.raises(CtlError, match="container nope is not valid for pod x"):
        choose_container(two, "nope")


def test_pick_log_pod_prefers_scheduled_running_ready_pods() -> None:
    ready = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    pending = pod("pending", node="n1", status={"phase": "Pending"})
    unscheduled = pod("unscheduled", status={"phase": "Running"})
    running = pod("running", node="n1", status={"phase": "Running"})
    best = pod("ready", node="n1", status=ready)
    assert pick_log_pod([pending, unscheduled, running, best]) is best
    assert pick_log_pod([pending, unscheduled, running]) is running
    assert pick_log_pod([]) is None
    old = pod(
        "old", node="n1", status=ready, metadata={"creationTimestamp": "2020-01-01T00:00:00Z"}
    )
    new = pod(
        "new", node="n1", status=ready, metadata={"creationTimestamp": "2024-01-01T00:00:00Z"}
    )
    assert pick_log_pod([new, old]) is old


def _log_args(**kw: Any) -> argparse.Namespace:
    base = {
        "follow": False,
        "previous": False,
        "timestamps": False,
        "tail": -1,
        "since": None,
        "since_time": None,
        "limit_bytes": None,
    }
    return argparse.Namespace(**{**base, **kw})


def test_log_params() -> None:
    assert log_params(_log_args(), "c") == {"container": "c"}
    assert log_params(
        _log_args(follow=True, previous=True, timestamps=True, tail=5, since=90.5, limit_bytes=10),
        "c",
    ) == {
        "container": "c",
        "follow": "true",
        "previous": "true",
        "timestamps": "true",
        "tailLines": "5",
        "sinceSeconds": "91",
        "limitBytes": "10",
    }


# --------------------------------------------------------------------------- logs


def _serve_logs(monkeypatch: pytest.MonkeyPatch, handler: Any, seen: list[httpx.Request]) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        result: httpx.Response = handler(request)
        return result

    def fake_http(config: ClientConfig, follow: bool) -> httpx.Client:
        return httpx.Client(base_url=config.server, transport=httpx.MockTransport(respond))

    monkeypatch.setattr(cmd_workloads, "log_http", fake_http)


def test_logs_print_the_servers_error_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    status = {
        "kind": "Status",
        "status": "Failure",
        "reason": "ServiceUnavailable",
        "code": 503,
        "message": 'logs of pod "x" are served by its kubelet, which this cluster does not run yet',
    }
    seen: list[httpx.Request] = []
    _serve_logs(monkeypatch, lambda r: httpx.Response(503, json=status), seen)
    code, out, err = run(FakeClient(pod("x", "c")), "logs", "x", "--tail=3")
    assert (code, out) == (1, "")
    assert err == (
        'Error from server (ServiceUnavailable): logs of pod "x" are served by its kubelet, '
        "which this cluster does not run yet\n"
    )
    [request] = seen  # no retries
    assert request.url.path == "/api/v1/namespaces/default/pods/x/log"
    assert dict(request.url.params) == {"container": "c", "tailLines": "3"}


def test_logs_stream_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []
    _serve_logs(monkeypatch, lambda r: httpx.Response(200, text="one\ntwo\n"), seen)
    fake = FakeClient(pod("x", "a", "b"))
    code, out, err = run(fake, "logs", "pod/x", "-c", "b", "-f")
    assert (code, out, err) == (0, "one\ntwo\n", "")
    assert dict(seen[0].url.params) == {"container": "b", "follow": "true"}
    code, out, err = run(fake, "logs", "x")
    assert err == 'Defaulted container "a" out of: a, b\n'


def test_logs_of_a_missing_pod_or_container() -> None:
    code, _, err = run(FakeClient(), "logs", "nope")
    assert err == (
        'error: error from server (NotFound): pods "nope" not found in namespace "default"\n'
    )
    code, _, err = run(FakeClient(pod("x", "c")), "logs", "x", "-c", "nope")
    assert err == "error: container nope is not valid for pod x\n"


def test_logs_of_a_deployment_pick_one_of_its_pods(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []
    _serve_logs(monkeypatch, lambda r: httpx.Response(200, text="hi\n"), seen)
    running = pod("web-1", "web", node="n1", status={"phase": "Running"})
    fake = FakeClient(deployment("web"), pod("web-0", "web"), running)
    code, out, err = run(fake, "logs", "deploy/web")
    assert (code, out, err) == (0, "hi\n", "Found 2 pods, using pod/web-1\n")
    assert seen[0].url.path.endswith("/pods/web-1/log")
    assert fake.lists[-1]["label_selector"] == "app=web"


def test_logs_of_a_workload_without_pods_time_out() -> None:
    code, _, err = run(
        FakeClient(deployment("web")), "logs", "deploy/web", "--pod-running-timeout=0.01s"
    )
    assert (code, err) == (1, "error: timed out waiting for the condition\n")


# --------------------------------------------------------------------------- exec & top


def test_interactive_exec_runs_over_the_transport_with_its_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[ExecRequest] = []

    class Transport:
        def run(self, request: ExecRequest, stdin: Any, stdout: Any, stderr: Any) -> int:
            ran.append(request)
            return 0

    monkeypatch.setattr(cmd_workloads, "exec_transport", lambda ctx: Transport())
    code, out, err = run(FakeClient(pod("x", "a", "b")), "exec", "-it", "x", "-c", "a", "--", "sh")
    assert (code, out, err) == (0, "", "")
    assert ran == [ExecRequest("default", "x", "a", ("sh",), stdin=True, tty=True)]
    code, _, err = run(FakeClient(), "exec", "nope", "--", "ls")
    assert 'pods "nope" not found' in err


def test_exec_runs_over_the_transport_once_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[ExecRequest] = []

    class Transport:
        def run(self, request: ExecRequest, stdin: Any, stdout: Any, stderr: Any) -> int:
            ran.append(request)
            stdout.write("out\n")
            return 3

    monkeypatch.setattr(cmd_workloads, "exec_transport", lambda ctx: Transport())
    code, out, err = run(FakeClient(pod("x", "a", "b")), "exec", "x", "-c", "b", "--", "ls", "-l")
    assert (code, out, err) == (3, "out\n", "")
    assert ran == [ExecRequest("default", "x", "b", ("ls", "-l"))]


def test_exec_request_query() -> None:
    request = ExecRequest("ns", "p", "c", ("sh", "-c", "echo hi"), stdin=True, tty=True)
    assert request.path == "/api/v1/namespaces/ns/pods/p/exec"
    assert request.query() == [
        ("command", "sh"),
        ("command", "-c"),
        ("command", "echo hi"),
        ("container", "c"),
        ("stdout", "true"),
        ("stderr", "false"),
        ("stdin", "true"),
        ("tty", "true"),
    ]


def test_top_without_a_metrics_api() -> None:
    code, _, err = run(FakeClient(), "top", "pods")
    assert code == 1
    assert err.startswith("error: metrics are not available yet")
    assert run(FakeClient(), "top", "node")[2] == err


def test_top_pods_with_a_metrics_api() -> None:
    fake = FakeClient()
    fake.answers[("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")] = {
        "items": [
            {
                "metadata": {"name": "web", "namespace": "default"},
                "containers": [
                    {"usage": {"cpu": "1500000n", "memory": "2048Ki"}},
                    {"usage": {"cpu": "1m", "memory": "3Mi"}},
                ],
            }
        ]
    }
    code, out, _ = run(fake, "top", "pod")
    assert code == 0
    assert out.splitlines() == ["NAME   CPU(cores)   MEMORY(bytes)", "web    3m           5Mi"]


def test_metrics_rows() -> None:
    assert pod_metrics_rows([], True) == [["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]]
    node = {"status": {"allocatable": {"cpu": "2", "memory": "4Gi"}}}
    usage = {"metadata": {"name": "n1"}, "usage": {"cpu": "500m", "memory": "1Gi"}}
    assert node_metrics_rows([usage], {"n1": node})[1] == ["n1", "500m", "25%", "1024Mi", "25%"]
    assert node_metrics_rows([usage], {})[1][2] == "<unknown>"


# --------------------------------------------------------------------------- cordon


def node(name: str, unschedulable: bool = False) -> Obj:
    spec = {"unschedulable": True} if unschedulable else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec}


def test_cordon_and_uncordon() -> None:
    fake = FakeClient(node("n1"), node("n2", unschedulable=True))
    assert run(fake, "cordon", "n1", "n2")[1] == "node/n1 cordoned\nnode/n2 already cordoned\n"
    assert fake.patches == [("nodes", "n1", {"spec": {"unschedulable": True}}, "strategic")]
    assert run(fake, "uncordon", "n2")[1] == "node/n2 uncordoned\n"
    assert fake.patches[-1] == ("nodes", "n2", {"spec": {"unschedulable": None}}, "strategic")
    assert run(fake, "uncordon", "n1", "--dry-run")[1] == "node/n1 already uncordoned (dry run)\n"
    code, _, err = run(fake, "cordon", "nope")
    assert (code, err) == (1, 'Error from server (NotFound): nodes "nope" not found\n')
    assert run(fake, "cordon")[2] == "error: USAGE: cordon NODE [flags]\n"


# --------------------------------------------------------------------------- drain: filters


def _no_daemonset(namespace: str, name: str) -> object:
    raise errors.NotFound(f'daemonsets.apps "{name}" not found')


def _daemonset_exists(namespace: str, name: str) -> object:
    return {}


@pytest.mark.parametrize(
    ("extra", "opts", "expected"),
    [
        ({}, DrainOptions(), (False, "error", cmd_workloads.UNMANAGED_FATAL)),
        ({}, DrainOptions(force=True), (True, "warning", cmd_workloads.UNMANAGED_WARNING)),
        (owned_by("ReplicaSet"), DrainOptions(), (True, "ok", "")),
        (owned_by("DaemonSet"), DrainOptions(), (False, "error", cmd_workloads.DAEMONSET_FATAL)),
        (
            owned_by("DaemonSet"),
            DrainOptions(ignore_daemonsets=True),
            (False, "warning", cmd_workloads.DAEMONSET_WARNING),
        ),
        (
            {"metadata": {"annotations": {"kubernetes.io/config.mirror": "x"}}},
            DrainOptions(),
            (False, "skip", ""),
        ),
        (
            {**owned_by("ReplicaSet"), "spec": {"volumes": [{"name": "v", "emptyDir": {}}]}},
            DrainOptions(),
            (False, "error", cmd_workloads.LOCAL_STORAGE_FATAL),
        ),
        (
            {**owned_by("ReplicaSet"), "spec": {"volumes": [{"name": "v", "emptyDir": {}}]}},
            DrainOptions(delete_emptydir_data=True),
            (True, "ok", ""),  # the warning is dropped by the later filter, as in kubectl
        ),
        ({"status": {"phase": "Succeeded"}}, DrainOptions(), (True, "ok", "")),
    ],
)
def test_pod_verdicts(extra: Obj, opts: DrainOptions, expected: tuple[bool, str, str]) -> None:
    p = pod("p")
    for key, value in extra.items():
        p[key].update(value)
    verdict = pod_verdict(p, opts, _daemonset_exists)
    assert (verdict.delete, verdict.level, verdict.message) == expected


def test_orphaned_daemonset_pods_need_force() -> None:
    p = pod("p")
    p["metadata"].update(owned_by("DaemonSet", "gone")["metadata"])
    verdict = pod_verdict(p, DrainOptions(ignore_daemonsets=True), _no_daemonset)
    assert (verdict.delete, verdict.level) == (False, "error")
    assert verdict.message == 'daemonsets.apps "gone" not found'
    verdict = pod_verdict(p, DrainOptions(force=True), _no_daemonset)
    assert (verdict.delete, verdict.level) == (True, "ok")


def test_pods_deleted_long_ago_are_skipped() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    old = (now - timedelta(seconds=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    p = pod("p", metadata={"deletionTimestamp": old})
    opts = DrainOptions(skip_wait_for_delete_timeout=50)
    assert pod_verdict(p, opts, _daemonset_exists, now).level == "skip"
    assert pod_verdict(p, DrainOptions(), _daemonset_exists, now).level == "error"


def test_drain_plan_texts() -> None:
    bare_a, bare_b, ds = pod("a"), pod("b"), pod("d")
    plan = DrainPlan(
        [
            pod_verdict(bare_a, DrainOptions(), _daemonset_exists),
            pod_verdict(bare_b, DrainOptions(), _daemonset_exists),
        ]
    )
    assert plan.errors() == [
        "cannot delete Pods that declare no controller (use --force to override): "
        "default/a, default/b"
    ]
    assert plan.pods() == []
    ds["metadata"].update(owned_by("DaemonSet")["metadata"])
    plan = DrainPlan(
        [
            pod_verdict(
                bare_a, DrainOptions(force=True, ignore_daemonsets=True), _daemonset_exists
            ),
            pod_verdict(ds, DrainOptions(force=True, ignore_daemonsets=True), _daemonset_exists),
        ]
    )
    assert plan.errors() == []
    assert plan.warnings() == (
        "deleting Pods that declare no controller: default/a; "
        "ignoring DaemonSet-managed Pods: default/d"
    )
    assert plan.pods() == [bare_a]


def test_aggregate_and_go_duration() -> None:
    assert aggregate(["a"]) == "a"
    assert aggregate(["a", "b"]) == "[a, b]"
    assert [go_duration(s) for s in (0, 0.5, 3, 90, 3600, 2.5)] == [
        "0s",
        "500ms",
        "3s",
        "1m30s",
        "1h0m0s",
        "2.5s",
    ]


# --------------------------------------------------------------------------- drain: handler


def _node_pods() -> list[Obj]:
    managed = pod("web-1", node="n1")
    managed["metadata"].update(owned_by("ReplicaSet")["metadata"])
    ds = pod("agent", node="n1")
    ds["metadata"].update(owned_by("DaemonSet", "agent")["metadata"])
    daemonset = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"}}
    return [managed, ds, pod("bare", node="n1"), pod("elsewhere", node="n2"), daemonset]


def test_drain_refuses_unmanaged_and_daemonset_pods() -> None:
    fake = FakeClient(node("n1"), *_node_pods())
    code, out, err = run(fake, "drain", "n1")
    assert code == 1
    assert out == "node/n1 cordoned\n"
    assert err.splitlines() == [
        'error: unable to drain node "n1" due to error: [cannot delete DaemonSet-managed Pods '
        "(use --ignore-daemonsets to ignore): default/agent, cannot delete Pods that declare no "
        "controller (use --force to override): default/bare], continuing command...",
        "There are pending nodes to be drained:",
        " n1",
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent",
        "cannot delete Pods that declare no controller (use --force to override): default/bare",
    ]
    assert [r for r in fake.requests if r[0] == "POST"] == []


def test_drain_evicts_and_waits_for_the_pods_to_go() -> None:
    fake = FakeClient(node("n1"), *_node_pods())
    gone = pod("web-1", node="n1")
    fake.events = [
        {"type": "MODIFIED", "object": gone},
        {"type": "DELETED", "object": pod("bare", node="n1")},
        {"type": "DELETED", "object": gone},
    ]
    code, out, err = run(
        fake, "drain", "n1", "--ignore-daemonsets", "--force", "--grace-period=5", "--timeout=30s"
    )
    assert (code, err) == (
        0,
        "Warning: ignoring DaemonSet-managed Pods: default/agent; "
        "deleting Pods that declare no controller: default/bare\n",
    )
    assert out.splitlines() == [
        "node/n1 cordoned",
        "evicting pod default/web-1",
        "evicting pod default/bare",
        "pod/bare evicted",
        "pod/web-1 evicted",
        "node/n1 drained",
    ]
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert posts[0] == (
        "POST",
        "/api/v1/namespaces/default/pods/web-1/eviction",
        {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": "web-1", "namespace": "default"},
            "deleteOptions": {"gracePeriodSeconds": 5},
        },
    )
    [watch] = fake.watches
    assert watch["field_selector"] == "spec.nodeName=n1"
    assert watch["namespace"] is None
    assert watch["resource_version"] == "100"


def test_drain_times_out_with_kubectl_s_report() -> None:
    fake = FakeClient(node("n1", unschedulable=True), *_node_pods()[:1])
    code, out, err = run(fake, "drain", "n1", "--timeout=0.01s")
    assert code == 1
    assert out == "node/n1 already cordoned\nevicting pod default/web-1\n"
    message = (
        'error when waiting for pod "web-1" in namespace "default" to terminate: '
        "global timeout reached: 10ms"
    )
    assert err.splitlines() == [
        f'There are pending pods in node "n1" when an error occurred: {message}',
        "pod/web-1",
        f'error: unable to drain node "n1" due to error: {message}, continuing command...',
        "There are pending nodes to be drained:",
        " n1",
        message,
    ]


def test_drain_dry_run_changes_nothing() -> None:
    fake = FakeClient(node("n1"), *_node_pods()[:1])
    code, out, _ = run(fake, "drain", "n1", "--dry-run=client")
    assert code == 0
    assert out.splitlines() == [
        "node/n1 cordoned (dry run)",
        "evicting pod default/web-1 (dry run)",
        "node/n1 drained (dry run)",
    ]
    assert fake.patches == [] and fake.requests == []


def test_drain_with_eviction_disabled_deletes() -> None:
    fake = FakeClient(node("n1"), *_node_pods()[:1])
    fake.events = [{"type": "DELETED", "object": pod("web-1", node="n1")}]
    code, out, _ = run(fake, "drain", "n1", "--disable-eviction")
    assert code == 0
    assert fake.deletes == [("pods", "web-1", None)]
    assert "pod/web-1 deleted\n" in out


def test_eviction_errors_stop_the_drain() -> None:
    fake = FakeClient(node("n1"), *_node_pods()[:1])
    path = "/api/v1/namespaces/default/pods/web-1/eviction"
    fake.answers[("POST", path)] = errors.Forbidden("nope")
    code, _, err = run(fake, "drain", "n1")
    assert code == 1
    assert 'error when evicting pods/"web-1" -n "default": nope' in err


def test_stream_log_maps_transport_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(
        cmd_workloads,
        "log_http",
        lambda config, follow: httpx.Client(
            base_url=config.server, transport=httpx.MockTransport(refuse)
        ),
    )
    with pytest.raises(errors.ServiceUnavailable, match="connection refused"):
        cmd_workloads.stream_log(ClientConfig(server="http://x"), "/p", {}, io.StringIO())
