from scheduler.nodeinfo import DEFAULT_MEMORY, DEFAULT_MILLI_CPU, PodInfo, pod_requests

from .fixtures import node, pinfo, pod


def test_requests_sum_containers_max_init_and_overhead() -> None:
    spec = {
        "containers": [
            {"resources": {"requests": {"cpu": "100m", "memory": "1Gi"}}},
            {"resources": {"requests": {"cpu": "200m"}}},
        ],
        "initContainers": [{"resources": {"requests": {"cpu": "1", "memory": "10Mi"}}}],
        "overhead": {"cpu": "50m"},
    }
    total, nz_cpu, nz_mem = pod_requests(spec)
    assert total.milli_cpu == 1050 and total.memory == 1024**3 and total.pods == 1
    assert nz_cpu == 1000 and nz_mem == 1024**3 + DEFAULT_MEMORY


def test_nonzero_defaults_for_empty_requests() -> None:
    info = PodInfo(pod())
    assert info.requests.milli_cpu == 0
    assert (info.nz_cpu, info.nz_mem) == (DEFAULT_MILLI_CPU, DEFAULT_MEMORY)


def test_add_and_remove_pod_accounting() -> None:
    n = node()
    a = pinfo("a", "500m", "1Gi", ports=[{"containerPort": 80, "hostPort": 8080}])
    n.add_pod(a)
    n.add_pod(a)  # the same pod twice counts once
    assert n.requested.milli_cpu == 500 and len(n.pods) == 1
    assert ("0.0.0.0", "TCP", 8080) in n.used_ports
    n.remove_pod(a.key)
    assert n.requested.milli_cpu == 0 and not n.used_ports and n.nz_cpu == 0


def test_node_ready_and_allocatable() -> None:
    assert node(ready="True").ready and node().ready
    assert not node(ready="Unknown").ready
    assert node(cpu="1500m").allocatable.milli_cpu == 1500


def test_a_pod_on_a_node_keeps_what_was_parsed_and_leaves_the_original_alone() -> None:
    original = PodInfo(pod("p", "250m", "64Mi", ports=[{"containerPort": 80, "hostPort": 8080}]))
    bound = original.on_node("n1")
    assert bound.pod["spec"]["nodeName"] == "n1"
    assert "nodeName" not in original.pod["spec"]
    assert (bound.key, bound.requests, bound.ports) == (
        original.key,
        original.requests,
        original.ports,
    )
    assert bound.requests.milli_cpu == 250 and bound.ports == [("0.0.0.0", "TCP", 8080)]
