"""Schedule compilation: triggers plus gates that fire at exactly the legacy instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from calendars import unixcron
from calendars.changecal import from_ics, to_ics
from calendars.compile import CalendarPool, aws_runs, compile_jobnet, compress
from calendars.legacy import Horizon
from calendars.schedules import Schedules
from jobmigrate.model import (
    Calendar,
    Cycle,
    DayOfMonth,
    JobNet,
    LastDay,
    ScheduleRule,
    StartTime,
    Workflow,
)

TOKYO = ZoneInfo("Asia/Tokyo")
YEAR = Horizon(dt.date(2027, 1, 1), dt.date(2027, 12, 31), TOKYO)
WORKDAYS = Calendar(
    name="/G",
    closed_weekdays=["sa", "su"],
    closed_dates=[dt.date(2027, 1, 1), dt.date(2027, 1, 11), dt.date(2027, 5, 3)],
)


def cron_net(expression: str) -> JobNet:
    rule = ScheduleRule(date=unixcron.parse(expression).to_ir())
    return JobNet(name="e", path="e.cron:1", schedule=[rule])


def jp1_net(*rules: ScheduleRule) -> JobNet:
    return JobNet(name="N", path="/G/N", calendar="/G", schedule=list(rules))


def compiled(net: JobNet, mode: str = "scheduler") -> tuple[list[str], CalendarPool, object]:
    pool = CalendarPool(YEAR)
    wf = Workflow(source_system="test", children=[net], calendars=[WORKDAYS])
    result = compile_jobnet(net, Schedules(wf, YEAR), pool, mode)  # type: ignore[arg-type]
    assert not [f for f in result.findings if f.severity == "error"], result.findings
    return [t.expression for t in result.triggers], pool, result


def proven(net: JobNet, mode: str = "scheduler") -> None:
    """The emitted expressions and calendar documents reproduce the legacy instants."""
    pool = CalendarPool(YEAR)
    wf = Workflow(source_system="test", children=[net], calendars=[WORKDAYS])
    result = compile_jobnet(net, Schedules(wf, YEAR), pool, mode)  # type: ignore[arg-type]
    docs = {name: from_ics(to_ics(cal), name) for name, cal in pool.calendars.items()}
    aws: set[dt.datetime] = set()
    for t in result.triggers:
        aws.update(aws_runs(t.expression, ZoneInfo(t.timezone), [docs[c] for c in t.calendars], YEAR))
    assert sorted(aws) == result.legacy and result.legacy


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("30 22 * * 1-5", ["cron(30 22 ? * MON-FRI *)"]),
        ("15 3 * * 0", ["cron(15 3 ? * SUN *)"]),
        ("0 19 28-31 * *", ["cron(0 19 28-31 * ? *)"]),
        ("*/30 8-17 * * mon-fri", ["cron(0,30 8-17 ? * MON-FRI *)"]),
        ("0 6 1 jan,apr,jul,oct *", ["cron(0 6 1 JAN,APR,JUL,OCT ? *)"]),
    ],
)
def test_plain_cron_needs_no_gate(expression: str, expected: list[str]) -> None:
    expressions, pool, _ = compiled(cron_net(expression))
    assert expressions == expected and not pool.calendars
    proven(cron_net(expression))


def test_day_of_month_or_weekday_is_gated_not_approximated() -> None:
    _, pool, _ = compiled(cron_net("0 9 1,15 * mon"))
    assert len(pool.calendars) == 1
    (cal,) = pool.calendars.values()
    assert cal.type == "DEFAULT_CLOSED"
    proven(cron_net("0 9 1,15 * mon"))


def test_vixie_star_step_with_weekday_means_both() -> None:
    # `*/2` counts as unrestricted, so this fires on odd days that are Mondays.
    _, _, result = compiled(cron_net("0 0 */2 * mon"))
    assert all(i.day % 2 == 1 and i.weekday() == 0 for i in result.legacy)  # type: ignore[attr-defined]
    proven(cron_net("0 0 */2 * mon"))


def test_every_open_day_uses_the_shared_closed_days_calendar() -> None:
    rule = ScheduleRule(
        date=DayOfMonth(year=2027, month=1, day=1, counting="open"),
        cycle=Cycle(every=1, unit="day"),
        times=[StartTime(minutes=22 * 60 + 30)],
    )
    expressions, pool, _ = compiled(jp1_net(rule))
    assert expressions == ["cron(30 22 ? * MON-FRI *)"]
    (cal,) = pool.calendars.values()
    assert cal.type == "DEFAULT_OPEN" and "closed-days" in cal.name
    proven(jp1_net(rule))


def test_last_business_day_after_midnight_uses_run_days() -> None:
    rule = ScheduleRule(
        date=LastDay(year=2027, month=1, counting="open"),
        cycle=Cycle(every=1, unit="month"),
        times=[StartTime(minutes=25 * 60 + 30)],
    )
    _, pool, result = compiled(jp1_net(rule))
    assert {c.type for c in pool.calendars.values()} == {"DEFAULT_CLOSED"}
    # December's run (last business day 2027-12-31, 25:30) falls on 2028-01-01, past the horizon.
    assert len(result.legacy) == 11  # type: ignore[attr-defined]
    proven(jp1_net(rule))


def test_utc_rules_shift_days_across_midnight() -> None:
    # 08:00 JST on the 1st is 23:00 UTC on the last day of the previous month.
    rule = ScheduleRule(
        date=DayOfMonth(year=2027, month=1, day=1),
        cycle=Cycle(every=1, unit="month"),
        shift="none",
        times=[StartTime(minutes=8 * 60)],
    )
    expressions, _, _ = compiled(jp1_net(rule), "rule")
    assert all(e.startswith("cron(0 23 ") for e in expressions)
    proven(jp1_net(rule), "rule")


def test_identical_run_days_share_one_calendar() -> None:
    pool = CalendarPool(YEAR)
    a = ScheduleRule(
        date=LastDay(year=2027, month=1, counting="open"),
        cycle=Cycle(every=1, unit="month"),
        times=[StartTime(minutes=20 * 60 + 1)],
    )
    nets = [JobNet(name=n, path=f"/G/{n}", calendar="/G", schedule=[a]) for n in ("A", "B")]
    wf = Workflow(source_system="test", children=nets, calendars=[WORKDAYS])
    schedules = Schedules(wf, YEAR)
    for net in nets:
        compile_jobnet(net, schedules, pool)
    assert len(pool.calendars) == 1


def test_compress_field_values() -> None:
    assert compress(list(range(60)), 0, 59) == "*"
    assert compress([0, 15, 30, 45], 0, 59) == "0,15,30,45"
    assert compress([8, 9, 10, 11, 17], 0, 23) == "8-11,17"
    assert compress([2, 3, 4, 5, 6], 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")) == "MON-FRI"


def test_times_that_are_not_one_product_split_into_few_expressions() -> None:
    expressions, _, _ = compiled(cron_net("0,30 8-17 * * 1-5"))
    assert expressions == ["cron(0,30 8-17 ? * MON-FRI *)"]
    net = JobNet(
        name="N",
        path="/G/N",
        schedule=[
            ScheduleRule(date=unixcron.parse("0,30 8-17 * * 1-5").to_ir()),
            ScheduleRule(number=2, date=unixcron.parse("0 18 * * 1-5").to_ir()),
        ],
    )
    expressions, _, _ = compiled(net)
    assert sorted(expressions) == ["cron(0 18 ? * MON-FRI *)", "cron(0,30 8-17 ? * MON-FRI *)"]
    proven(net)


def test_calendars_that_share_the_starts_of_their_windows_get_their_own_names() -> None:
    # Closed on Saturdays, and on Saturdays and Sundays: every window starts on a Saturday, but
    # the second calendar's windows end a day later. Each job-net is gated by its own days.
    holiday = [dt.date(2027, 1, 13)]  # a Wednesday: no window merges with a weekend
    saturdays = Calendar(name="/SAT", closed_weekdays=["sa"], closed_dates=holiday)
    weekends = Calendar(name="/WEEKEND", closed_weekdays=["sa", "su"], closed_dates=holiday)
    every_day = ScheduleRule(
        date=DayOfMonth(year=2027, month=1, day=1, counting="open"),
        cycle=Cycle(every=1, unit="day"),
        times=[StartTime(minutes=22 * 60)],
    )
    nets = [
        JobNet(name=name.strip("/"), path=name + "/N", calendar=name, schedule=[every_day])
        for name in ("/SAT", "/WEEKEND")
    ]
    wf = Workflow(source_system="test", children=nets, calendars=[saturdays, weekends])
    pool = CalendarPool(YEAR)
    results = [compile_jobnet(net, Schedules(wf, YEAR), pool) for net in nets]
    gates = [t.calendars for r in results for t in r.triggers]
    assert all(not [f for f in r.findings if f.severity == "error"] for r in results)
    assert len(gates) == 2 and gates[0] != gates[1]
    closed_sundays = [
        any(e.start.date() <= dt.date(2027, 1, 3) < e.end.date() for e in pool.calendars[g[0]].events)
        for g in gates
    ]
    assert closed_sundays == [False, True]
