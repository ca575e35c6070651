"""RFC 3339 stamps, kubectl's ages and Go durations: the one time module every part uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from minik8s.api.times import (
    epoch_seconds,
    format_go_duration,
    human_duration,
    now_rfc3339,
    parse_go_duration,
    parse_rfc3339,
    parse_seconds,
    rfc3339,
)

MAY_FIRST = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_rfc3339_writes_time_and_micro_time_in_utc() -> None:
    assert rfc3339(MAY_FIRST) == "2024-05-01T12:00:00Z"
    assert rfc3339(MAY_FIRST.timestamp() + 0.25, micro=True) == "2024-05-01T12:00:00.250000Z"
    paris = MAY_FIRST.astimezone(timezone(timedelta(hours=2)))
    assert rfc3339(paris) == "2024-05-01T12:00:00Z"
    assert rfc3339(MAY_FIRST.replace(tzinfo=None)) == "2024-05-01T12:00:00Z"  # naive is UTC


def test_rfc3339_truncates_like_go() -> None:
    assert rfc3339(MAY_FIRST.timestamp() + 0.9999) == "2024-05-01T12:00:00Z"


def test_now_rfc3339_has_the_shape_of_time_and_micro_time() -> None:
    assert len(now_rfc3339()) == len("2024-05-01T12:00:00Z")
    assert len(now_rfc3339(micro=True)) == len("2024-05-01T12:00:00.000000Z")
    assert parse_rfc3339(now_rfc3339()) is not None


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00z",
        "2024-05-01T14:00:00+02:00",
        "2024-05-01T12:00:00.000000Z",
        "2024-05-01T12:00:00.000000000Z",
        "2024-05-01T12:00:00",
    ],
)
def test_parse_rfc3339_reads_every_form(text: str) -> None:
    assert parse_rfc3339(text) == MAY_FIRST


def test_parse_rfc3339_keeps_microseconds_and_refuses_garbage() -> None:
    assert parse_rfc3339("2024-05-01T12:00:00.123456789Z") == MAY_FIRST.replace(microsecond=123456)
    for value in (None, "", "yesterday", 42, {"time": 1}):
        assert parse_rfc3339(value) is None
    assert epoch_seconds("1970-01-01T00:00:01.5Z") == 1.5
    assert epoch_seconds("junk") is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (5, "5s"),
        (119, "119s"),
        (182, "3m2s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (51 * 3600, "2d3h"),
        (8 * 86400, "8d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_is_kubectls_age(seconds: int, text: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("-0", 0.0),
        ("15s", 15.0),
        ("1m30s", 90.0),
        ("2h45m", 9900.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
        (".5m", 30.0),
        ("1.s", 1.0),
        ("250us", 0.00025),
        ("3µs", 3e-6),
        ("3μs", 3e-6),
        ("100ns", 1e-7),
        ("-1m", -60.0),
        ("+1m", 60.0),
    ],
)
def test_parse_go_duration(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "10", "1e3", "15x", "1m 30s", "5s3", "1.2.3s", "--1s"])
def test_parse_go_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_go_duration(text)


def test_parse_seconds_takes_plain_numbers_and_refuses_negative() -> None:
    assert parse_seconds("10") == 10.0
    assert parse_seconds(" 0.25 ") == 0.25
    assert parse_seconds("1m") == 60.0
    for text in ("-1", "-5s", "inf", "nan"):
        with pytest.raises(ValueError):
            parse_seconds(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.5, "500ms"),
        (0.0015, "1.5ms"),
        (0.0005, "500µs"),
        (2e-9, "2ns"),
        (3, "3s"),
        (2.5, "2.5s"),
        (90, "1m30s"),
        (3600, "1h0m0s"),
        (3723.25, "1h2m3.25s"),
        (-90, "-1m30s"),
    ],
)
def test_format_go_duration_is_durations_string(seconds: float, text: str) -> None:
    assert format_go_duration(seconds) == text
    assert parse_go_duration(text) == pytest.approx(seconds)
