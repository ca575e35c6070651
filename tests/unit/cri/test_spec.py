"""CRI configs → Docker create parameters."""

from __future__ import annotations

import grpc
import pytest

from cridocker import labels as lbl
from cridocker.errors import CRIError
from cridocker.spec import (
    SandboxView,
    container_log_path,
    container_spec,
    namespace_modes,
    parse_namespace_modes,
    resolv_conf,
    sandbox_spec,
)
from minik8s.cri import cri_pb2 as pb


def _pod(**kw: object) -> pb.PodSandboxConfig:
    config = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name="web", namespace="prod", uid="u-1", attempt=1),
        hostname="web",
        log_directory="/var/log/pods/u-1",
        labels={"app": "web"},
        annotations={"note": "x"},
        **kw,  # type: ignore[arg-type]
    )
    return config


def _sandbox(config: pb.PodSandboxConfig, **kw: object) -> object:
    return sandbox_spec(config, instance="n1", pause_image="pause:1", network="pods", **kw)  # type: ignore[arg-type]


def test_sandbox_on_the_pod_network() -> None:
    spec = sandbox_spec(_pod(), instance="n1", pause_image="pause:1", network="pods")
    assert spec.name == "k8s_POD_web_prod_u-1_1"
    assert spec.image == "pause:1"
    assert spec.hostname == "web"
    assert spec.host_config["network_mode"] == "pods"
    assert spec.host_config["ipc_mode"] == "shareable"
    assert "pid_mode" not in spec.host_config
    labels = spec.labels
    assert labels[lbl.TYPE] == lbl.SANDBOX and labels[lbl.INSTANCE] == "n1"
    assert (labels[lbl.POD_NAME], labels[lbl.POD_NAMESPACE], labels[lbl.POD_UID]) == (
        "web",
        "prod",
        "u-1",
    )
    assert labels[lbl.SANDBOX_ATTEMPT] == "1"
    assert labels[lbl.LOG_DIRECTORY] == "/var/log/pods/u-1"
    assert labels[lbl.NAMESPACES] == "POD,POD,POD"
    assert lbl.user_labels(labels) == {"app": "web"}
    assert lbl.annotations_of(labels) == {"note": "x"}


def test_host_network_sandbox_has_no_hostname_and_host_namespaces() -> None:
    config = _pod()
    options = config.linux.security_context.namespace_options
    options.network, options.pid, options.ipc = pb.NODE, pb.NODE, pb.NODE
    spec = sandbox_spec(config, instance="n1", pause_image="p", network="pods")
    assert spec.hostname is None
    assert spec.host_config["network_mode"] == "host"
    assert spec.host_config["pid_mode"] == "host"
    assert spec.host_config["ipc_mode"] == "host"


def test_sandbox_ports_security_and_sysctls() -> None:
    config = _pod(
        port_mappings=[
            pb.PortMapping(container_port=8080, host_port=30080),
            pb.PortMapping(protocol=pb.UDP, container_port=53, host_port=5353, host_ip="127.0.0.1"),
            pb.PortMapping(container_port=9090),  # not published
        ]
    )
    config.linux.sysctls["net.ipv4.ip_unprivileged_port_start"] = "0"
    config.linux.cgroup_parent = "/kubepods"
    config.linux.security_context.run_as_user.value = 0
    config.linux.security_context.privileged = True
    spec = sandbox_spec(config, instance="n1", pause_image="p", network="pods")
    assert spec.ports == [(8080, "tcp"), (53, "udp")]
    assert spec.host_config["port_bindings"] == {
        "8080/tcp": [("0.0.0.0", 30080)],
        "53/udp": [("127.0.0.1", 5353)],
    }
    assert spec.host_config["sysctls"] == {"net.ipv4.ip_unprivileged_port_start": "0"}
    assert spec.host_config["cgroup_parent"] == "/kubepods"
    assert spec.host_config["privileged"] is True
    assert spec.user == "0"  # set to 0 is root, not "unset"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: setattr(c.metadata, "name", ""), "config.metadata.name"),
        (lambda c: setattr(c.metadata, "namespace", ""), "config.metadata.namespace"),
        (lambda c: setattr(c.metadata, "uid", ""), "config.metadata.uid"),
        (lambda c: setattr(c, "log_directory", "relative"), "config.log_directory"),
        (
            lambda c: c.port_mappings.append(pb.PortMapping(container_port=0)),
            "config.port_mappings[0].container_port",
        ),
        (
            lambda c: c.port_mappings.append(pb.PortMapping(container_port=1, host_port=70000)),
            "config.port_mappings[0].host_port",
        ),
        (
            lambda c: setattr(c.linux.security_context.namespace_options, "network", pb.TARGET),
            "namespace_options.network",
        ),
    ],
)
def test_invalid_sandbox_configs(mutate: object, field: str) -> None:
    config = _pod()
    mutate(config)  # type: ignore[operator]
    with pytest.raises(CRIError) as err:
        sandbox_spec(config, instance="n1", pause_image="p", network="pods")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in err.value.message


def test_resolv_conf() -> None:
    assert resolv_conf(pb.DNSConfig()) is None
    dns = pb.DNSConfig(servers=["10.96.0.10", "1.1.1.1"], searches=["a", "b"], options=["ndots:5"])
    assert resolv_conf(dns) == (
        "nameserver 10.96.0.10\nnameserver 1.1.1.1\nsearch a b\noptions ndots:5\n"
    )


def test_namespace_modes_round_trip() -> None:
    options = pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD)
    assert namespace_modes(options) == "NODE,CONTAINER,POD"
    assert parse_namespace_modes("NODE,CONTAINER,POD") == options
    assert parse_namespace_modes("garbage") == pb.NamespaceOption()
    assert parse_namespace_modes(None) == pb.NamespaceOption()


SANDBOX = SandboxView(
    id="s" * 64,
    labels={
        lbl.POD_NAME: "web",
        lbl.POD_NAMESPACE: "prod",
        lbl.POD_UID: "u-1",
        lbl.NAMESPACES: "POD,CONTAINER,POD",
    },
    host_network=False,
    running=True,
)


def _container(**kw: object) -> pb.ContainerConfig:
    return pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name="app", attempt=2),
        image=pb.ImageSpec(image="busybox:1"),
        **kw,  # type: ignore[arg-type]
    )


def test_container_joins_the_sandbox() -> None:
    config = _container(
        command=["sh", "-c"],
        args=["echo hi"],
        working_dir="/w",
        envs=[pb.KeyValue(key="A", value="1=2")],
        labels={"k": "v"},
        tty=True,
        stdin=True,
    )
    config.linux.security_context.namespace_options.pid = pb.CONTAINER
    spec = container_spec(config, SANDBOX, instance="n1", log_path="/logs/app/2.log")
    joined = f"container:{SANDBOX.id}"
    assert spec.name == "k8s_app_web_prod_u-1_2"
    assert spec.host_config["network_mode"] == joined
    assert spec.host_config["ipc_mode"] == joined
    assert "pid_mode" not in spec.host_config  # CONTAINER: its own
    assert spec.entrypoint == ["sh", "-c"] and spec.command == ["echo hi"]
    assert spec.environment == ["A=1=2"]
    assert spec.working_dir == "/w"
    assert spec.tty and spec.stdin_open
    assert spec.user is None  # the image's user
    labels = spec.labels
    assert labels[lbl.SANDBOX_ID] == SANDBOX.id
    assert labels[lbl.CONTAINER_NAME] == "app" and labels[lbl.CONTAINER_ATTEMPT] == "2"
    assert labels[lbl.IMAGE] == "busybox:1"
    assert labels[lbl.LOG_PATH] == "/logs/app/2.log"
    assert labels[lbl.POD_UID] == "u-1"
    assert lbl.user_labels(labels) == {"k": "v"}


def test_container_without_command_keeps_the_image_defaults() -> None:
    spec = container_spec(_container(), SANDBOX, instance="n1", log_path=None)
    assert spec.entrypoint is None and spec.command is None and spec.environment is None
    assert lbl.LOG_PATH not in spec.labels


def test_container_pid_modes_and_host_network() -> None:
    config = _container()  # pid POD (0) is CRI's default: the kubelet asks for CONTAINER
    spec = container_spec(config, SANDBOX, instance="n1", log_path=None)
    assert spec.host_config["pid_mode"] == f"container:{SANDBOX.id}"
    config.linux.security_context.namespace_options.pid = pb.NODE
    host = SandboxView(
        id="h", labels={lbl.NAMESPACES: "NODE,NODE,NODE"}, host_network=True, running=True
    )
    spec = container_spec(config, host, instance="n1", log_path=None)
    assert spec.host_config["pid_mode"] == "host"
    assert spec.host_config["network_mode"] == "host"
    assert spec.host_config["ipc_mode"] == "host"


def test_container_resources_security_and_mounts() -> None:
    config = _container(
        mounts=[
            pb.Mount(container_path="/data", host_path="/srv/data", readonly=True),
            pb.Mount(
                container_path="/shared",
                host_path="/srv/shared",
                propagation=pb.PROPAGATION_BIDIRECTIONAL,
                selinux_relabel=True,
            ),
        ]
    )
    r = config.linux.resources
    r.cpu_shares, r.cpu_period, r.cpu_quota = 1, 100000, 20000
    r.memory_limit_in_bytes, r.oom_score_adj = 64 << 20, 500
    r.cpuset_cpus, r.cpuset_mems = "0", "0"
    s = config.linux.security_context
    s.privileged, s.readonly_rootfs, s.no_new_privs = True, True, True
    s.run_as_user.value, s.run_as_group.value = 1000, 2000
    s.supplemental_groups.extend([5, 6])
    s.capabilities.add_capabilities.extend(["net_admin", "CAP_SYS_TIME"])
    s.capabilities.drop_capabilities.append("ALL")
    hc = container_spec(config, SANDBOX, instance="n1", log_path=None).host_config
    assert hc["cpu_shares"] == 2  # the kernel's minimum
    assert (hc["cpu_period"], hc["cpu_quota"]) == (100000, 20000)
    assert hc["mem_limit"] == hc["memswap_limit"] == 64 << 20
    assert hc["oom_score_adj"] == 500
    assert (hc["cpuset_cpus"], hc["cpuset_mems"]) == ("0", "0")
    assert hc["privileged"] is True and hc["read_only"] is True
    assert hc["security_opt"] == ["no-new-privileges"]
    assert hc["group_add"] == ["5", "6"]
    assert hc["cap_add"] == ["CAP_NET_ADMIN", "CAP_SYS_TIME"]
    assert hc["cap_drop"] == ["ALL"]
    assert hc["binds"] == ["/srv/data:/data:ro,rprivate", "/srv/shared:/shared:rw,rshared,Z"]
    spec = container_spec(config, SANDBOX, instance="n1", log_path=None)
    assert spec.user == "1000:2000"
    s.run_as_username = "www"
    assert container_spec(config, SANDBOX, instance="n1", log_path=None).user == "www:2000"


def test_container_log_path() -> None:
    assert container_log_path(_container(), "/d") is None
    assert container_log_path(_container(log_path="app/0.log"), "/d") == "/d/app/0.log"
    assert container_log_path(_container(log_path="/abs/0.log"), "") == "/abs/0.log"
    with pytest.raises(CRIError) as err:
        container_log_path(_container(log_path="app/0.log"), "")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: setattr(c.metadata, "name", ""), "config.metadata.name"),
        (lambda c: setattr(c.image, "image", ""), "config.image.image"),
        (
            lambda c: c.mounts.append(pb.Mount(container_path="/x", host_path="rel")),
            "config.mounts[0].host_path",
        ),
        (lambda c: setattr(c.linux.resources, "cpu_quota", -5), "cpu_quota"),
        (lambda c: setattr(c.linux.resources, "memory_limit_in_bytes", 4096), "6 MiB"),
        (lambda c: setattr(c.linux.resources, "oom_score_adj", 1001), "oom_score_adj"),
        (lambda c: c.envs.append(pb.KeyValue(key="")), "config.envs[0].key"),
    ],
)
def test_invalid_container_configs(mutate: object, field: str) -> None:
    config = _container()
    mutate(config)  # type: ignore[operator]
    with pytest.raises(CRIError) as err:
        container_spec(config, SANDBOX, instance="n1", log_path=None)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in err.value.message
