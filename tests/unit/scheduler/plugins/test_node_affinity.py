import pytest

from minik8s.api.nodematch import expression_matches, term_matches
from scheduler.framework import SKIP
from scheduler.plugins.node_affinity import NodeAffinity, fits, preferred_score

from ..fixtures import node, pinfo


@pytest.mark.parametrize(
    ("op", "values", "labels", "expected"),
    [
        ("In", ["a", "b"], {"k": "a"}, True),
        ("In", ["a"], {}, False),
        ("NotIn", ["a"], {"k": "b"}, True),
        ("NotIn", ["a"], {}, True),
        ("Exists", [], {"k": ""}, True),
        ("DoesNotExist", [], {"k": "x"}, False),
        ("Gt", ["3"], {"k": "4"}, True),
        ("Gt", ["3"], {"k": "x"}, False),
        ("Lt", ["3"], {"k": "2"}, True),
        ("Lt", ["3"], {"k": "3"}, False),
    ],
)
def test_operators(op: str, values: list[str], labels: dict[str, str], expected: bool) -> None:
    assert expression_matches({"key": "k", "operator": op, "values": values}, labels) is expected


def test_match_fields_and_empty_term() -> None:
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
    assert term_matches(term, {}, "n1") and not term_matches(term, {}, "n2")
    assert not term_matches({}, {}, "n1")


def test_selector_and_required_terms_are_anded_terms_ored() -> None:
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
                ]
            }
        }
    }
    p = pinfo("p", nodeSelector={"disk": "ssd"}, affinity=affinity)
    assert fits(p, node(labels={"zone": "b", "disk": "ssd"}))
    assert not fits(p, node(labels={"zone": "b"}))
    assert not fits(p, node(labels={"zone": "c", "disk": "ssd"}))
    assert NodeAffinity().pre_filter({}, pinfo("q"), []) == SKIP


def test_preferred_weights_and_normalize() -> None:
    affinity = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 10,
                    "preference": {
                        "matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]
                    },
                },
                {
                    "weight": 30,
                    "preference": {"matchExpressions": [{"key": "disk", "operator": "Exists"}]},
                },
            ]
        }
    }
    p = pinfo("p", affinity=affinity)
    assert preferred_score(p, node(labels={"zone": "a", "disk": "x"})) == 40
    scores = {"a": 40, "b": 10, "c": 0}
    NodeAffinity().normalize({}, p, scores)
    assert scores == {"a": 100, "b": 25, "c": 0}
