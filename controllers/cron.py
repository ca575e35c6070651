"""Cron schedules for CronJobs: parse the 5-field syntax and find the times it fires.

Supported, as Kubernetes' CronJob controller (robfig/cron's standard parser) accepts them:
minute hour day-of-month month day-of-week; `*` and `?` (day fields), ranges `1-5`, steps
`*/15` and `10-40/10` (`5/10` means `5-max/10`), lists `1,3,5`, month and weekday names
(`jan`, `mon-fri`), and the macros `@yearly` `@annually` `@monthly` `@weekly` `@daily`
`@midnight` `@hourly` and `@every <duration>`.

Day matching follows Vixie cron: when both day-of-month and day-of-week are restricted, a day
matches when either does; when one of them is `*` (without a step), only the other counts.

Times are evaluated on the wall clock of a time zone (`zoneinfo`), so `0 9 * * *` in
`Europe/Paris` fires at 09:00 Paris time. Wall times that do not exist (a spring-forward gap)
are skipped; a repeated wall time (fall back) fires once, at its first occurrence.

Pure functions only: the caller passes the instants (seconds since the epoch) it cares about.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from minik8s.api.times import parse_go_duration

__all__ = ["CronError", "Schedule", "load_zone", "parse"]

# a schedule that matches nothing (`0 0 30 2 *`) gives up after this many days, like robfig
_SEARCH_DAYS = 5 * 366

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {n: i + 1 for i, n in enumerate(_MONTH_NAMES)}
_WEEKDAYS = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


class CronError(ValueError):
    """A schedule that cannot be parsed; the message says why."""


@dataclass(frozen=True)
class _Field:
    values: frozenset[int]
    star: bool  # `*` or `?` without a step: "any", which matters for the day rule


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; `every` is set for `@every D` (seconds), the fields otherwise."""

    text: str
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: _Field = _Field(frozenset(), True)
    months: frozenset[int] = frozenset()
    weekdays: _Field = _Field(frozenset(), True)
    every: float | None = None

    def next_after(self, after: float, zone: tzinfo = UTC) -> float | None:
        """The first firing time strictly after `after`, or None when there is none."""
        if self.every is not None:
            return float(int(after) + self.every)
        start = datetime.fromtimestamp(after, zone).replace(tzinfo=None)
        start = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        for _ in range(_SEARCH_DAYS):
            if day.month in self.months and self._day_matches(day.day, day.isoweekday() % 7):
                first_day = day == start.date()
                for hour in hours[bisect_left(hours, start.hour) :] if first_day else hours:
                    same_hour = first_day and hour == start.hour
                    for minute in (
                        minutes[bisect_left(minutes, start.minute) :] if same_hour else minutes
                    ):
                        wall = datetime(day.year, day.month, day.day, hour, minute)
                        when = _instant(wall, zone)
                        if when is not None and when > after:
                            return when
            day += timedelta(days=1)
        return None

    def _day_matches(self, dom: int, dow: int) -> bool:
        dom_ok = dom in self.days.values
        dow_ok = dow in self.weekdays.values
        if self.days.star or self.weekdays.star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def times_between(
        self, after: float, until: float, limit: int, zone: tzinfo = UTC
    ) -> tuple[list[float], bool]:
        """Up to `limit` firing times in (after, until]; True when more were left out."""
        found: list[float] = []
        t = self.next_after(after, zone)
        while t is not None and t <= until:
            if len(found) >= limit:
                return found, True
            found.append(t)
            t = self.next_after(t, zone)
        return found, False


def _instant(wall: datetime, zone: tzinfo) -> float | None:
    """Seconds since the epoch of a wall time in `zone`; None inside a DST gap."""
    aware = wall.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != wall:
        return None
    return aware.timestamp()


def _number(text: str, names: dict[str, int], what: str) -> int:
    if text.isdigit():
        return int(text)
    value = names.get(text.lower())
    if value is None:
        raise CronError(f"failed to parse {what} value {text!r}")
    return value


def _parse_field(text: str, low: int, high: int, names: dict[str, int], what: str) -> _Field:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        if not part:
            raise CronError(f"empty item in {what} field {text!r}")
        range_text, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) <= 0:
                raise CronError(f"step of range should be a positive number: {part}")
            step = int(step_text)
        if range_text in ("*", "?"):
            if range_text == "?" and what not in ("day-of-month", "day-of-week"):
                raise CronError(f"'?' is only allowed in the day fields: {part}")
            start, end = low, high
            star = star or step == 1
        else:
            first, dash, last = range_text.partition("-")
            start = _number(first, names, what)
            end = _number(last, names, what) if dash else (high if slash else start)
        if start < low:
            raise CronError(f"beginning of range ({start}) below minimum ({low}): {part}")
        if end > high:
            raise CronError(f"end of range ({end}) above maximum ({high}): {part}")
        if start > end:
            raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {part}")
        values.update(range(start, end + 1, step))
    return _Field(frozenset(values), star)


def _parse_duration(text: str) -> float:
    try:
        seconds = parse_go_duration(text)
    except ValueError:
        raise CronError(f"failed to parse duration {text!r}") from None
    if seconds < 0:  # the API server's validation refuses a negative @every too
        raise CronError(f"negative duration {text!r}")
    return seconds


def parse(schedule: str) -> Schedule:
    """A `Schedule` from its text; raises `CronError` naming the problem."""
    text = schedule.strip()
    if "TZ=" in text:
        raise CronError("TZ and CRON_TZ are not supported in the schedule; use spec.timeZone")
    if text.startswith("@every"):
        every = _parse_duration(text.removeprefix("@every").strip())
        # robfig rounds to whole seconds, at least one
        return Schedule(text, every=max(1.0, float(int(every))))
    expanded = _MACROS.get(text.lower(), text)
    if expanded.startswith("@"):
        raise CronError(f"unrecognized descriptor: {text}")
    fields = expanded.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: {text}")
    return Schedule(
        text,
        minutes=_parse_field(fields[0], 0, 59, {}, "minute").values,
        hours=_parse_field(fields[1], 0, 23, {}, "hour").values,
        days=_parse_field(fields[2], 1, 31, {}, "day-of-month"),
        months=_parse_field(fields[3], 1, 12, _MONTHS, "month").values,
        weekdays=_parse_field(fields[4], 0, 6, _WEEKDAYS, "day-of-week"),
    )


def load_zone(name: str | None) -> tzinfo:
    """The zone of `spec.timeZone` (UTC when unset, as the controller manager runs in UTC).

    Raises `CronError` for a name the zone database does not know.
    """
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        raise CronError(f"unknown time zone {name!r}") from None
