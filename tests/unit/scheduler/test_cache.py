from scheduler.cache import SchedulerCache
from scheduler.nodeinfo import NodeInfo, PodInfo

from .fixtures import pod


def _node_info(cache: SchedulerCache, name: str) -> NodeInfo:
    info = cache.node(name)
    assert info is not None
    return info


def _node(name: str) -> dict:
    return {"metadata": {"name": name}, "status": {"allocatable": {"cpu": "2", "pods": "10"}}}


def test_assume_confirm_forget() -> None:
    cache = SchedulerCache()
    cache.add_node(_node("n"))
    p = pod("p", "1", node="n")
    cache.assume(PodInfo(p), "n")
    assert _node_info(cache, "n").requested.milli_cpu == 1000 and cache.is_assumed("default/p")
    cache.forget("default/p")
    assert _node_info(cache, "n").requested.milli_cpu == 0
    cache.assume(PodInfo(p), "n")
    cache.add_pod(p)  # the informer confirms
    cache.forget("default/p")  # a late failure cannot undo a confirmed pod
    assert _node_info(cache, "n").requested.milli_cpu == 1000 and not cache.is_assumed("default/p")


def test_pods_before_their_node_and_terminal_pods() -> None:
    cache = SchedulerCache()
    cache.add_pod(pod("early", "1", node="later"))
    assert cache.node_list() == []
    cache.add_node(_node("later"))
    assert [n.name for n in cache.node_list()] == ["later"]
    assert _node_info(cache, "later").requested.milli_cpu == 1000
    done = pod("early", "1", node="later")
    done["status"] = {"phase": "Succeeded"}
    cache.update_pod(done)
    assert _node_info(cache, "later").requested.milli_cpu == 0
    cache.remove_node("later")
    assert cache.node_list() == []


def test_counts_pods_with_affinity_for_the_node_list() -> None:
    cache = SchedulerCache()
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {}, "topologyKey": "kubernetes.io/hostname"}
            ]
        }
    }
    cache.add_pod(pod("a", node="n", affinity=anti))  # before its node exists
    assert cache.node_list().pods_with_affinity == 0
    cache.add_node(_node("n"))
    assert cache.node_list().pods_with_affinity == 1
    cache.add_pod(pod("b", node="n"))
    cache.remove_pod("default/a")
    assert cache.node_list().pods_with_affinity == 0
    cache.add_pod(pod("c", node="n", affinity=anti))
    cache.remove_node("n")
    assert cache.node_list().pods_with_affinity == 0


def test_counts_tainted_cordoned_and_unready_nodes_as_they_change() -> None:
    cache = SchedulerCache()
    cache.add_node(_node("a"))
    cache.add_node(_node("b"))
    nodes = cache.node_list()
    assert (nodes.tainted, nodes.unschedulable, nodes.not_ready) == (0, 0, 0)
    tainted = {**_node("a"), "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}
    cache.update_node(tainted)
    cordoned = {**_node("b"), "spec": {"unschedulable": True}}
    cordoned["status"] = {
        **cordoned["status"],
        "conditions": [{"type": "Ready", "status": "False"}],
    }
    cache.update_node(cordoned)
    nodes = cache.node_list()
    assert (nodes.tainted, nodes.unschedulable, nodes.not_ready) == (1, 1, 1)
    cache.update_node(_node("a"))  # taint removed
    cache.remove_node("b")
    nodes = cache.node_list()
    assert (nodes.tainted, nodes.unschedulable, nodes.not_ready) == (0, 0, 0)


def test_a_confirmed_binding_keeps_its_accounting_and_takes_the_newer_object() -> None:
    cache = SchedulerCache()
    cache.add_node(_node("n"))
    cache.add_node(_node("m"))
    assumed = pod("a", "500m")
    cache.assume(PodInfo({**assumed, "spec": {**assumed["spec"], "nodeName": "n"}}), "n")
    bound = pod("a", "500m", node="n")
    bound["status"] = {"phase": "Pending", "conditions": [{"type": "PodScheduled"}]}
    cache.update_pod(bound)
    n = _node_info(cache, "n")
    assert not cache.is_assumed("default/a")
    assert n.requested.milli_cpu == 500 and n.pods["default/a"].pod is bound
    # bound elsewhere by someone else, with new labels: accounted where the informer says
    relabelled = pod("b", "250m", node="m", labels={"x": "y"})
    cache.assume(PodInfo(pod("b", "250m", node="n")), "n")
    cache.update_pod(relabelled)
    assert n.requested.milli_cpu == 500
    m = _node_info(cache, "m")
    assert m.requested.milli_cpu == 250 and m.pods["default/b"].labels == {"x": "y"}
