import pytest

from minik8s.api.nodematch import tolerates
from scheduler.framework import Code
from scheduler.plugins.taint_toleration import TaintToleration

from ..fixtures import node, pinfo

TAINT = {"key": "k", "value": "v", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [
        ({"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}, True),
        ({"key": "k", "value": "v"}, True),
        ({"key": "k", "operator": "Exists"}, True),
        ({"operator": "Exists"}, True),
        ({"key": "k", "value": "other"}, False),
        ({"key": "k", "operator": "Exists", "effect": "NoExecute"}, False),
        ({"value": "v"}, False),
    ],
)
def test_tolerates(toleration: dict[str, str], expected: bool) -> None:
    assert tolerates(toleration, TAINT) is expected


def test_filter_message_and_prefer_no_schedule_scoring() -> None:
    plugin = TaintToleration()
    status = plugin.filter({}, pinfo(), node(taints=[TAINT]))
    assert status is not None and status.code == Code.UNRESOLVABLE
    assert status.reasons == ("node(s) had untolerated taint {k: v}",)
    soft = node("soft", taints=[{"key": "s", "effect": "PreferNoSchedule"}])
    assert plugin.filter({}, pinfo(), soft) is None
    scores = {"soft": plugin.score({}, pinfo(), soft), "clean": plugin.score({}, pinfo(), node())}
    plugin.normalize({}, pinfo(), scores)
    assert scores == {"soft": 0, "clean": 100}
