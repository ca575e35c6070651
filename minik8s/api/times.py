"""Time as the API writes it and as people read it: one home for every component.

* Timestamps in objects are RFC 3339 in UTC. Kubernetes' `Time` has whole seconds
  (`2024-05-01T12:00:00Z`: creationTimestamp, conditions, startTime), its `MicroTime` six
  fractional digits (`2024-05-01T12:00:00.123456Z`: a Lease's renewTime, an Event's
  eventTime). `rfc3339()` writes both, truncating (never rounding) to the precision, as Go's
  formatting does; `parse_rfc3339()` reads any of them, offsets and nanoseconds included,
  and answers None for what is not a timestamp (stored objects can hold anything).
* `human_duration()` is `duration.HumanDuration`, the ages `kubectl get` prints (`5s`,
  `3m2s`, `2d3h`).
* Go durations (`1m30s`, `500ms`) are what flags, `@every` schedules and kubectl's messages
  use: `parse_go_duration()` is `time.ParseDuration`, `format_go_duration()` is
  `Duration.String`; `parse_seconds()` is the flag value every minik8s program accepts (a Go
  duration or a plain number of seconds, never negative).

Everything here is a pure function of its arguments except the `now_*` helpers, which read
the wall clock; none keeps state, so any thread or event loop may call them.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "epoch_seconds",
    "format_go_duration",
    "human_duration",
    "now_rfc3339",
    "parse_go_duration",
    "parse_rfc3339",
    "parse_seconds",
    "rfc3339",
]

_SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_MICRO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# --------------------------------------------------------------------------- RFC 3339


def rfc3339(moment: datetime | float, *, micro: bool = False) -> str:
    """`moment` (an aware or UTC-naive datetime, or seconds since the epoch) in UTC, as a
    `Time` (whole seconds) or, with `micro`, a `MicroTime`."""
    if isinstance(moment, datetime):
        when = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        # floor first: fromtimestamp rounds to microseconds, which could carry into the
        # next second, and a Time must truncate like Go
        when = datetime.fromtimestamp(moment if micro else math.floor(moment), UTC)
    return when.strftime(_MICRO_FORMAT if micro else _SECONDS_FORMAT)


def now_rfc3339(*, micro: bool = False) -> str:
    """The wall clock as a `Time` (or, with `micro`, a `MicroTime`)."""
    return rfc3339(datetime.now(UTC), micro=micro)


def parse_rfc3339(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (a missing offset means UTC); None when
    `value` is missing, not a string or not a timestamp. Digits beyond microseconds are
    dropped."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value[-1] in "zZ" else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_seconds(value: Any) -> float | None:
    """Seconds since the epoch of an RFC 3339 timestamp, None when there is none: the
    controllers' clocks are plain numbers."""
    moment = parse_rfc3339(value)
    return None if moment is None else moment.timestamp()


# --------------------------------------------------------------------------- ages


def human_duration(delta: timedelta) -> str:
    """Kubernetes' `duration.HumanDuration`: about two significant figures of a duration.

    Up to two seconds in the future counts as "now" (clocks differ between machines); more
    than that is `<invalid>`.
    """
    seconds = int(delta.total_seconds())  # truncates toward zero, like Go's int()
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return _pair(minutes, "m", seconds % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return _pair(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _pair(hours // 24, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        return _pair(days // 365, "y", days % 365, "d")
    return f"{hours // 24 // 365}y"


def _pair(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


# --------------------------------------------------------------------------- Go durations

_UNIT_SECONDS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),  # U+00B5 micro sign
    "μs": Decimal("1e-6"),  # U+03BC Greek mu
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}
# two-letter units first, so that "5ms" is never read as "5m" followed by junk
_PART = r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)"
_PART_RE = re.compile(_PART)
_DURATION_RE = re.compile(rf"([-+]?)((?:{_PART})+|0)")
_PLAIN_SECONDS_RE = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def parse_go_duration(text: str) -> float:
    """Seconds of a Go duration (`time.ParseDuration`: `300ms`, `-1.5h`, `2h45m`, `0`);
    raises ValueError for anything else, a number without a unit included."""
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid duration {text!r} (e.g. 15s, 1m30s, 500ms)")
    total = sum(
        (Decimal(number) * _UNIT_SECONDS[unit] for number, unit in _PART_RE.findall(text)),
        Decimal(0),
    )
    return float(-total if match.group(1) == "-" else total)


def parse_seconds(text: str) -> float:
    """A duration flag's value: a Go duration (`15s`, `1m30s`) or a plain number of
    seconds (`10`, `0.5`); raises ValueError for anything else or a negative duration."""
    text = text.strip()
    if _PLAIN_SECONDS_RE.fullmatch(text):
        return float(text)
    seconds = parse_go_duration(text)
    if seconds < 0:
        raise ValueError(f"negative duration {text!r}")
    return seconds


def format_go_duration(seconds: float) -> str:
    """A duration as Go's `Duration.String` prints it: `1h0m0s`, `1m30s`, `2.5s`, `500ms`,
    `1.5µs`, `0s` (to the nanosecond)."""
    nanos = round(seconds * 1_000_000_000)
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:  # under a second: one smaller unit with a fraction
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= size:
                return f"{sign}{_decimal(nanos, size)}{unit}"
    whole, fraction = divmod(nanos, 1_000_000_000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{_decimal(secs * 1_000_000_000 + fraction, 1_000_000_000)}s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _decimal(value: int, scale: int) -> str:
    """`value / scale` in decimal without trailing zeros (scale is a power of ten)."""
    whole, fraction = divmod(value, scale)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"
