"""The channel protocol's pure parts: subprotocols, messages, statuses, resizes, ports."""

from __future__ import annotations

import json

import pytest

from minik8s.stream import channels


def test_the_clients_order_of_preference_wins() -> None:
    assert channels.select(["v5.channel.k8s.io", "v4.channel.k8s.io"], channels.EXEC_PROTOCOLS) == (
        channels.V5
    )
    assert channels.select(["v4.channel.k8s.io", "v5.channel.k8s.io"], channels.EXEC_PROTOCOLS) == (
        channels.V4
    )
    assert channels.select(["v3.channel.k8s.io"], channels.EXEC_PROTOCOLS) is None
    assert channels.offered(" SPDY/3.1+portforward.k8s.io , v4.channel.k8s.io") == [
        channels.SPDY_PORTFORWARD,
        channels.V4,
    ]


@pytest.mark.parametrize("value", ["1", "t", "T", "true", "TRUE", "True"])
def test_query_booleans_are_read_like_go(value: str) -> None:
    assert channels.flag(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "yes", "on", "tRuE"])
def test_anything_else_is_false(value: str | None) -> None:
    assert not channels.flag(value)


def test_messages_and_close() -> None:
    assert channels.split(channels.message(channels.STDOUT, b"hi")) == (1, b"hi")
    assert channels.split("\x00typed") == (0, b"typed")
    assert channels.close_message(channels.STDIN) == b"\xff\x00"
    assert channels.closed_channel(b"\x00") == 0
    with pytest.raises(channels.ProtocolError):
        channels.split(b"")
    with pytest.raises(channels.ProtocolError):
        channels.closed_channel(b"\x00\x01")


def test_statuses_as_kubectl_and_the_python_client_read_them() -> None:
    assert channels.success() == {"metadata": {}, "status": "Success"}
    status = channels.exit_status(3, ["sh", "-c", "exit 3"])
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert channels.exit_code_of(status) == 3
    assert channels.exit_code_of(channels.success()) == 0
    assert channels.exit_code_of(channels.failure("boom")) is None
    # Kubernetes' key order, no kind/apiVersion (metav1.Status marshalled bare)
    wire = channels.status_message(status)
    assert wire[0] == channels.ERROR
    assert list(json.loads(wire[1:])) == ["metadata", "status", "message", "reason", "details"]


def test_resizes_split_or_joined_across_messages() -> None:
    reader = channels.ResizeReader()
    assert reader.feed(b'{"Width":80,') == []
    assert reader.feed(b'"Height":24}\n{"Width":100,"Height":30}') == [(80, 24), (100, 30)]
    assert channels.ResizeReader().feed(channels.resize_message(5, 6)[1:]) == [(5, 6)]
    for garbage in (b'"text"', b'{"Width":-1,"Height":2}', b'{"Width":true,"Height":2}'):
        with pytest.raises(channels.ProtocolError):
            channels.ResizeReader().feed(garbage)
    with pytest.raises(channels.ProtocolError):
        channels.ResizeReader().feed(b"x" * 5000)


def test_ports() -> None:
    assert channels.ports_of(["80,8080", "9090"]) == [80, 8080, 9090]
    for bad in (["0"], ["65536"], ["http"], ["80", "80"]):
        with pytest.raises(ValueError):
            channels.ports_of(bad)
    assert channels.port_message(3, 8080) == b"\x03\x90\x1f"
