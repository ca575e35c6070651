"""pods/{name}/eviction against PodDisruptionBudgets, on the real API server.

No controller runs here: each test writes the budget's status itself (as the disruption
controller would) and checks what the eviction subresource grants, refuses and records.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.manifests import manifest

Obj = dict[str, Any]
JSON = {"content-type": "application/json"}


def _pod(api: httpx.Client, ns: str, name: str, *, ready: bool, app: str = "web") -> Obj:
    pods = f"/api/v1/namespaces/{ns}/pods"
    body = manifest("pods", name, labels={"app": app})
    assert api.post(pods, json=body).status_code == 201
    binding = {"metadata": {"name": name}, "target": {"kind": "Node", "name": "n1"}}
    assert api.post(f"{pods}/{name}/binding", json=binding).status_code == 201
    pod = api.get(f"{pods}/{name}").json()
    pod["status"] = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    r = api.put(f"{pods}/{name}/status", json=pod)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _budget(api: httpx.Client, ns: str, name: str = "web", **status: Any) -> Obj:
    path = f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"
    created = api.post(path, json=manifest("poddisruptionbudgets", name))
    assert created.status_code == 201, created.text
    pdb = created.json()
    assert pdb["status"] == {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    }
    if status:
        pdb["status"] = {"observedGeneration": pdb["metadata"]["generation"], **status}
        r = api.put(f"{path}/{name}/status", json=pdb)
        assert r.status_code == 200, r.text
        pdb = r.json()
    return dict(pdb)


def _evict(api: httpx.Client, ns: str, name: str, **options: Any) -> httpx.Response:
    body = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": ns},
        "deleteOptions": options,
    }
    return api.post(f"/api/v1/namespaces/{ns}/pods/{name}/eviction", json=body)


def test_a_budget_that_allows_nothing_refuses_with_429(api: httpx.Client, ns: str) -> None:
    _pod(api, ns, "a", ready=True)
    _budget(api, ns, disruptionsAllowed=0, currentHealthy=1, desiredHealthy=1, expectedPods=1)
    r = _evict(api, ns, "a")
    assert r.status_code == 429, r.text
    assert "retry-after" not in r.headers
    assert r.text == (
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        '"message":"Cannot evict pod as it would violate the pod\'s disruption budget.",'
        '"reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget",'
        '"message":"The disruption budget web needs 1 healthy pods and has 1 currently"}]},'
        '"code":429}\n'
    )
    assert (
        api.get(f"/api/v1/namespaces/{ns}/pods/a").json()["metadata"].get("deletionTimestamp")
        is None
    )


def test_an_allowed_eviction_spends_the_budget_and_deletes(api: httpx.Client, ns: str) -> None:
    _pod(api, ns, "a", ready=True)
    _pod(api, ns, "b", ready=True)
    _budget(api, ns, disruptionsAllowed=1, currentHealthy=2, desiredHealthy=1, expectedPods=2)
    r = _evict(api, ns, "a", gracePeriodSeconds=0)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    assert api.get(f"/api/v1/namespaces/{ns}/pods/a").status_code == 404
    pdb = api.get(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web").json()
    assert pdb["status"]["disruptionsAllowed"] == 0
    assert list(pdb["status"]["disruptedPods"]) == ["a"]
    (cond,) = pdb["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"]) == (
        "DisruptionAllowed",
        "False",
        "InsufficientPods",
    )
    # spent: the next one waits for the controller
    assert _evict(api, ns, "b").status_code == 429


def test_a_status_older_than_the_spec_is_still_being_processed(api: httpx.Client, ns: str) -> None:
    _pod(api, ns, "a", ready=True)
    _budget(api, ns)  # never observed by a controller
    r = _evict(api, ns, "a")
    assert r.status_code == 429 and r.headers["retry-after"] == "10", r.text
    assert r.json()["details"] == {
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget web is still being processed by the server.",
            }
        ],
        "retryAfterSeconds": 10,
    }


def test_pods_that_need_no_budget(api: httpx.Client, ns: str) -> None:
    _budget(api, ns, disruptionsAllowed=0, currentHealthy=1, desiredHealthy=1, expectedPods=2)
    # not ready, and the budget is met: goes without spending it
    _pod(api, ns, "sick", ready=False)
    assert _evict(api, ns, "sick", gracePeriodSeconds=0).status_code == 201
    # pending (never ran): disrupts nothing
    pending = manifest("pods", "pending", labels={"app": "web"})
    assert api.post(f"/api/v1/namespaces/{ns}/pods", json=pending).status_code == 201
    assert _evict(api, ns, "pending").status_code == 201
    # selected by no budget
    _pod(api, ns, "other", ready=True, app="db")
    assert _evict(api, ns, "other", gracePeriodSeconds=0).status_code == 201
    for name in ("sick", "pending", "other"):
        assert api.get(f"/api/v1/namespaces/{ns}/pods/{name}").status_code == 404


def test_bad_evictions(api: httpx.Client, ns: str) -> None:
    _pod(api, ns, "a", ready=True)
    r = _evict(api, ns, "missing")
    assert r.status_code == 404, r.text
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "b"}}
    r = api.post(f"/api/v1/namespaces/{ns}/pods/a/eviction", json=body)
    assert r.status_code == 400
    assert r.json()["message"] == "name in URL does not match name in Eviction object"
    _budget(api, ns, "one", disruptionsAllowed=1, currentHealthy=1, desiredHealthy=0)
    _budget(api, ns, "two", disruptionsAllowed=1, currentHealthy=1, desiredHealthy=0)
    r = _evict(api, ns, "a")
    assert r.status_code == 500 and "more than one PodDisruptionBudget" in r.json()["message"]


def test_budget_validation(api: httpx.Client, ns: str) -> None:
    path = f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"
    both = manifest("poddisruptionbudgets", "both")
    both["spec"]["maxUnavailable"] = "10%"
    r = api.post(path, json=both)
    assert r.status_code == 422 and "cannot be both set" in r.json()["message"], r.text
    big = manifest("poddisruptionbudgets", "big")
    big["spec"]["minAvailable"] = "101%"
    r = api.post(path, json=big)
    assert r.status_code == 422
    assert r.json()["details"]["causes"][0]["field"] == "spec.minAvailable"
    policy = manifest("poddisruptionbudgets", "policy")
    policy["spec"]["unhealthyPodEvictionPolicy"] = "Sometimes"
    assert api.post(path, json=policy).status_code == 422
