"""Kubernetes quantities: the suffixes, exponents and rounding the API server relies on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minik8s.api.quantity import parse_bytes, parse_cpu_millis, parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Decimal(1)),
        ("0", Decimal(0)),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("100m", Decimal("0.1")),
        ("250u", Decimal("0.00025")),
        ("5n", Decimal("5e-9")),
        ("1k", Decimal(1000)),
        ("1M", Decimal(10**6)),
        ("1G", Decimal(10**9)),
        ("2T", Decimal(2 * 10**12)),
        ("1P", Decimal(10**15)),
        ("1E", Decimal(10**18)),
        ("2Ki", Decimal(2048)),
        ("128Mi", Decimal(128 * 2**20)),
        ("1.5Gi", Decimal(3 * 2**29)),
        ("1Ti", Decimal(2**40)),
        ("1Pi", Decimal(2**50)),
        ("1Ei", Decimal(2**60)),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("12e-3", Decimal("0.012")),
        ("+1", Decimal(1)),
        ("-1", Decimal(-1)),
    ],
)
def test_parse_quantity_strings(text: str, expected: Decimal) -> None:
    assert parse_quantity(text) == expected


def test_parse_quantity_numbers() -> None:
    assert parse_quantity(2) == Decimal(2)
    assert parse_quantity(0.1) == Decimal("0.1")


@pytest.mark.parametrize(
    "bad", ["", "abc", "1Kb", "1 Mi", " 1", "1.2.3", "Mi", "1mi", "1KI", "e3", "--1", "1e"]
)
def test_parse_quantity_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="quantit"):
        parse_quantity(bad)


@pytest.mark.parametrize("bad", [True, None, [], {}, float("nan"), float("inf")])
def test_parse_quantity_rejects_other_types(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_quantity(bad)  # type: ignore[arg-type]


def test_huge_exponent_is_rejected_quickly() -> None:
    with pytest.raises(ValueError, match="exponent"):
        parse_quantity("1e999999999")


@pytest.mark.parametrize(
    ("value", "millis"),
    [("100m", 100), ("1", 1000), ("0.5", 500), (2, 2000), ("1500u", 2), ("0.1", 100), (0, 0)],
)
def test_parse_cpu_millis_rounds_up(value: str | int, millis: int) -> None:
    assert parse_cpu_millis(value) == millis


@pytest.mark.parametrize(
    ("value", "count"),
    [("128Mi", 134217728), ("1k", 1000), ("1Gi", 2**30), ("1.5", 2), ("100m", 1), (64, 64)],
)
def test_parse_bytes_rounds_up(value: str | int, count: int) -> None:
    assert parse_bytes(value) == count


def test_float_sum_is_exact() -> None:
    assert parse_quantity("0.1") + parse_quantity("0.2") == parse_quantity("300m")
