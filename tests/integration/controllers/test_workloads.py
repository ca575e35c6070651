"""ReplicaSets and Deployments driven by a real controller manager."""

from __future__ import annotations

import httpx
import pytest

from minik8s.ctl.cmd_rollout import rollback_patch
from tests.integration.controllers.conftest import (
    ControllerManager,
    Kubelet,
    Obj,
    PodWatcher,
    is_ready,
    patch,
    wait_for,
)

pytestmark = pytest.mark.integration
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


def template(app: str, image: str = "minik8s/httpd:latest") -> Obj:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": image}]},
    }


def replicaset(name: str, replicas: int) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name),
        },
    }


def active(pods: list[Obj]) -> list[Obj]:
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


def owned_by(pods: list[Obj], uid: str) -> list[Obj]:
    return [
        p
        for p in active(pods)
        if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])
    ]


def test_replicaset_scales_replaces_and_reports(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/replicasets"
    r = api.post(base, json=replicaset("web", 3))
    assert r.status_code == 201, r.text
    uid = r.json()["metadata"]["uid"]
    with Kubelet(str(api.base_url), ns) as kubelet:
        wait_for(lambda: len(owned_by(kubelet.pods(), uid)) == 3, "3 pods")
        wait_for(
            lambda: (api.get(f"{base}/web").json().get("status") or {}).get("readyReplicas") == 3,
            "readyReplicas 3",
        )
        victim = owned_by(kubelet.pods(), uid)[0]["metadata"]["name"]
        api.delete(f"/api/v1/namespaces/{ns}/pods/{victim}")
        wait_for(
            lambda: (
                len(owned_by(kubelet.pods(), uid)) == 3
                and victim not in {p["metadata"]["name"] for p in kubelet.pods()}
            ),
            "a replacement pod",
        )
        patch(api, f"{base}/web", json={"spec": {"replicas": 5}}, headers=MERGE)
        wait_for(lambda: len(owned_by(kubelet.pods(), uid)) == 5, "5 pods")
        patch(api, f"{base}/web", json={"spec": {"replicas": 1}}, headers=MERGE)
        wait_for(lambda: len(owned_by(kubelet.pods(), uid)) == 1, "1 pod")
        status = wait_for(
            lambda: (s := api.get(f"{base}/web").json()["status"]).get("replicas") == 1 and s,
            "status replicas 1",
        )
        assert (
            status["observedGeneration"] == api.get(f"{base}/web").json()["metadata"]["generation"]
        )
    events = api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
    reasons = {e["reason"] for e in events}
    assert {"SuccessfulCreate", "SuccessfulDelete"} <= reasons
    metrics = httpx.get(f"http://127.0.0.1:{controller_manager.port}/metrics").text
    assert 'workqueue_depth{name="replicaset"}' in metrics
    assert 'controller_sync_duration_seconds_count{controller="replicaset"}' in metrics


def test_replicaset_adopts_and_releases(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    orphan = {
        "metadata": {"name": "orphan", "labels": {"app": "adopt"}},
        "spec": {"containers": [{"name": "c", "image": "minik8s/httpd:latest"}]},
    }
    assert api.post(f"/api/v1/namespaces/{ns}/pods", json=orphan).status_code == 201
    r = api.post(f"/apis/apps/v1/namespaces/{ns}/replicasets", json=replicaset("adopt", 2))
    uid = r.json()["metadata"]["uid"]

    def pods() -> list[Obj]:
        return active(api.get(f"/api/v1/namespaces/{ns}/pods").json()["items"])

    wait_for(lambda: len(owned_by(pods(), uid)) == 2, "2 pods, one adopted")
    names = {p["metadata"]["name"] for p in owned_by(pods(), uid)}
    assert "orphan" in names
    # relabel the adopted pod: it is released and replaced
    patch(
        api,
        f"/api/v1/namespaces/{ns}/pods/orphan",
        json={"metadata": {"labels": {"app": "gone"}}},
        headers=MERGE,
    )
    wait_for(
        lambda: (
            not api.get(f"/api/v1/namespaces/{ns}/pods/orphan")
            .json()["metadata"]
            .get("ownerReferences")
        ),
        "the relabelled pod released",
    )
    wait_for(
        lambda: (
            len(owned_by(pods(), uid)) == 2
            and "orphan" not in {p["metadata"]["name"] for p in owned_by(pods(), uid)}
        ),
        "a replacement for the released pod",
    )


def deployment(name: str, replicas: int, surge: int | str, unavailable: int | str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
            },
            "template": template(name),
        },
    }


class Invariant:
    """On every look at the pods: total ≤ replicas + surge, ready ≥ replicas − unavailable."""

    def __init__(self, replicas: int, surge: int, unavailable: int) -> None:
        self.max_total = replicas + surge
        self.min_ready = replicas - unavailable
        self.armed = False
        self.violations: list[str] = []
        self.max_seen = 0

    def __call__(self, pods: list[Obj]) -> None:
        live = active(pods)
        ready = sum(1 for p in live if is_ready(p))
        self.max_seen = max(self.max_seen, len(live))
        if not self.armed:
            return
        if len(live) > self.max_total:
            self.violations.append(f"{len(live)} pods > {self.max_total}")
        if ready < self.min_ready:
            self.violations.append(f"{ready} ready < {self.min_ready}")


def deployment_done(api: httpx.Client, ns: str, name: str, replicas: int) -> bool:
    d = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{name}").json()
    s = d.get("status") or {}
    return (
        s.get("observedGeneration") == d["metadata"]["generation"]
        and s.get("updatedReplicas") == replicas
        and s.get("availableReplicas") == replicas
        and s.get("replicas") == replicas
    )


def replica_sets(api: httpx.Client, ns: str) -> list[Obj]:
    return list(api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets").json()["items"])


def test_deployment_rolling_update_rollback_pause(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    assert api.post(base, json=deployment("web", 4, 1, 1)).status_code == 201
    check = Invariant(4, 1, 1)
    with Kubelet(str(api.base_url), ns), PodWatcher(str(api.base_url), ns, check) as watcher:
        wait_for(lambda: deployment_done(api, ns, "web", 4), "the first rollout")
        check.armed = True
        # a new image: a rolling update within the surge/unavailability bounds
        patch(
            api,
            base + "/web",
            json={
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "c", "image": "minik8s/httpd:v2"}]}
                    }
                }
            },
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
        wait_for(lambda: deployment_done(api, ns, "web", 4), "the rolling update")
        rss = replica_sets(api, ns)
        assert len(rss) == 2
        revisions = {
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs["spec"][
                "replicas"
            ]
            for rs in rss
        }
        assert revisions == {"1": 0, "2": 4}
        d = api.get(base + "/web").json()
        assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
        conditions = {c["type"]: c for c in d["status"]["conditions"]}
        assert conditions["Available"]["status"] == "True"
        assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
        # rollback as `mkctl rollout undo` does it: revision 1's template comes back as 3
        old = next(
            rs
            for rs in rss
            if rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        )
        undo = rollback_patch(d, old)
        assert undo is not None
        assert patch(api, base + "/web", json=undo, headers=JSON_PATCH).status_code == 200
        wait_for(lambda: deployment_done(api, ns, "web", 4), "the rollback")
        wait_for(
            lambda: (
                api.get(
                    f"/apis/apps/v1/namespaces/{ns}/replicasets/{old['metadata']['name']}"
                ).json()["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                == "3"
            ),
            "revision 3",
        )
        assert len(replica_sets(api, ns)) == 2
        # pause: a template change makes no new ReplicaSet until resumed
        patch(api, base + "/web", json={"spec": {"paused": True}}, headers=MERGE)
        wait_for(
            lambda: (
                api.get(base + "/web").json()["status"]["observedGeneration"]
                == api.get(base + "/web").json()["metadata"]["generation"]
            ),
            "paused observed",
        )
        patch(
            api,
            base + "/web",
            json={
                "spec": {
                    "template": {
                        "metadata": {
                            "annotations": {
                                "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"
                            }
                        }
                    }
                }
            },
            headers=MERGE,
        )
        wait_for(
            lambda: (
                api.get(base + "/web").json()["status"]["observedGeneration"]
                == api.get(base + "/web").json()["metadata"]["generation"]
            ),
            "change observed",
        )
        assert len(replica_sets(api, ns)) == 2
        patch(api, base + "/web", json={"spec": {"paused": False}}, headers=MERGE)
        wait_for(lambda: len(replica_sets(api, ns)) == 3, "a new ReplicaSet after resume")
        wait_for(lambda: deployment_done(api, ns, "web", 4), "the restart rollout")
    assert not check.violations, check.violations[:5]
    assert check.max_seen <= 5
    assert watcher.events > 20  # every pod change was looked at


def test_deployment_progress_deadline(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = deployment("stuck", 2, 1, 0)
    body["spec"]["progressDeadlineSeconds"] = 3
    assert api.post(base, json=body).status_code == 201

    def exceeded() -> bool:
        d = api.get(base + "/stuck").json()
        conds = {c["type"]: c for c in (d.get("status") or {}).get("conditions") or []}
        prog = conds.get("Progressing") or {}
        return prog.get("status") == "False" and prog.get("reason") == "ProgressDeadlineExceeded"

    # no kubelet: the pods never become ready
    wait_for(exceeded, "Progressing=False (ProgressDeadlineExceeded)", 30)


def test_recreate_strategy(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = deployment("rec", 3, 1, 1)
    body["spec"]["strategy"] = {"type": "Recreate"}
    assert api.post(base, json=body).status_code == 201
    mixed: list[bool] = []

    def observe(pods: list[Obj]) -> None:
        images = {p["spec"]["containers"][0]["image"] for p in active(pods)}
        mixed.append(len(images) > 1)

    with Kubelet(str(api.base_url), ns) as kubelet:
        wait_for(lambda: deployment_done(api, ns, "rec", 3), "the first rollout")
        kubelet.observers.append(observe)
        patch(
            api,
            base + "/rec",
            json={
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "c", "image": "minik8s/httpd:v2"}]}
                    }
                }
            },
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
        wait_for(lambda: deployment_done(api, ns, "rec", 3), "the recreate rollout")
    assert not any(mixed), "old and new pods ran together"


def set_image(api: httpx.Client, path: str, image: str) -> None:
    body = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}}
    r = patch(
        api, path, json=body, headers={"Content-Type": "application/strategic-merge-patch+json"}
    )
    assert r.status_code == 200, r.text


def test_scaling_mid_rollout_is_proportional_and_history_is_limited(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = deployment("prop", 4, 1, 0)
    body["spec"]["revisionHistoryLimit"] = 1
    assert api.post(base, json=body).status_code == 201
    with Kubelet(str(api.base_url), ns) as kubelet:
        wait_for(lambda: deployment_done(api, ns, "prop", 4), "the first rollout")
        # the new version never becomes ready: the rollout stops at old 4 + new 1
        kubelet.hold = lambda p: p["spec"]["containers"][0]["image"].endswith(":v2")
        set_image(api, base + "/prop", "minik8s/httpd:v2")

        def sizes() -> dict[str, int]:
            return {
                rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
                for rs in replica_sets(api, ns)
            }

        wait_for(
            lambda: sizes() == {"minik8s/httpd:latest": 4, "minik8s/httpd:v2": 1},
            "the stalled rollout",
        )
        r = patch(api, base + "/prop", json={"spec": {"replicas": 8}}, headers=MERGE)
        assert r.status_code == 200, r.text
        # 5 allowed before, 9 now: the old set grows to 7, the new one to 2
        seen: list[dict[str, int]] = []

        def proportional() -> bool:
            seen.append(sizes())
            return seen[-1] == {"minik8s/httpd:latest": 7, "minik8s/httpd:v2": 2}

        try:
            wait_for(proportional, "proportional scaling")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; sizes seen last: {seen[-3:]}") from None
        kubelet.hold = lambda p: False
        wait_for(lambda: deployment_done(api, ns, "prop", 8), "the rollout after scaling")
        set_image(api, base + "/prop", "minik8s/httpd:v3")
        wait_for(lambda: deployment_done(api, ns, "prop", 8), "a third rollout")
        # revisionHistoryLimit 1: one old ReplicaSet kept besides the new one
        wait_for(lambda: len(replica_sets(api, ns)) == 2, "old ReplicaSets cleaned up")
