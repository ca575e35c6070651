"""Docker labels ↔ CRI labels, annotations and names."""

from __future__ import annotations

from cridocker import labels as lbl


def test_encode_round_trips_labels_and_annotations() -> None:
    internal = {lbl.TYPE: lbl.SANDBOX, lbl.INSTANCE: "node1"}
    docker_labels = lbl.encode(internal, {"app": "web", "io.minik8s.cri.type": "x"}, {"a": "1"})
    # image labels land beside ours in Docker; they are not the CRI object's
    docker_labels["maintainer"] = "someone"
    assert docker_labels[lbl.TYPE] == lbl.SANDBOX  # a CRI label cannot override ours
    assert lbl.user_labels(docker_labels) == {"app": "web", "io.minik8s.cri.type": "x"}
    assert lbl.annotations_of(docker_labels) == {"a": "1"}
    assert lbl.user_labels(None) == {} and lbl.annotations_of(None) == {}


def test_selector_filters_use_the_prefixed_keys() -> None:
    assert lbl.selector_filters({"b": "2", "a": "1"}) == [
        "io.minik8s.cri.label.a=1",
        "io.minik8s.cri.label.b=2",
    ]


def test_attempt_is_lenient() -> None:
    assert lbl.attempt({lbl.SANDBOX_ATTEMPT: "3"}, lbl.SANDBOX_ATTEMPT) == 3
    assert lbl.attempt({lbl.SANDBOX_ATTEMPT: "x"}, lbl.SANDBOX_ATTEMPT) == 0
    assert lbl.attempt({}, lbl.SANDBOX_ATTEMPT) == 0


def test_names_follow_the_kubernetes_convention() -> None:
    assert lbl.sandbox_name("web", "default", "u-1", 2) == "k8s_POD_web_default_u-1_2"
    assert lbl.container_name("app", "web", "default", "u-1", 0) == "k8s_app_web_default_u-1_0"
    assert lbl.container_name("a b", "w/x", "ns", "u", 1) == "k8s_a-b_w-x_ns_u_1"
