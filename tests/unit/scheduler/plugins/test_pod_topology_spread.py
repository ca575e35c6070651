from scheduler.framework import SKIP, Code, CycleState
from scheduler.plugins.pod_topology_spread import MISSING_LABEL, PodTopologySpread

from ..fixtures import node, pinfo, place


def _constraint(when: str = "DoNotSchedule", skew: int = 1) -> dict:
    return {
        "maxSkew": skew,
        "topologyKey": "zone",
        "whenUnsatisfiable": when,
        "labelSelector": {"matchLabels": {"app": "db"}},
    }


def test_filter_max_skew() -> None:
    a = place(node("a", labels={"zone": "a"}), pinfo("d1", labels={"app": "db"}))
    b = node("b", labels={"zone": "b"})
    bare = node("bare")
    p = pinfo("p", labels={"app": "db"}, topologySpreadConstraints=[_constraint()])
    plugin = PodTopologySpread()
    state: CycleState = {}
    assert plugin.pre_filter(state, p, [a, b, bare]) is None
    status = plugin.filter(state, p, a)
    assert status is not None and status.code == Code.UNSCHEDULABLE
    assert plugin.filter(state, p, b) is None
    missing = plugin.filter(state, p, bare)
    assert missing is not None and missing.reasons == (MISSING_LABEL,)


def test_skew_two_allows_uneven() -> None:
    a = place(node("a", labels={"zone": "a"}), pinfo("d1", labels={"app": "db"}))
    b = node("b", labels={"zone": "b"})
    p = pinfo("p", labels={"app": "db"}, topologySpreadConstraints=[_constraint(skew=2)])
    plugin = PodTopologySpread()
    state: CycleState = {}
    plugin.pre_filter(state, p, [a, b])
    assert plugin.filter(state, p, a) is None


def test_schedule_anyway_scores_emptier_domain() -> None:
    a = place(node("a", labels={"zone": "a"}), pinfo("d1", labels={"app": "db"}))
    b = node("b", labels={"zone": "b"})
    p = pinfo("p", labels={"app": "db"}, topologySpreadConstraints=[_constraint("ScheduleAnyway")])
    plugin = PodTopologySpread()
    state: CycleState = {}
    assert plugin.pre_filter(state, p, [a, b]) == SKIP
    assert plugin.pre_score(state, p, [a, b]) is None
    scores = {n.name: plugin.score(state, p, n) for n in (a, b)}
    plugin.normalize(state, p, scores)
    assert scores == {"a": 0, "b": 100}
