"""The Service variables a container gets (kubelet's envvars rules)."""

from __future__ import annotations

import asyncio
from typing import Any

from kubelet.env import resolve_env
from kubelet.svcenv import service_env, service_variables, visible_services

Obj = dict[str, Any]


def svc(name: str, ns: str, ip: str, *ports: Obj) -> Obj:
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {"clusterIP": ip, "ports": list(ports)},
    }


KUBERNETES = svc("kubernetes", "default", "10.96.0.1", {"name": "https", "port": 443})


def test_variables_of_one_service_in_order() -> None:
    web = svc(
        "my-web",
        "a",
        "10.96.3.4",
        {"name": "http", "port": 80, "protocol": "TCP"},
        {"name": "dns", "port": 53, "protocol": "UDP"},
    )
    assert service_variables(web) == [
        ("MY_WEB_SERVICE_HOST", "10.96.3.4"),
        ("MY_WEB_SERVICE_PORT", "80"),
        ("MY_WEB_SERVICE_PORT_HTTP", "80"),
        ("MY_WEB_SERVICE_PORT_DNS", "53"),
        ("MY_WEB_PORT", "tcp://10.96.3.4:80"),
        ("MY_WEB_PORT_80_TCP", "tcp://10.96.3.4:80"),
        ("MY_WEB_PORT_80_TCP_PROTO", "tcp"),
        ("MY_WEB_PORT_80_TCP_PORT", "80"),
        ("MY_WEB_PORT_80_TCP_ADDR", "10.96.3.4"),
        ("MY_WEB_PORT_53_UDP", "udp://10.96.3.4:53"),
        ("MY_WEB_PORT_53_UDP_PROTO", "udp"),
        ("MY_WEB_PORT_53_UDP_PORT", "53"),
        ("MY_WEB_PORT_53_UDP_ADDR", "10.96.3.4"),
    ]


def test_unnamed_port_and_ipv6() -> None:
    one = svc("v6", "a", "fd00:10:96::5", {"port": 8080})
    env = dict(service_variables(one))
    assert env["V6_SERVICE_PORT"] == "8080"
    assert env["V6_PORT"] == "tcp://[fd00:10:96::5]:8080"
    assert not [k for k in env if k.startswith("V6_SERVICE_PORT_")]


def test_headless_and_external_name_give_nothing() -> None:
    assert service_variables(svc("h", "a", "None", {"port": 80})) == []
    assert service_variables({"metadata": {"name": "x"}, "spec": {"type": "ExternalName"}}) == []


def test_which_services_a_pod_sees() -> None:
    mine = svc("web", "a", "10.96.0.20", {"port": 80})
    other = svc("db", "b", "10.96.0.21", {"port": 5432})
    local_kube = svc("kubernetes", "a", "10.96.0.22", {"port": 1})
    every = [KUBERNETES, mine, other]
    assert visible_services(every, "a", True) == [KUBERNETES, mine]
    assert visible_services(every, "a", False) == [KUBERNETES]
    # With links on, a `kubernetes` Service of the pod's namespace wins; off, default's.
    assert visible_services([KUBERNETES, local_kube], "a", True) == [local_kube]
    assert visible_services([local_kube, KUBERNETES], "a", False) == [KUBERNETES]


def test_service_env_follows_enable_service_links() -> None:
    mine = svc("web", "a", "10.96.0.20", {"port": 80})
    pod = {"metadata": {"namespace": "a"}, "spec": {}}
    assert "WEB_SERVICE_HOST" in service_env([KUBERNETES, mine], pod)
    pod["spec"]["enableServiceLinks"] = False
    env = service_env([KUBERNETES, mine], pod)
    assert "WEB_SERVICE_HOST" not in env and env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"


def test_container_env_wins_and_may_name_service_variables() -> None:
    async def fetch(kind: str, ns: str, name: str) -> Obj | None:
        return None

    services = service_env([KUBERNETES], {"metadata": {"namespace": "a"}, "spec": {}})
    container = {
        "name": "c",
        "env": [
            {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"},
            {
                "name": "URL",
                "value": "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)",
            },
        ],
    }
    pod = {"metadata": {"namespace": "a"}, "spec": {"containers": [container]}}
    env = asyncio.run(resolve_env(pod, container, fetch, service_env=services))
    names = [k for k, _ in env]
    assert names[:2] == ["KUBERNETES_SERVICE_PORT", "URL"]  # the container's first
    assert names.count("KUBERNETES_SERVICE_PORT") == 1
    values = dict(env)
    assert values["KUBERNETES_SERVICE_PORT"] == "6443"
    assert values["URL"] == "https://10.96.0.1:6443"
    assert values["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
