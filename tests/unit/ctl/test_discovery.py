"""Resolving resource types through the server's discovery (pure parts and the fallback)."""

from __future__ import annotations

from minik8s.ctl import discovery
from tests.unit.ctl.fake_client import FakeClient, run

CORE = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {
            "name": "componentstatuses",
            "singularName": "componentstatus",
            "namespaced": False,
            "kind": "ComponentStatus",
            "verbs": ["get", "list"],
            "shortNames": ["cs"],
        },
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "verbs": []},
        {"name": "pods/status", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
    ],
}
METRICS = {
    "kind": "APIResourceList",
    "groupVersion": "metrics.k8s.io/v1beta1",
    "resources": [
        {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics"},
        {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics"},
    ],
}

WIDGETS = {
    "kind": "APIResourceList",
    "groupVersion": "example.com/v1",
    "resources": [
        {
            "name": "widgets",
            "singularName": "widget",
            "namespaced": False,
            "kind": "Widget",
            "verbs": ["delete", "get", "list"],
            "shortNames": ["wd"],
        }
    ],
}


def test_resources_from_discovery_folds_subresources_into_their_parent() -> None:
    infos = discovery.resources_from_discovery([CORE, METRICS])
    assert [(i.group, i.plural) for i in infos] == [
        ("", "componentstatuses"),
        ("", "pods"),
        ("metrics.k8s.io", "nodes"),
        ("metrics.k8s.io", "pods"),
    ]
    pods = infos[1]
    assert pods.subresources == ("status",) and pods.namespaced
    assert infos[2].singular == "nodemetrics"  # kind lowered when discovery leaves it empty


def test_match_by_short_name_kind_and_group_qualifiers() -> None:
    infos = discovery.resources_from_discovery([CORE, METRICS])
    assert discovery.match(infos, "cs") is infos[0]
    assert discovery.match(infos, "ComponentStatus") is infos[0]
    assert discovery.match(infos, "pods") is infos[1]  # discovery order: core first
    assert discovery.match(infos, "pods.metrics.k8s.io") is infos[3]
    assert discovery.match(infos, "nodes.v1beta1.metrics.k8s.io") is infos[2]
    assert discovery.match(infos, "podmetrics") is infos[3]
    assert discovery.match(infos, "nodes.apps") is None


def test_unknown_types_fall_back_to_discovery_once_per_process() -> None:
    fake = FakeClient()
    fake.discovery_lists = [CORE, METRICS, WIDGETS]
    code, out, err = run(fake, "delete", "wd", "w1")
    assert (code, err) == (0, "") and fake.deletes == [("widgets", "w1", None)]
    assert out == 'widget.example.com "w1" deleted\n'
    assert fake.discoveries == 1
    code, _, err = run(fake, "get", "wd,podmetrics,nosuch")
    assert code == 1 and err == 'error: the server doesn\'t have a resource type "nosuch"\n'
    assert fake.discoveries == 2  # three unknown names, one more discovery (a new run)
    run(fake, "delete", "deploy", "web")
    assert fake.discoveries == 2  # known locally: no discovery at all
