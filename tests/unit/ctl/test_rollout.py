"""`mkctl rollout`: kubectl's status lines, history, undo and restart decisions, and the
handlers against a fake client that records every write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from minik8s.ctl.cmd_rollout import (
    history_text,
    owned_replica_sets,
    probe_text,
    restart_patch,
    revision_of,
    rollback_patch,
    rollback_target,
    rollout_status,
    template_text,
)
from minik8s.ctl.context import CtlError

from .fake_client import FakeClient, run

Obj = dict[str, Any]
UID = "d-uid"


# --------------------------------------------------------------------------- fixtures


def deployment(**status: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": UID,
            "generation": 2,
            "resourceVersion": "10",
            "annotations": {"deployment.kubernetes.io/revision": "3", "keep": "me"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template("v3"),
        },
        "status": {"observedGeneration": 2, **status},
    }


def template(tag: str, hash_label: str | None = None) -> Obj:
    labels = {"app": "web"}
    if hash_label:
        labels["pod-template-hash"] = hash_label
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "web", "image": f"httpd:{tag}"}]},
    }


def replica_set(revision: int | None, tag: str, *, owner: str = UID, cause: str = "") -> Obj:
    annotations = {}
    if revision is not None:
        annotations["deployment.kubernetes.io/revision"] = str(revision)
    if cause:
        annotations["kubernetes.io/change-cause"] = cause
    return {
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"web-{tag}",
            "labels": {"app": "web", "pod-template-hash": tag},
            "annotations": annotations,
            "ownerReferences": [{"kind": "Deployment", "uid": owner, "controller": True}],
        },
        "spec": {"template": template(tag, tag)},
    }


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("status", "message", "done"),
    [
        (
            {"updatedReplicas": 1, "replicas": 3},
            'Waiting for deployment "web" rollout to finish: '
            "1 out of 3 new replicas have been updated...",
            False,
        ),
        (
            {"updatedReplicas": 3, "replicas": 4},
            'Waiting for deployment "web" rollout to finish: '
            "1 old replicas are pending termination...",
            False,
        ),
        (
            {"updatedReplicas": 3, "replicas": 3, "availableReplicas": 1},
            'Waiting for deployment "web" rollout to finish: '
            "1 of 3 updated replicas are available...",
            False,
        ),
        (
            {"updatedReplicas": 3, "replicas": 3, "availableReplicas": 3},
            'deployment "web" successfully rolled out',
            True,
        ),
    ],
)
def test_deployment_status_lines(status: Obj, message: str, done: bool) -> None:
    result = rollout_status(deployment(**status))
    assert (result.message, result.done) == (message, done)


def test_deployment_status_waits_for_the_generation_to_be_observed() -> None:
    obj = deployment(updatedReplicas=3, replicas=3, availableReplicas=3)
    obj["status"]["observedGeneration"] = 1
    assert rollout_status(obj).message == "Waiting for deployment spec update to be observed..."


def test_deployment_past_its_progress_deadline_is_an_error() -> None:
    obj = deployment(
        conditions=[
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        ]
    )
    with pytest.raises(CtlError, match='deployment "web" exceeded its progress deadline'):
        rollout_status(obj)


def test_deployment_status_checks_the_revision() -> None:
    done = deployment(updatedReplicas=3, replicas=3, availableReplicas=3)
    assert rollout_status(done, revision=3).done
    with pytest.raises(CtlError, match=r"desired revision \(2\) is different .* \(3\)"):
        rollout_status(done, revision=2)


def test_daemonset_status() -> None:
    ds: Obj = {
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "generation": 1},
        "spec": {"updateStrategy": {"type": "RollingUpdate"}},
        "status": {"observedGeneration": 1, "desiredNumberScheduled": 3},
    }
    ds["status"]["updatedNumberScheduled"] = 2
    assert rollout_status(ds).message == (
        'Waiting for daemon set "agent" rollout to finish: 2 out of 3 new pods have been updated...'
    )
    ds["status"].update(updatedNumberScheduled=3, numberAvailable=1)
    assert "1 of 3 updated pods are available" in rollout_status(ds).message
    ds["status"]["numberAvailable"] = 3
    assert rollout_status(ds).done
    ds["spec"]["updateStrategy"]["type"] = "OnDelete"
    with pytest.raises(CtlError, match="only available for RollingUpdate"):
        rollout_status(ds)


def test_statefulset_status() -> None:
    sts: Obj = {
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": 1},
        "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate"}},
        "status": {},
    }
    assert rollout_status(sts).message == "Waiting for statefulset spec update to be observed..."
    sts["status"] = {"observedGeneration": 1, "readyReplicas": 1}
    assert rollout_status(sts).message == "Waiting for 2 pods to be ready..."
    sts["status"].update(
        readyReplicas=3, updatedReplicas=1, updateRevision="db-2", currentRevision="db-1"
    )
    assert rollout_status(sts).message == (
        "waiting for statefulset rolling update to complete 1 pods at revision db-2..."
    )
    sts["status"].update(currentRevision="db-2", currentReplicas=3)
    result = rollout_status(sts)
    assert result.done
    assert result.message == "statefulset rolling update complete 3 pods at revision db-2..."
    sts["spec"]["updateStrategy"]["rollingUpdate"] = {"partition": 1}
    assert "1 out of 2 new pods have been updated" in rollout_status(sts).message


def test_kinds_without_a_rollout_have_no_status_viewer() -> None:
    with pytest.raises(CtlError, match="no status viewer has been implemented for Pod"):
        rollout_status({"kind": "Pod", "metadata": {"name": "x"}})


# --------------------------------------------------------------------------- history


def test_history_is_the_replica_sets_the_deployment_controls() -> None:
    sets = [
        replica_set(2, "b", cause="kubectl set image web=httpd:v2"),
        replica_set(1, "a"),
        replica_set(5, "x", owner="someone-else"),
        replica_set(None, "n"),
    ]
    owned = owned_replica_sets(deployment(), sets)
    assert [rs["metadata"]["name"] for rs in owned] == ["web-b", "web-a", "web-n"]
    assert history_text(owned) == (
        "REVISION  CHANGE-CAUSE\n1         <none>\n2         kubectl set image web=httpd:v2\n"
    )
    assert history_text([]) == "No rollout history found."


def test_revision_of() -> None:
    assert revision_of(replica_set(7, "a")) == 7
    assert revision_of(replica_set(None, "a")) is None
    assert (
        revision_of({"metadata": {"annotations": {"deployment.kubernetes.io/revision": "x"}}})
        is None
    )


def test_template_text_is_kubectl_s_describe_layout() -> None:
    tmpl = {
        "metadata": {"labels": {"app": "web", "tier": "fe"}, "annotations": {"a": "b"}},
        "spec": {
            "serviceAccountName": "sa1",
            "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c"]}],
            "containers": [
                {
                    "name": "web",
                    "image": "httpd:v3",
                    "ports": [
                        {"containerPort": 8080, "hostPort": 80},
                        {"containerPort": 9090, "protocol": "UDP"},
                    ],
                    "resources": {"limits": {"memory": "128Mi", "cpu": "500m"}},
                    "readinessProbe": {"exec": {"command": ["cat", "/tmp/x"]}},
                    "env": [
                        {"name": "A", "value": "b"},
                        {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
                    ],
                    "envFrom": [{"secretRef": {"name": "s2"}, "prefix": "P_"}],
                    "volumeMounts": [
                        {"name": "data", "mountPath": "/data"},
                        {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": True, "subPath": "x"},
                    ],
                }
            ],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {"name": "cfg", "configMap": {"name": "cm"}},
            ],
            "nodeSelector": {"disk": "ssd"},
            "tolerations": [
                {"key": "k2", "value": "v", "effect": "NoExecute", "tolerationSeconds": 30},
                {"key": "k", "operator": "Exists", "effect": "NoSchedule"},
            ],
        },
    }
    assert template_text(tmpl) == (
        "Pod Template:\n"
        "  Labels:\tapp=web\n"
        "\ttier=fe\n"
        "  Annotations:\ta: b\n"
        "  Service Account:\tsa1\n"
        "  Init Containers:\n"
        "   init:\n"
        "    Image:\tbusybox\n"
        "    Port:\t<none>\n"
        "    Host Port:\t<none>\n"
        "    Command:\n"
        "      sh\n"
        "      -c\n"
        "    Environment:\t<none>\n"
        "    Mounts:\t<none>\n"
        "  Containers:\n"
        "   web:\n"
        "    Image:\thttpd:v3\n"
        "    Ports:\t8080/TCP, 9090/UDP\n"
        "    Host Ports:\t80/TCP, 0/UDP\n"
        "    Limits:\n"
        "      cpu:\t500m\n"
        "      memory:\t128Mi\n"
        "    Readiness:\texec [cat /tmp/x] delay=0s timeout=1s period=10s #success=1 #failure=3\n"
        "    Environment Variables from:\n"
        "      s2\tSecret with prefix 'P_'\tOptional: false\n"
        "    Environment:\n"
        "      A:\tb\n"
        "      B:\t (v1:metadata.name)\n"
        "      C:\t<set to the key 'k' of config map 'cm'>\tOptional: false\n"
        "    Mounts:\n"
        "      /data from data (rw)\n"
        '      /etc/cfg from cfg (ro,path="x")\n'
        "  Volumes:\n"
        "   data:\n"
        "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
        "    Medium:\t\n"
        "    SizeLimit:\t<unset>\n"
        "   cfg:\n"
        "    Type:\tConfigMap (a volume populated by a ConfigMap)\n"
        "    Name:\tcm\n"
        "    Optional:\tfalse\n"
        "  Node-Selectors:\tdisk=ssd\n"
        "  Tolerations:\tk:NoSchedule op=Exists\n"
        "\tk2=v:NoExecute for 30s\n"
    )


def test_probe_text() -> None:
    probe = {"httpGet": {"path": "/", "port": 8080}, "initialDelaySeconds": 3}
    assert probe_text(probe) == (
        "http-get http://:8080/ delay=3s timeout=1s period=10s #success=1 #failure=3"
    )
    assert probe_text({"tcpSocket": {"port": 53}, "periodSeconds": 5}).startswith(
        "tcp-socket :53 delay=0s timeout=1s period=5s"
    )


# --------------------------------------------------------------------------- undo / restart


def test_undo_goes_to_the_second_newest_revision_by_default() -> None:
    sets = [replica_set(1, "a"), replica_set(3, "c"), replica_set(2, "b")]
    assert rollback_target(deployment(), sets, 0)["metadata"]["name"] == "web-b"
    assert rollback_target(deployment(), sets, 1)["metadata"]["name"] == "web-a"


def test_undo_errors_are_kubectl_s() -> None:
    with pytest.raises(CtlError, match='no rollout history found for deployment "web"'):
        rollback_target(deployment(), [replica_set(1, "a")], 0)
    with pytest.raises(CtlError, match="unable to find specified revision 9 in history"):
        rollback_target(deployment(), [replica_set(1, "a")], 9)
    foreign = replica_set(1, "a", owner="other")
    with pytest.raises(CtlError, match="unable to find specified revision 1 in history"):
        rollback_target(deployment(), [foreign], 1)


def test_rollback_patch_copies_the_template_without_the_hash_and_the_annotations() -> None:
    rs = replica_set(1, "a", cause="first")
    patch = rollback_patch(deployment(), rs)
    assert patch == [
        {"op": "replace", "path": "/spec/template", "value": template("a")},
        {
            "op": "replace",
            "path": "/metadata/annotations",
            "value": {
                "deployment.kubernetes.io/revision": "3",
                "kubernetes.io/change-cause": "first",
            },
        },
    ]


def test_rollback_to_the_current_template_is_skipped() -> None:
    current = deployment()
    rs = replica_set(3, "v3")
    rs["spec"]["template"] = template("v3", "v3")
    assert rollback_patch(current, rs) is None


def test_rollback_patch_adds_annotations_when_the_deployment_has_none() -> None:
    current = deployment()
    del current["metadata"]["annotations"]
    patch = rollback_patch(current, replica_set(1, "a"))
    assert patch is not None
    assert patch[1] == {"op": "add", "path": "/metadata/annotations", "value": {}}


def test_restart_patch_is_an_rfc3339_template_annotation() -> None:
    utc = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert restart_patch(utc) == {
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-02T03:04:05Z"}
                }
            }
        }
    }
    cet = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    annotations = restart_patch(cet)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/restartedAt"] == "2026-01-02T03:04:05+01:00"


# --------------------------------------------------------------------------- handlers


def test_undo_patches_the_deployment_with_a_json_patch() -> None:
    fake = FakeClient(deployment(), replica_set(1, "a"), replica_set(3, "c"), replica_set(2, "b"))
    code, out, err = run(fake, "rollout", "undo", "deployment/web")
    assert (code, out, err) == (0, "deployment.apps/web rolled back\n", "")
    [(plural, name, patch, ptype)] = fake.patches
    assert (plural, name, ptype) == ("deployments", "web", "json")
    assert patch[0] == {"op": "replace", "path": "/spec/template", "value": template("b")}


def test_undo_of_a_paused_deployment_is_refused() -> None:
    paused = deployment()
    paused["spec"]["paused"] = True
    fake = FakeClient(paused, replica_set(1, "a"), replica_set(2, "b"))
    code, _, err = run(fake, "rollout", "undo", "deploy", "web")
    assert code == 1
    assert err.startswith("error: you cannot rollback a paused deployment")
    assert fake.patches == []


def test_history_prints_kubectl_s_header_and_table() -> None:
    fake = FakeClient(deployment(), replica_set(1, "a", cause="c1"), replica_set(2, "b"))
    code, out, _ = run(fake, "rollout", "history", "deploy/web")
    assert code == 0
    assert out == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         c1\n2         <none>\n\n"
    )
    code, out, _ = run(fake, "rollout", "history", "deploy/web", "--revision=1")
    assert out.startswith("deployment.apps/web with revision #1\nPod Template:\n")
    assert "  Annotations:\tkubernetes.io/change-cause: c1\n" in out
    code, _, err = run(fake, "rollout", "history", "deploy/web", "--revision=7")
    assert (code, err) == (1, "error: unable to find the specified revision\n")


def test_history_of_other_kinds() -> None:
    code, _, err = run(FakeClient(), "rollout", "history", "pod/x")
    assert err == 'error: no history viewer has been implemented for "Pod"\n'
    code, _, err = run(FakeClient(), "rollout", "undo", "pod/x")
    assert err == 'error: no rollbacker has been implemented for "Pod"\n'


def daemon_set(tag: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "default", "uid": "ds-uid"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template(tag)},
    }


def controller_revision(number: int, tag: str, *, owner: str = "ds-uid", cause: str = "") -> Obj:
    patch = {"spec": {"template": {**template(tag), "$patch": "replace"}}}
    meta: Obj = {
        "name": f"agent-{tag}",
        "namespace": "default",
        "labels": {"app": "web", "controller-revision-hash": tag},
        "ownerReferences": [{"kind": "DaemonSet", "uid": owner, "controller": True}],
    }
    if cause:
        meta["annotations"] = {"kubernetes.io/change-cause": cause}
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": meta,
        "data": patch,
        "revision": number,
    }


def test_daemonset_history_and_undo_read_its_controller_revisions() -> None:
    fake = FakeClient(
        daemon_set("b"),
        controller_revision(1, "a", cause="first"),
        controller_revision(2, "b"),
        controller_revision(9, "z", owner="someone-else"),  # not this DaemonSet's
    )
    code, out, _ = run(fake, "rollout", "history", "ds/agent")
    assert (code, out) == (
        0,
        "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         first\n2         <none>\n\n",
    )
    code, out, _ = run(fake, "rollout", "history", "daemonset/agent", "--revision=1")
    assert out.startswith("daemonset.apps/agent with revision #1\nPod Template:\n")
    assert "Image:\thttpd:a" in out
    # undo: the previous revision's template, and nothing else, goes back into the DaemonSet
    code, out, err = run(fake, "rollout", "undo", "ds/agent")
    assert (code, out, err) == (0, "daemonset.apps/agent rolled back\n", "")
    [(plural, name, patch, ptype)] = fake.patches
    assert (plural, name, ptype) == ("daemonsets", "agent", "json")
    assert patch == [{"op": "replace", "path": "/spec/template", "value": template("a")}]
    code, out, _ = run(fake, "rollout", "undo", "ds/agent", "--to-revision=2")
    assert out == (
        "daemonset.apps/agent skipped rollback (current template already matches revision 2)\n"
    )
    code, _, err = run(fake, "rollout", "undo", "ds/agent", "--to-revision=7")
    assert (code, err) == (1, "error: unable to find specified revision 7 in history\n")
    alone = FakeClient(daemon_set("b"), controller_revision(2, "b"))
    code, _, err = run(alone, "rollout", "undo", "ds/agent")
    assert (code, err) == (1, "error: no last revision to roll back to\n")


def test_pause_resume_and_their_errors() -> None:
    fake = FakeClient(deployment())
    assert run(fake, "rollout", "pause", "deploy/web")[1] == "deployment.apps/web paused\n"
    assert fake.patches[-1] == ("deployments", "web", {"spec": {"paused": True}}, "merge")
    code, _, err = run(fake, "rollout", "resume", "deploy/web")
    assert err == 'error: deployments.apps "web" is not paused\n'
    fake.objects[("deployments", "web")]["spec"]["paused"] = True
    assert run(fake, "rollout", "resume", "deploy/web")[1] == "deployment.apps/web resumed\n"
    assert fake.patches[-1][2] == {"spec": {"paused": None}}
    _, _, err = run(fake, "rollout", "pause", "deploy/web")
    assert err == 'error: deployments.apps "web" is already paused\n'
    _, _, err = run(fake, "rollout", "pause", "pod/x")
    assert err == 'error: pods "x" pausing is not supported\n'


def test_restart_patches_the_template_annotation() -> None:
    fake = FakeClient(deployment())
    code, out, _ = run(fake, "rollout", "restart", "deploy/web")
    assert (code, out) == (0, "deployment.apps/web restarted\n")
    [(_, _, patch, ptype)] = fake.patches
    assert ptype == "strategic"
    stamp = patch["spec"]["template"]["metadata"]["annotations"][
        "kubectl.kubernetes.io/restartedAt"
    ]
    assert datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    fake.objects[("deployments", "web")]["spec"]["paused"] = True
    _, _, err = run(fake, "rollout", "restart", "deploy/web")
    assert "can't restart paused deployment (run rollout resume first)" in err


def test_status_follows_the_watch_until_the_rollout_is_done() -> None:
    start = deployment(updatedReplicas=3, replicas=3, availableReplicas=1)
    fake = FakeClient(start)
    step = deployment(updatedReplicas=3, replicas=3, availableReplicas=2)
    step["metadata"]["resourceVersion"] = "11"
    done = deployment(updatedReplicas=3, replicas=3, availableReplicas=3)
    fake.events = [
        {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "10"}}},
        {"type": "MODIFIED", "object": step},
        {"type": "MODIFIED", "object": done},
    ]
    code, out, _ = run(fake, "rollout", "status", "deploy/web")
    assert code == 0
    assert out.splitlines() == [
        'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
        'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
        'deployment "web" successfully rolled out',
    ]
    assert fake.watches[0]["resource_version"] == "10"
    assert fake.watches[0]["field_selector"] == "metadata.name=web"


def test_status_without_watch_prints_once() -> None:
    fake = FakeClient(deployment(updatedReplicas=1, replicas=3))
    code, out, _ = run(fake, "rollout", "status", "deploy/web", "--watch=false")
    assert code == 0
    assert "1 out of 3 new replicas have been updated" in out
    assert fake.watches == []


def test_status_of_a_deleted_object_fails() -> None:
    fake = FakeClient(deployment(updatedReplicas=1, replicas=3))
    fake.events = [{"type": "DELETED", "object": deployment()}]
    code, _, err = run(fake, "rollout", "status", "deploy/web")
    assert (code, err) == (1, "error: object has been deleted\n")


def test_status_times_out() -> None:
    fake = FakeClient(deployment(updatedReplicas=1, replicas=3))
    code, _, err = run(fake, "rollout", "status", "deploy/web", "--timeout=0.01s")
    assert (code, err) == (1, "error: timed out waiting for the condition\n")
