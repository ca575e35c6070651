"""Flags of mk-cri-docker."""

from __future__ import annotations

import pytest

from cridocker.config import ShimConfig
from cridocker.main import config_from_args, parse_args, socket_path


def test_defaults_follow_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIK8S_ALLOWED_REGISTRIES", raising=False)
    config = config_from_args(parse_args([]))
    assert config == ShimConfig()
    assert config.listen == "unix:///run/minik8s/cri.sock"
    assert config.docker_endpoint == "unix:///var/run/docker.sock"
    assert config.pause_image == "minik8s/pause:latest"
    assert config.network_name == "minik8s-pods"
    assert config.allowed_registries == ()  # any registry


def test_allowed_registries_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MINIK8S_ALLOWED_REGISTRIES", "127.0.0.1, localhost")
    assert config_from_args(parse_args([])).allowed_registries == ("127.0.0.1", "localhost")
    flagged = parse_args(["--allowed-registries", "reg.lan:5000"])
    assert config_from_args(flagged).allowed_registries == ("reg.lan:5000",)


def test_flags() -> None:
    args = parse_args(
        [
            "--listen",
            "unix:///tmp/x.sock",
            "--pause-image",
            "p:1",
            "--network-name",
            "n",
            "--instance",
            "i",
            "--docker-workers",
            "4",
            "--v",
            "2",
            "--healthz-port",
            "0",
        ]
    )
    config = config_from_args(args)
    assert (config.listen, config.pause_image, config.network_name) == (
        "unix:///tmp/x.sock",
        "p:1",
        "n",
    )
    assert (config.instance, config.docker_workers, args.v, args.healthz_port) == ("i", 4, 2, 0)


@pytest.mark.parametrize(
    "argv",
    [["--listen", "tcp://127.0.0.1:1"], ["--listen", "unix://relative"], ["--docker-workers", "0"]],
)
def test_bad_flags_exit(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_socket_path() -> None:
    assert socket_path("unix:///run/minik8s/cri.sock") == "/run/minik8s/cri.sock"
