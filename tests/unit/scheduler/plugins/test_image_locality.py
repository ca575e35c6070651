from scheduler.framework import CycleState
from scheduler.plugins.image_locality import MB, ImageLocality

from ..fixtures import node, pinfo


def test_prefers_node_with_big_image() -> None:
    with_image = node("a", images=[{"names": ["img:latest"], "sizeBytes": 500 * MB}])
    without = node("b", images=[{"names": ["other"], "sizeBytes": 500 * MB}])
    plugin = ImageLocality()
    state: CycleState = {}
    p = pinfo("p")
    assert plugin.pre_score(state, p, [with_image, without]) is None
    assert plugin.score(state, p, with_image) > plugin.score(state, p, without) == 0
