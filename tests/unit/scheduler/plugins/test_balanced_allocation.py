from scheduler.plugins.balanced_allocation import balance_score

from ..fixtures import node, pinfo


def test_balanced_beats_lopsided() -> None:
    n = node(cpu="4", memory="4Gi")
    assert balance_score(pinfo("p", "2", "2Gi"), n) == 100
    assert balance_score(pinfo("p", "4", "400Mi"), n) < 60
