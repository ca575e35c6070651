"""The shim keeps no state: killed and restarted, it finds every pod and container again."""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest

from minik8s.cri import cri_pb2 as pb
from tests.integration.cri.helpers import (
    ShimProcess,
    container_config,
    container_status,
    pod_config,
    remove_pod,
    run_pod,
    start_container,
    wait_for,
)

pytestmark = pytest.mark.integration

# Prints tick 1, tick 2, ... every 50 ms until SIGTERM.
TICKER = "trap 'exit 0' TERM; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05 & wait; done"


def _snapshot(shim: ShimProcess) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    sandboxes = {
        (s.id, s.state, s.metadata.name, s.metadata.uid, tuple(sorted(s.labels.items())))
        for s in shim.rt.ListPodSandbox(pb.ListPodSandboxRequest()).items
    }
    containers = {
        (c.id, c.pod_sandbox_id, c.state, c.metadata.name, c.image.image, c.image_ref)
        for c in shim.rt.ListContainers(pb.ListContainersRequest()).containers
    }
    return sandboxes, containers


def _ticks(path: str) -> list[int]:
    try:
        with open(path, "rb") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    return [int(line.rsplit(b" ", 1)[1]) for line in lines if b" stdout F tick " in line]


def test_kill_and_restart_loses_nothing(own_shim: ShimProcess) -> None:
    shim = own_shim
    first, second = pod_config(shim, "alpha"), pod_config(shim, "beta")
    sandbox_a, sandbox_b = run_pod(shim, first), run_pod(shim, second)
    ticker = start_container(shim, sandbox_a, first, container_config("ticker", script=TICKER))
    created = shim.rt.CreateContainer(
        pb.CreateContainerRequest(
            pod_sandbox_id=sandbox_b, config=container_config("late"), sandbox_config=second
        )
    ).container_id
    log_path = container_status(shim, ticker).log_path
    wait_for(lambda: len(_ticks(log_path)) >= 3, 10, "the ticker's first lines in its log")
    before = _snapshot(shim)
    assert len(before[0]) == 2 and len(before[1]) == 2

    shim.kill()  # mid-way: one container created but not started, one writing logs
    written_while_down = len(_ticks(log_path))
    shim.start()

    assert _snapshot(shim) == before
    status = shim.rt.Status(pb.StatusRequest())
    assert all(c.status for c in status.status.conditions)  # the pod network is still there

    # Work goes on where it stopped: the created container starts in its sandbox.
    shim.rt.StartContainer(pb.StartContainerRequest(container_id=created))
    assert container_status(shim, created).state == pb.CONTAINER_RUNNING

    # The log copy resumed: output made while the shim was down arrives, nothing twice.
    wait_for(lambda: len(_ticks(log_path)) > written_while_down + 20, 15, "new ticks after restart")
    ticks = _ticks(log_path)
    assert ticks == list(range(1, len(ticks) + 1)), "lines lost or duplicated"

    remove_pod(shim, sandbox_a)
    remove_pod(shim, sandbox_b)
    assert _snapshot(shim) == (set(), set())


def test_sigterm_is_a_clean_shutdown(own_shim: ShimProcess) -> None:
    health = f"http://127.0.0.1:{own_shim.health_port}"
    assert httpx.get(f"{health}/healthz").text == "ok"
    own_shim.rt.Version(pb.VersionRequest())
    metrics = httpx.get(f"{health}/metrics").text
    assert 'cri_operations_total{code="OK",operation="Version"}' in metrics
    assert "cri_docker_engine_call_duration_seconds" in metrics

    assert own_shim.stop() == 0
    assert not own_shim.socket.exists()


def test_deadlines_are_honoured(shim: ShimProcess) -> None:
    config = pod_config(shim, "deadline")
    sandbox_id = run_pod(shim, config)
    # Ignores SIGTERM: a stop waits its whole grace period.
    stubborn = container_config("stubborn", script="trap '' TERM; while :; do sleep 1; done")
    container = start_container(shim, sandbox_id, config, stubborn)
    request = pb.StopContainerRequest(container_id=container, timeout=30)
    with pytest.raises(grpc.RpcError) as err:
        shim.rt.StopContainer(request, timeout=1.0)
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The shim still answers other calls at once while that stop goes on.
    assert shim.rt.Version(pb.VersionRequest(), timeout=5).runtime_name == "docker"
    shim.rt.StopContainer(pb.StopContainerRequest(container_id=container, timeout=0))
    assert container_status(shim, container).state == pb.CONTAINER_EXITED
    remove_pod(shim, sandbox_id)
