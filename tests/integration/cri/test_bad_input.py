"""Bad input answers precise gRPC codes: NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from minik8s.cri import cri_pb2 as pb
from tests.integration.cri.helpers import (
    ShimProcess,
    container_config,
    pod_config,
    remove_pod,
    run_pod,
)

pytestmark = pytest.mark.integration

UNKNOWN = "f" * 64


def _code(call: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code(), err.value.details() or ""


def test_unknown_ids_are_not_found(shim: ShimProcess) -> None:
    rt = shim.rt
    calls: list[Callable[[], Any]] = [
        lambda: rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=UNKNOWN)),
        lambda: rt.ContainerStatus(pb.ContainerStatusRequest(container_id=UNKNOWN)),
        lambda: rt.StartContainer(pb.StartContainerRequest(container_id=UNKNOWN)),
        lambda: rt.ExecSync(pb.ExecSyncRequest(container_id=UNKNOWN, cmd=["true"])),
        lambda: rt.ContainerStats(pb.ContainerStatsRequest(container_id=UNKNOWN)),
        lambda: rt.CreateContainer(
            pb.CreateContainerRequest(pod_sandbox_id=UNKNOWN, config=container_config("c"))
        ),
    ]
    for call in calls:
        code, message = _code(call)
        assert code == grpc.StatusCode.NOT_FOUND
        assert UNKNOWN in message


def test_a_sandbox_id_is_not_a_container_id(shim: ShimProcess) -> None:
    config = pod_config(shim, "kinds")
    sandbox_id = run_pod(shim, config)
    code, _ = _code(
        lambda: shim.rt.ContainerStatus(pb.ContainerStatusRequest(container_id=sandbox_id))
    )
    assert code == grpc.StatusCode.NOT_FOUND
    remove_pod(shim, sandbox_id)


def test_missing_image_names_the_image(shim: ShimProcess) -> None:
    config = pod_config(shim, "noimage")
    sandbox_id = run_pod(shim, config)
    image = "minik8s/does-not-exist:v9"
    code, message = _code(
        lambda: shim.rt.CreateContainer(
            pb.CreateContainerRequest(
                pod_sandbox_id=sandbox_id,
                config=container_config("c", image=image),
                sandbox_config=config,
            )
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert image in message and "pull" in message
    remove_pod(shim, sandbox_id)


def _bad_container_configs() -> list[tuple[str, pb.ContainerConfig]]:
    no_name = container_config("x")
    no_name.metadata.name = ""
    no_image = container_config("x", image="")
    relative_mount = container_config(
        "x", mounts=[pb.Mount(container_path="data", host_path="/tmp")]
    )
    negative_memory = container_config("x")
    negative_memory.linux.resources.memory_limit_in_bytes = -1
    tiny_memory = container_config("x")
    tiny_memory.linux.resources.memory_limit_in_bytes = 1024
    bad_env = container_config("x", envs=[pb.KeyValue(key="A=B", value="c")])
    return [
        ("config.metadata.name", no_name),
        ("config.image.image", no_image),
        ("config.mounts[0].container_path", relative_mount),
        ("config.linux.resources.memory_limit_in_bytes", negative_memory),
        ("config.linux.resources.memory_limit_in_bytes", tiny_memory),
        ("config.envs[0].key", bad_env),
    ]


def test_invalid_configs_are_invalid_argument(shim: ShimProcess) -> None:
    config = pod_config(shim, "invalid")
    sandbox_id = run_pod(shim, config)
    for field_path, bad in _bad_container_configs():
        request = pb.CreateContainerRequest(
            pod_sandbox_id=sandbox_id, config=bad, sandbox_config=config
        )
        code, message = _code(functools.partial(shim.rt.CreateContainer, request))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, field_path
        assert field_path in message

    no_uid = pod_config(shim, "nouid")
    no_uid.metadata.uid = ""
    bad_port = pod_config(shim, "badport")
    bad_port.port_mappings.append(pb.PortMapping(container_port=70000))
    for field_path, bad_pod in [("config.metadata.uid", no_uid), ("container_port", bad_port)]:
        code, message = _code(functools.partial(run_pod, shim, bad_pod))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert field_path in message

    code, message = _code(
        lambda: shim.rt.UpdateRuntimeConfig(
            pb.UpdateRuntimeConfigRequest(
                runtime_config=pb.RuntimeConfig(
                    network_config=pb.NetworkConfig(pod_cidr="10.244.1.7/24")
                )
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "pod_cidr" in message
    code, _ = _code(lambda: shim.rt.ExecSync(pb.ExecSyncRequest(container_id=sandbox_id)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT  # no command
    remove_pod(shim, sandbox_id)


def test_create_in_a_stopped_sandbox_is_a_failed_precondition(shim: ShimProcess) -> None:
    config = pod_config(shim, "stopped")
    sandbox_id = run_pod(shim, config)
    shim.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id))
    code, message = _code(
        lambda: shim.rt.CreateContainer(
            pb.CreateContainerRequest(
                pod_sandbox_id=sandbox_id, config=container_config("c"), sandbox_config=config
            )
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "not ready" in message
    remove_pod(shim, sandbox_id)


def test_pod_cidr_cannot_change_under_running_sandboxes(shim: ShimProcess) -> None:
    config = pod_config(shim, "cidr")
    sandbox_id = run_pod(shim, config)
    shim.set_pod_cidr()  # the same CIDR again: fine
    code, message = _code(
        lambda: shim.rt.UpdateRuntimeConfig(
            pb.UpdateRuntimeConfigRequest(
                runtime_config=pb.RuntimeConfig(
                    network_config=pb.NetworkConfig(pod_cidr="10.244.251.0/24")
                )
            )
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert shim.pod_cidr in message
    remove_pod(shim, sandbox_id)


def test_missing_pause_image_and_missing_network_are_clear(own_shim: ShimProcess) -> None:
    own_shim.stop()
    own_shim.extra = ["--pause-image", "minik8s/no-such-pause:latest"]
    own_shim.start()
    code, message = _code(lambda: run_pod(own_shim, pod_config(own_shim, "nopause")))
    assert code == grpc.StatusCode.NOT_FOUND
    assert "minik8s/no-such-pause:latest" in message

    own_shim.stop()
    own_shim.extra = ["--network-name", own_shim.network + "-missing"]
    own_shim.start()
    code, message = _code(lambda: run_pod(own_shim, pod_config(own_shim, "nonet")))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "UpdateRuntimeConfig" in message
    status = own_shim.rt.Status(pb.StatusRequest())
    conditions = {c.type: c.status for c in status.status.conditions}
    assert conditions == {"RuntimeReady": True, "NetworkReady": False}
