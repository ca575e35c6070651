"""NodeName, NodeUnschedulable, NodeReady, NodePorts."""

from scheduler.framework import SKIP, Code
from scheduler.plugins import node_name, node_ports, node_ready, node_unschedulable

from ..fixtures import node, pinfo, place


def test_node_name() -> None:
    plugin = node_name.NodeName()
    assert plugin.pre_filter({}, pinfo("p"), []) == SKIP
    p = pinfo("p", nodeName="a")
    assert plugin.filter({}, p, node("a")) is None
    status = plugin.filter({}, p, node("b"))
    assert status is not None and status.code == Code.UNRESOLVABLE


def test_node_unschedulable_and_toleration() -> None:
    plugin = node_unschedulable.NodeUnschedulable()
    cordoned = node(unschedulable=True)
    status = plugin.filter({}, pinfo("p"), cordoned)
    assert status is not None and status.reasons == ("node(s) were unschedulable",)
    tolerant = pinfo(
        "t",
        tolerations=[
            {
                "key": "node.kubernetes.io/unschedulable",
                "operator": "Exists",
                "effect": "NoSchedule",
            }
        ],
    )
    assert plugin.filter({}, tolerant, cordoned) is None


def test_node_ready() -> None:
    assert node_ready.NodeReady().filter({}, pinfo(), node(ready="False")) is not None
    assert node_ready.NodeReady().filter({}, pinfo(), node(ready="True")) is None


def test_node_ports_conflicts() -> None:
    plugin = node_ports.NodePorts()
    used = place(node(), pinfo("a", ports=[{"containerPort": 1, "hostPort": 80}]))
    assert plugin.pre_filter({}, pinfo("none"), []) == SKIP
    same = pinfo("b", ports=[{"containerPort": 1, "hostPort": 80}])
    other_proto = pinfo("c", ports=[{"containerPort": 1, "hostPort": 80, "protocol": "UDP"}])
    specific_ip = pinfo("d", ports=[{"containerPort": 1, "hostPort": 80, "hostIP": "10.0.0.1"}])
    assert plugin.filter({}, same, used) is not None
    assert plugin.filter({}, other_proto, used) is None
    assert plugin.filter({}, specific_ip, used) is not None
