"""Pods through the shim on the real Docker engine: network, lifecycle, lists, logs."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
from pathlib import Path

import docker
import grpc
import httpx
import pytest

from cridocker.network import bridge_name, ports_without_hairpin
from minik8s.cri import cri_pb2 as pb
from tests.integration.cri.helpers import (
    IDLE,
    ShimProcess,
    container_config,
    container_status,
    exec_sync,
    pod_config,
    remove_pod,
    run_pod,
    start_container,
    wait_exited,
    wait_for,
)

pytestmark = pytest.mark.integration


def test_two_container_pod_shares_network_and_gets_an_ip_from_the_pod_cidr(
    shim: ShimProcess, docker_api: docker.APIClient
) -> None:
    config = pod_config(shim, "web")
    sandbox_id = run_pod(shim, config)
    server = start_container(
        shim, sandbox_id, config, container_config("server", "minik8s/httpd:latest", None)
    )
    client = start_container(shim, sandbox_id, config, container_config("client"))

    status = shim.rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id))
    assert status.status.state == pb.SANDBOX_READY
    pod_ip = status.status.network.ip
    assert ipaddress.ip_address(pod_ip) in ipaddress.ip_network(shim.pod_cidr)

    # The client reaches the server on localhost: one network namespace.
    def served() -> bytes | None:
        reply = exec_sync(
            shim, client, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080"
        )
        return reply.stdout if b"200 OK" in reply.stdout else None

    body = wait_for(served, 15, "the server to answer on localhost")
    assert body.rstrip().endswith(b"web latest")  # hostname of the pod, image tag

    # Both see the pod's hostname, resolv.conf and IP.
    for container in (server, client):
        assert exec_sync(shim, container, "hostname").stdout == b"web\n"
        resolv = exec_sync(shim, container, "cat", "/etc/resolv.conf").stdout.decode()
        assert "nameserver 10.96.0.10" in resolv
        assert "search default.svc.cluster.local" in resolv
        assert "options ndots:5" in resolv
        addresses = exec_sync(shim, container, "ip", "-4", "addr").stdout.decode()
        assert f"inet {pod_ip}/" in addresses

    # The node (this test, on the pod bridge's gateway) reaches the pod's IP.
    reply = wait_for(
        lambda: _get(f"http://{pod_ip}:8080/"), 15, "the pod IP to answer from the node"
    )
    assert reply == "web latest\n"

    # The sandbox's bridge port is in hairpin mode: the pod may reach itself via a Service.
    bridge = bridge_name(docker_api.inspect_network(shim.network))
    ports = json.loads(
        subprocess.run(
            ["ip", "-j", "-d", "link", "show", "master", bridge],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert ports and not ports_without_hairpin(ports, bridge), ports

    inspect = docker_api.inspect_container(client)
    assert inspect["HostConfig"]["NetworkMode"] == f"container:{sandbox_id}"
    assert inspect["HostConfig"]["IpcMode"] == f"container:{sandbox_id}"
    remove_pod(shim, sandbox_id)


def _get(url: str) -> str | None:
    try:
        return httpx.get(url, timeout=2).text
    except httpx.HTTPError:
        return None


def test_host_network_pod_uses_the_host_network(
    shim: ShimProcess, docker_api: docker.APIClient
) -> None:
    config = pod_config(shim, "hostnet", host_network=True)
    sandbox_id = run_pod(shim, config)
    container = start_container(shim, sandbox_id, config, container_config("main"))
    status = shim.rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id))
    assert status.status.network.ip == ""  # the kubelet uses the node's IP
    assert status.status.linux.namespaces.options.network == pb.NODE
    assert docker_api.inspect_container(sandbox_id)["HostConfig"]["NetworkMode"] == "host"
    assert docker_api.inspect_container(container)["HostConfig"]["NetworkMode"] == "host"
    remove_pod(shim, sandbox_id)


def test_stop_and_remove_are_idempotent(shim: ShimProcess) -> None:
    config = pod_config(shim, "idem")
    sandbox_id = run_pod(shim, config)
    container = start_container(shim, sandbox_id, config, container_config("main"))

    for _ in range(2):
        shim.rt.StopContainer(pb.StopContainerRequest(container_id=container, timeout=5))
    assert container_status(shim, container).state == pb.CONTAINER_EXITED
    for _ in range(2):
        shim.rt.RemoveContainer(pb.RemoveContainerRequest(container_id=container))
    with pytest.raises(grpc.RpcError) as err:
        container_status(shim, container)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND

    for _ in range(2):
        shim.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id))
    status = shim.rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id))
    assert status.status.state == pb.SANDBOX_NOTREADY
    assert status.status.network.ip == ""  # released
    for _ in range(2):
        shim.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id))
    with pytest.raises(grpc.RpcError) as err:
        shim.rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND

    # IDs that never existed: success as well.
    shim.rt.StopContainer(pb.StopContainerRequest(container_id="0" * 64))
    shim.rt.RemoveContainer(pb.RemoveContainerRequest(container_id="0" * 64))
    shim.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id="0" * 64))
    shim.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id="0" * 64))


def test_remove_pod_sandbox_removes_its_running_containers(shim: ShimProcess) -> None:
    config = pod_config(shim, "rm")
    sandbox_id = run_pod(shim, config)
    container = start_container(shim, sandbox_id, config, container_config("main"))
    shim.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id))
    listed = shim.rt.ListContainers(
        pb.ListContainersRequest(filter=pb.ContainerFilter(pod_sandbox_id=sandbox_id))
    )
    assert list(listed.containers) == []
    with pytest.raises(grpc.RpcError) as err:
        container_status(shim, container)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_list_filters(shim: ShimProcess) -> None:
    first, second = pod_config(shim, "lista", tier="a"), pod_config(shim, "listb", tier="b")
    sandbox_a, sandbox_b = run_pod(shim, first), run_pod(shim, second)
    running = start_container(shim, sandbox_a, first, container_config("run", labels={"role": "x"}))
    done = start_container(
        shim, sandbox_a, first, container_config("done", script="true", labels={"role": "y"})
    )
    other = start_container(shim, sandbox_b, second, container_config("other"))
    wait_exited(shim, done)

    def containers(**kw: object) -> set[str]:
        flt = pb.ContainerFilter(**kw)  # type: ignore[arg-type]
        return {
            c.id for c in shim.rt.ListContainers(pb.ListContainersRequest(filter=flt)).containers
        }

    assert {running, done, other} <= containers()
    assert containers(pod_sandbox_id=sandbox_a) == {running, done}
    assert containers(id=running) == {running}
    assert containers(id=running[:12]) == {running}  # a unique prefix
    state = pb.ContainerStateValue(state=pb.CONTAINER_EXITED)
    assert containers(pod_sandbox_id=sandbox_a, state=state) == {done}
    state = pb.ContainerStateValue(state=pb.CONTAINER_RUNNING)
    assert containers(pod_sandbox_id=sandbox_a, state=state) == {running}
    assert containers(label_selector={"role": "y"}) == {done}
    assert containers(label_selector={"io.kubernetes.container.name": "other"}) == {other}
    assert containers(label_selector={"role": "nope"}) == set()

    listed = shim.rt.ListContainers(pb.ListContainersRequest(filter=pb.ContainerFilter(id=done)))
    item = listed.containers[0]
    assert item.pod_sandbox_id == sandbox_a
    assert item.metadata.name == "done"
    assert item.image.image == "minik8s/busybox:latest"
    assert item.image_ref.startswith("sha256:")
    assert dict(item.labels) == {"io.kubernetes.container.name": "done", "role": "y"}

    def sandboxes(**kw: object) -> set[str]:
        flt = pb.PodSandboxFilter(**kw)  # type: ignore[arg-type]
        return {s.id for s in shim.rt.ListPodSandbox(pb.ListPodSandboxRequest(filter=flt)).items}

    assert {sandbox_a, sandbox_b} <= sandboxes()
    assert sandboxes(label_selector={"tier": "a"}) == {sandbox_a}
    assert sandboxes(id=sandbox_b) == {sandbox_b}
    shim.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_b))
    not_ready = pb.PodSandboxStateValue(state=pb.SANDBOX_NOTREADY)
    ready = pb.PodSandboxStateValue(state=pb.SANDBOX_READY)
    assert sandbox_b in sandboxes(state=not_ready)
    assert sandbox_b not in sandboxes(state=ready)
    assert sandbox_a in sandboxes(state=ready)

    item = shim.rt.ListPodSandbox(
        pb.ListPodSandboxRequest(filter=pb.PodSandboxFilter(id=sandbox_a))
    ).items[0]
    assert item.metadata.name == "lista"
    assert item.metadata.uid == first.metadata.uid
    assert item.labels["tier"] == "a"
    assert dict(item.annotations) == {"test": "yes"}
    remove_pod(shim, sandbox_a)
    remove_pod(shim, sandbox_b)


def test_exit_codes_and_reasons(shim: ShimProcess) -> None:
    config = pod_config(shim, "exits")
    sandbox_id = run_pod(shim, config)
    completed = start_container(shim, sandbox_id, config, container_config("ok", script="true"))
    failed = start_container(shim, sandbox_id, config, container_config("bad", script="exit 3"))
    hog = container_config("hog", script="tail /dev/zero")  # buffers an endless line
    hog.linux.resources.memory_limit_in_bytes = 8 * 1024 * 1024
    oom = start_container(shim, sandbox_id, config, hog)

    status = wait_exited(shim, completed)
    assert (status.exit_code, status.reason) == (0, "Completed")
    assert status.started_at > 0 and status.finished_at >= status.started_at
    status = wait_exited(shim, failed)
    assert (status.exit_code, status.reason) == (3, "Error")
    status = wait_exited(shim, oom)
    assert (status.exit_code, status.reason) == (137, "OOMKilled")
    remove_pod(shim, sandbox_id)


def test_exec_sync_output_exit_code_and_timeout(shim: ShimProcess) -> None:
    config = pod_config(shim, "exec")
    sandbox_id = run_pod(shim, config)
    container = start_container(shim, sandbox_id, config, container_config("main"))

    reply = exec_sync(shim, container, "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (reply.stdout, reply.stderr, reply.exit_code) == (b"out\n", b"err\n", 7)
    missing = exec_sync(shim, container, "no-such-command")
    assert missing.exit_code != 0

    with pytest.raises(grpc.RpcError) as err:
        exec_sync(shim, container, "sleep", "30", timeout=1)
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "timed out after 1s" in (err.value.details() or "")

    shim.rt.StopContainer(pb.StopContainerRequest(container_id=container, timeout=5))
    with pytest.raises(grpc.RpcError) as err:
        exec_sync(shim, container, "true")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    remove_pod(shim, sandbox_id)


def test_stats_report_memory_and_cpu(shim: ShimProcess) -> None:
    config = pod_config(shim, "stats")
    sandbox_id = run_pod(shim, config)
    # 16 MiB on the pod's /dev/shm is charged to the container's memory cgroup.
    script = f"dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null; {IDLE}"
    container = start_container(shim, sandbox_id, config, container_config("main", script=script))

    def sample() -> pb.ContainerStats | None:
        stats = shim.rt.ContainerStats(pb.ContainerStatsRequest(container_id=container)).stats
        return stats if stats.memory.working_set_bytes.value >= 16 * 1024 * 1024 else None

    stats = wait_for(sample, 15, "the container's working set to reach 16 MiB")
    assert stats.attributes.id == container
    assert stats.attributes.metadata.name == "main"
    assert stats.memory.usage_bytes.value >= stats.memory.working_set_bytes.value
    assert stats.cpu.usage_core_nano_seconds.value > 0
    assert stats.cpu.timestamp > 0
    second = shim.rt.ContainerStats(pb.ContainerStatsRequest(container_id=container)).stats
    assert second.cpu.HasField("usage_nano_cores")  # a rate from two samples

    listed = shim.rt.ListContainerStats(
        pb.ListContainerStatsRequest(filter=pb.ContainerStatsFilter(pod_sandbox_id=sandbox_id))
    )
    assert [s.attributes.id for s in listed.stats] == [container]
    remove_pod(shim, sandbox_id)


_CRI_LINE = re.compile(rb"^(\S+) (stdout|stderr) (F|P) (.*)$")


def test_container_logs_in_cri_format(shim: ShimProcess) -> None:
    config = pod_config(shim, "logs")
    sandbox_id = run_pod(shim, config)
    script = "echo one; echo two >&2; printf 'no newline'"
    container = start_container(shim, sandbox_id, config, container_config("main", script=script))
    wait_exited(shim, container)
    path = container_status(shim, container).log_path
    assert path == f"{config.log_directory}/main/0.log"

    def lines() -> list[tuple[bytes, ...]] | None:
        try:
            with open(path, "rb") as f:
                found = [_CRI_LINE.match(line) for line in f.read().splitlines()]
        except FileNotFoundError:
            return None
        parsed = [m.groups()[1:] for m in found if m]
        return parsed if len(parsed) == 3 else None

    try:
        found = wait_for(lines, 10, "three lines in the CRI log")
    except AssertionError:
        content = Path(path).read_bytes() if os.path.exists(path) else b"(none)"
        raise AssertionError(f"CRI log {path}: {content!r}\nshim log:\n{shim.tail()}") from None
    assert sorted(found) == sorted(
        [(b"stdout", b"F", b"one"), (b"stderr", b"F", b"two"), (b"stdout", b"P", b"no newline")]
    )
    remove_pod(shim, sandbox_id)


def test_container_config_is_applied(
    shim: ShimProcess, docker_api: docker.APIClient, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "hello.txt").write_text("from the host\n")
    config = pod_config(shim, "conf")
    sandbox_id = run_pod(shim, config)
    c = container_config(
        "main",
        working_dir="/tmp",
        envs=[pb.KeyValue(key="GREETING", value="hi there")],
        mounts=[pb.Mount(container_path="/data", host_path=str(data), readonly=True)],
        annotations={"note": "kept"},
    )
    c.args.extend(["ignored-by-sh-c"])
    resources = c.linux.resources
    resources.cpu_shares, resources.cpu_quota, resources.cpu_period = 512, 50000, 100000
    resources.memory_limit_in_bytes = 64 * 1024 * 1024
    security = c.linux.security_context
    security.run_as_user.value = 65534
    security.readonly_rootfs = True
    security.capabilities.drop_capabilities.append("NET_RAW")
    container = start_container(shim, sandbox_id, config, c)

    assert exec_sync(shim, container, "id", "-u").stdout == b"65534\n"
    assert exec_sync(shim, container, "pwd").stdout == b"/tmp\n"
    assert exec_sync(shim, container, "sh", "-c", "echo $GREETING").stdout == b"hi there\n"
    assert exec_sync(shim, container, "cat", "/data/hello.txt").stdout == b"from the host\n"
    assert exec_sync(shim, container, "touch", "/data/new").exit_code != 0  # read-only bind
    assert exec_sync(shim, container, "touch", "/rootfs-file").exit_code != 0  # read-only root

    host = docker_api.inspect_container(container)["HostConfig"]
    assert (host["CpuShares"], host["CpuQuota"], host["CpuPeriod"]) == (512, 50000, 100000)
    assert host["Memory"] == host["MemorySwap"] == 64 * 1024 * 1024
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["CAP_NET_RAW"]

    status = container_status(shim, container)
    assert dict(status.annotations) == {"note": "kept"}
    assert [(m.container_path, m.host_path, m.readonly) for m in status.mounts] == [
        ("/data", str(data), True)
    ]
    remove_pod(shim, sandbox_id)
