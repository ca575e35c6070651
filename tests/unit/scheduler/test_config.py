import pytest

from scheduler.config import ConfigError, default_config, parse
from scheduler.plugins.node_resources_fit import MOST_ALLOCATED, NodeResourcesFit


def test_default_profile() -> None:
    profile = default_config().profiles["default-scheduler"]
    assert [f.name for f in profile.filters][:3] == ["NodeUnschedulable", "NodeName", "NodeReady"]
    weights = {p.name: w for p, w in profile.scores}
    assert weights["NodeResourcesFit"] == 1 and weights["TaintToleration"] == 3
    assert profile.preemption


def test_profiles_enable_disable_weights_and_args() -> None:
    config = parse(
        {
            "percentageOfNodesToScore": 30,
            "profiles": [
                {
                    "schedulerName": "default-scheduler",
                    "plugins": {
                        "filter": {"disabled": [{"name": "NodePorts"}]},
                        "postFilter": {"disabled": [{"name": "DefaultPreemption"}]},
                    },
                },
                {
                    "schedulerName": "packer",
                    "plugins": {
                        "score": {
                            "disabled": [{"name": "*"}],
                            "enabled": [{"name": "NodeResourcesFit", "weight": 7}],
                        }
                    },
                    "pluginConfig": [
                        {
                            "name": "NodeResourcesFit",
                            "args": {"scoringStrategy": {"type": "MostAllocated"}},
                        }
                    ],
                },
            ],
        }
    )
    default = config.profiles["default-scheduler"]
    assert "NodePorts" not in [f.name for f in default.filters] and not default.preemption
    packer = config.profiles["packer"]
    assert [(p.name, w) for p, w in packer.scores] == [("NodeResourcesFit", 7)]
    fit = packer.scores[0][0]
    assert isinstance(fit, NodeResourcesFit) and fit.strategy == MOST_ALLOCATED
    # one instance per plugin per profile, shared by filter and score
    assert any(f is fit for f in packer.filters)
    assert packer.percentage_of_nodes_to_score == 30


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"profiles": [{"plugins": {"score": {"enabled": [{"name": "Nope"}]}}}]}, "unknown plugin"),
        ({"profiles": [{}, {}]}, "duplicate profile"),
        ({"percentageOfNodesToScore": 200}, "percentageOfNodesToScore"),
        (
            {"profiles": [{"plugins": {"filter": {"enabled": [{"name": "ImageLocality"}]}}}]},
            "not a filter plugin",
        ),
        (
            {
                "profiles": [
                    {
                        "pluginConfig": [
                            {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "X"}}}
                        ]
                    }
                ]
            },
            "scoringStrategy",
        ),
    ],
)
def test_errors_name_the_problem(doc: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse(doc)
