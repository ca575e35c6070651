"""Cron schedules: the syntax Kubernetes accepts and the times it fires, in UTC and in zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controllers.cron import CronError, load_zone, parse


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(seconds: float | None) -> str:
    assert seconds is not None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M %a")


def firings(schedule: str, start: str, count: int, zone: str | None = None) -> list[str]:
    sched, tz = parse(schedule), load_zone(zone)
    out, t = [], at(start)
    for _ in range(count):
        nxt = sched.next_after(t, tz)
        out.append(iso(nxt))
        assert nxt is not None
        t = nxt
    return out


def test_every_minute_fires_at_the_next_minute_boundary() -> None:
    assert firings("* * * * *", "2026-11-24T10:00:00", 2) == [
        "2026-11-24 10:01 Tue",
        "2026-11-24 10:02 Tue",
    ]
    assert iso(parse("* * * * *").next_after(at("2026-11-24T10:00:30"))) == "2026-11-24 10:01 Tue"


def test_ranges_steps_lists_and_names() -> None:
    assert firings("*/20 9-10 * * mon-fri", "2026-11-27T10:50:00", 4) == [
        "2026-11-30 09:00 Mon",  # Friday 10:50 -> the next weekday
        "2026-11-30 09:20 Mon",
        "2026-11-30 09:40 Mon",
        "2026-11-30 10:00 Mon",
    ]
    assert firings("5,35 1 1 jan,JUL *", "2026-01-01T01:10:00", 3) == [
        "2026-01-01 01:35 Thu",
        "2026-07-01 01:05 Wed",
        "2026-07-01 01:35 Wed",
    ]
    # "N/step" means N to the maximum by step
    assert firings("50/5 0 * * *", "2026-01-01T00:00:00", 3) == [
        "2026-01-01 00:50 Thu",
        "2026-01-01 00:55 Thu",
        "2026-01-02 00:50 Fri",
    ]


def test_macros() -> None:
    start = "2026-11-24T10:30:00"
    assert firings("@hourly", start, 1) == ["2026-11-24 11:00 Tue"]
    assert firings("@daily", start, 1) == firings("@midnight", start, 1) == ["2026-11-25 00:00 Wed"]
    assert firings("@weekly", start, 1) == ["2026-11-29 00:00 Sun"]
    assert firings("@monthly", start, 1) == ["2026-12-01 00:00 Tue"]
    assert (
        firings("@yearly", start, 1) == firings("@annually", start, 1) == ["2027-01-01 00:00 Fri"]
    )
    assert parse("@every 90s").next_after(100.0) == 190.0


def test_day_of_month_or_day_of_week_when_both_restricted() -> None:
    # Vixie cron: the 13th OR a Friday; with one field "*", only the other counts
    assert firings("0 0 13 * fri", "2026-11-01T00:00:00", 3) == [
        "2026-11-06 00:00 Fri",
        "2026-11-13 00:00 Fri",
        "2026-11-20 00:00 Fri",
    ]
    assert firings("0 0 13 * *", "2026-11-01T00:00:00", 1) == ["2026-11-13 00:00 Fri"]
    assert firings("0 0 ? * sun", "2026-11-01T00:00:00", 1) == ["2026-11-08 00:00 Sun"]
    # a step clears "any": */2 restricts the day of month, so the weekday ORs in
    assert firings("0 0 */10 * mon", "2026-11-01T00:00:00", 3) == [
        "2026-11-02 00:00 Mon",
        "2026-11-09 00:00 Mon",
        "2026-11-11 00:00 Wed",
    ]


def test_time_zone_and_daylight_saving() -> None:
    # 09:00 in Paris is 08:00 UTC in winter, 07:00 UTC in summer
    assert firings("0 9 * * *", "2026-11-24T12:00:00", 1, "Europe/Paris") == [
        "2026-11-25 08:00 Wed"
    ]
    assert firings("0 9 * * *", "2026-06-24T12:00:00", 1, "Europe/Paris") == [
        "2026-06-25 07:00 Thu"
    ]
    # 02:30 does not exist in Paris on 2026-03-29: that day is skipped
    assert firings("30 2 * * *", "2026-03-28T12:00:00", 1, "Europe/Paris") == [
        "2026-03-30 00:30 Mon"
    ]
    # 02:30 happens twice on 2026-10-25: it fires once
    assert firings("30 2 * * *", "2026-10-24T12:00:00", 2, "Europe/Paris") == [
        "2026-10-25 00:30 Sun",
        "2026-10-26 01:30 Mon",
    ]


def test_times_between_counts_and_caps() -> None:
    sched = parse("*/10 * * * *")
    times, more = sched.times_between(at("2026-01-01T00:00:00"), at("2026-01-01T01:00:00"), 100)
    assert [iso(t)[11:16] for t in times] == ["00:10", "00:20", "00:30", "00:40", "00:50", "01:00"]
    assert not more
    _, more = sched.times_between(at("2026-01-01T00:00:00"), at("2026-01-02T00:00:00"), 100)
    assert more


def test_a_schedule_that_never_fires() -> None:
    assert parse("0 0 30 2 *").next_after(at("2026-01-01T00:00:00")) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("* * * *", "expected exactly 5 fields"),
        ("60 * * * *", "above maximum"),
        ("* * 0 * *", "below minimum"),
        ("5-1 * * * *", "beyond end of range"),
        ("*/0 * * * *", "step of range"),
        ("* * * foo *", "failed to parse month"),
        ("? * * * *", "only allowed in the day fields"),
        ("@fortnightly", "unrecognized descriptor"),
        ("TZ=UTC * * * * *", "spec.timeZone"),
        ("@every 1x", "failed to parse duration"),
    ],
)
def test_bad_schedules_say_why(text: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        parse(text)


def test_unknown_time_zone() -> None:
    with pytest.raises(CronError, match="unknown time zone"):
        load_zone("Mars/Olympus_Mons")
    assert load_zone(None) is UTC
