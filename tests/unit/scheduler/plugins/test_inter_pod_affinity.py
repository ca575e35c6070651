from scheduler.framework import SKIP, CycleState
from scheduler.plugins.inter_pod_affinity import (
    ANTI_AFFINITY_REASON,
    EXISTING_ANTI_REASON,
    InterPodAffinity,
)

from ..fixtures import node, pinfo, place


def _term(app: str, key: str = "zone") -> dict:
    return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key}


def _run(p, nodes):  # type: ignore[no-untyped-def]
    plugin = InterPodAffinity()
    state: CycleState = {}
    pre = plugin.pre_filter(state, p, nodes)
    if pre == SKIP:
        return {n.name: None for n in nodes}
    return {n.name: plugin.filter(state, p, n) for n in nodes}


def test_skips_pods_without_affinity_when_nobody_has_any() -> None:
    assert InterPodAffinity().pre_filter({}, pinfo(), [node()]) == SKIP


def test_required_affinity_by_zone_and_first_of_group() -> None:
    a1, a2, b1 = (
        node("a1", labels={"zone": "a"}),
        node("a2", labels={"zone": "a"}),
        node("b1", labels={"zone": "b"}),
    )
    place(a1, pinfo("db", labels={"app": "db"}))
    affinity = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [_term("db")]}}
    result = _run(pinfo("web", affinity=affinity), [a1, a2, b1])
    assert result["a1"] is None and result["a2"] is None and result["b1"] is not None
    # nobody matches, but the pod matches its own term: allowed anywhere with the key
    self_affine = pinfo(
        "x",
        labels={"app": "x"},
        affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [_term("x")]}},
    )
    assert all(s is None for s in _run(self_affine, [a1, a2, b1]).values())


def test_anti_affinity_both_directions_and_namespaces() -> None:
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                _term("web", "kubernetes.io/hostname")
            ]
        }
    }
    n1, n2 = node("n1"), node("n2")
    place(n1, pinfo("web-0", labels={"app": "web"}, affinity=anti))
    result = _run(pinfo("web-1", labels={"app": "web"}, affinity=anti), [n1, n2])
    assert result["n1"] is not None and result["n1"].reasons == (EXISTING_ANTI_REASON,)
    assert result["n2"] is None
    # the incoming pod's own anti-affinity against a pod without any
    n3 = place(node("n3"), pinfo("plain", labels={"app": "web"}))
    result = _run(pinfo("w", affinity=anti), [n3])
    assert result["n3"] is not None and result["n3"].reasons == (ANTI_AFFINITY_REASON,)
    # another namespace does not count unless named
    n4 = place(node("n4"), pinfo("other", labels={"app": "web"}, namespace="elsewhere"))
    assert _run(pinfo("w", affinity=anti), [n4])["n4"] is None


def test_preferred_scores() -> None:
    plugin = InterPodAffinity()
    a, b = node("a", labels={"zone": "a"}), node("b", labels={"zone": "b"})
    place(a, pinfo("cache", labels={"app": "cache"}))
    p = pinfo(
        "p",
        affinity={
            "podAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 5, "podAffinityTerm": _term("cache")}
                ]
            }
        },
    )
    state: CycleState = {}
    assert plugin.pre_score(state, p, [a, b]) is None
    scores = {n.name: plugin.score(state, p, n) for n in (a, b)}
    plugin.normalize(state, p, scores)
    assert scores == {"a": 100, "b": 0}
