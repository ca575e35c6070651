"""Watch, selectors, pagination and compaction against the real etcd."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests.conftest import EtcdProcess
from tests.manifests import manifest

from .watching import WatchStream


def _cm(api: httpx.Client, ns: str, name: str, **labels: str) -> dict:
    r = api.post(
        f"/api/v1/namespaces/{ns}/configmaps", json=manifest("configmaps", name, labels=labels)
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_watch_from_version_sees_every_later_change_once_in_order(
    api: httpx.Client, ns: str
) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    first = _cm(api, ns, "w0")
    start_rv = first["metadata"]["resourceVersion"]
    expected: list[tuple[str, str, str]] = []
    for i in range(1, 6):  # changes made before the watch starts are replayed
        obj = _cm(api, ns, f"w{i}")
        expected.append(("ADDED", obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))
    with WatchStream(str(api.base_url), path, resourceVersion=start_rv) as w:
        obj = api.patch(
            f"{path}/w1",
            json={"data": {"x": "1"}},
            headers={"Content-Type": "application/merge-patch+json"},
        ).json()
        expected.append(("MODIFIED", "w1", obj["metadata"]["resourceVersion"]))
        api.delete(f"{path}/w2")
        seen = w.take(len(expected) + 1)
    got = [
        (e["type"], e["object"]["metadata"]["name"], e["object"]["metadata"]["resourceVersion"])
        for e in seen
    ]
    assert got[: len(expected)] == expected
    assert got[-1][:2] == ("DELETED", "w2")
    rvs = [int(g[2]) for g in got]
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)


def test_watch_without_version_starts_with_current_state(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    _cm(api, ns, "a")
    _cm(api, ns, "b")
    with WatchStream(str(api.base_url), path) as w:
        initial = w.take(2)
        assert sorted(e["object"]["metadata"]["name"] for e in initial) == ["a", "b"]
        assert {e["type"] for e in initial} == {"ADDED"}
        _cm(api, ns, "c")
        ev = w.next()
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "c")


def test_label_selector_on_watch_reports_transitions(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    obj = _cm(api, ns, "sel", tier="back")
    rv = obj["metadata"]["resourceVersion"]
    with WatchStream(str(api.base_url), path, resourceVersion=rv, labelSelector="tier=front") as w:
        ct = {"Content-Type": "application/merge-patch+json"}
        api.patch(f"{path}/sel", json={"metadata": {"labels": {"tier": "front"}}}, headers=ct)
        api.patch(f"{path}/sel", json={"data": {"k": "v"}}, headers=ct)
        api.patch(f"{path}/sel", json={"metadata": {"labels": {"tier": "back"}}}, headers=ct)
        _cm(api, ns, "other", tier="back")  # never matches: never seen
        api.delete(f"{path}/sel")
        got = [e["type"] for e in w.take(3)]
        assert got == ["ADDED", "MODIFIED", "DELETED"]
        with pytest.raises(TimeoutError):
            w.next(timeout=1.5)


def test_field_selector_on_list_and_watch(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    _cm(api, ns, "one")
    _cm(api, ns, "two")
    r = api.get(path, params={"fieldSelector": "metadata.name=two"})
    assert [i["metadata"]["name"] for i in r.json()["items"]] == ["two"]
    r = api.get(path, params={"fieldSelector": "spec.bogus=1"})
    assert r.status_code == 400
    r = api.get(path, params={"labelSelector": "a in (b"})
    assert r.status_code == 400


def test_list_label_selector(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    _cm(api, ns, "p", env="prod")
    _cm(api, ns, "q", env="qa")
    _cm(api, ns, "r")

    def names(sel: str) -> list[str]:
        items = api.get(path, params={"labelSelector": sel}).json()["items"]
        return [i["metadata"]["name"] for i in items]

    assert names("env=prod") == ["p"]
    assert names("env in (prod,qa)") == ["p", "q"]
    assert names("!env") == ["r"]
    assert names("env!=prod") == ["q", "r"]


def test_pagination_reads_one_consistent_snapshot(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for i in range(7):
        _cm(api, ns, f"page{i}")
    first = api.get(path, params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["metadata"]["continue"]
    _cm(api, ns, "page9")  # written after the first page: not in this list
    names = [i["metadata"]["name"] for i in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = api.get(path, params={"limit": 3, "continue": token}).json()
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
    assert names == [f"page{i}" for i in range(7)]
    assert api.get(path, params={"continue": "garbage"}).status_code == 400


def test_bookmarks_when_asked(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    obj = _cm(api, ns, "bm")
    rv = obj["metadata"]["resourceVersion"]
    with WatchStream(str(api.base_url), path, resourceVersion=rv, allowWatchBookmarks="true") as w:
        ev = w.next(timeout=10, skip_bookmarks=False)
        assert ev["type"] == "BOOKMARK"
        assert int(ev["object"]["metadata"]["resourceVersion"]) >= int(rv)


def test_watch_timeout_ends_the_stream(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    with WatchStream(str(api.base_url), path, timeoutSeconds=1) as w:
        assert w.ended.wait(10)


def _compact(etcd: EtcdProcess) -> None:
    out = subprocess.run(
        ["etcdctl", f"--endpoints={etcd.url}", "endpoint", "status", "--write-out=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import json

    revision = json.loads(out)[0]["Status"]["header"]["revision"]
    subprocess.run(
        ["etcdctl", f"--endpoints={etcd.url}", "compact", str(revision)],
        capture_output=True,
        check=True,
    )


def test_gone_after_compaction(api: httpx.Client, ns: str, etcd: EtcdProcess) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    old = _cm(api, ns, "old")["metadata"]["resourceVersion"]
    for i in range(3):
        _cm(api, ns, f"later{i}")
    first = api.get(path, params={"limit": 1}).json()
    _cm(api, ns, "bump")  # the list's revision is now history, gone once compacted
    _compact(etcd)
    with WatchStream(str(api.base_url), path, resourceVersion=old) as w:
        ev = w.next()
        assert ev["type"] == "ERROR"
        assert ev["object"]["code"] == 410 and ev["object"]["reason"] == "Expired"
    r = api.get(path, params={"limit": 1, "continue": first["metadata"]["continue"]})
    assert r.status_code == 410
    # A relist and a watch from its version work again.
    fresh = api.get(path).json()["metadata"]["resourceVersion"]
    with WatchStream(str(api.base_url), path, resourceVersion=fresh) as w:
        _cm(api, ns, "after")
        assert w.next()["object"]["metadata"]["name"] == "after"


def test_many_watchers_all_get_every_event(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = _cm(api, ns, "seed")["metadata"]["resourceVersion"]
    watchers = [WatchStream(str(api.base_url), path, resourceVersion=rv) for _ in range(10)]
    try:
        for i in range(20):
            _cm(api, ns, f"fan{i}")
        for w in watchers:
            names = [e["object"]["metadata"]["name"] for e in w.take(20)]
            assert names == [f"fan{i}" for i in range(20)]
    finally:
        for w in watchers:
            w.close()
