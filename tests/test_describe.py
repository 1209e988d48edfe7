"""Plain-language descriptions: cron-descriptor's wording where it is right for EventBridge
(1 = Sunday, L, LW, nW, n#k, nL), our own where it is not (years, L alone, uneven steps)."""

from __future__ import annotations

import random

import pytest

from calendars.awscron import parse_cron
from jobmigrate.describe import describe, quartz


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(30 22 ? * MON-FRI *)", "At 22:30, Monday through Friday"),
        ("cron(30 22 ? * 2-6 *)", "At 22:30, Monday through Friday"),
        ("cron(0 9 ? * 1 *)", "At 09:00, only on Sunday"),  # EventBridge: 1 = Sunday
        ("cron(0 9 ? * 7 *)", "At 09:00, only on Saturday"),
        ("cron(0 9 ? * L *)", "At 09:00, only on Saturday"),  # the last day of the week
        ("cron(0 9 ? * SAT,SUN *)", "At 09:00, only on Saturday and Sunday"),
        ("cron(0 9 ? * FRI-MON *)", "At 09:00, Friday through Monday"),
        ("cron(0 9 L * ? *)", "At 09:00, on the last day of the month"),
        ("cron(0 9 LW * ? *)", "At 09:00, on the last weekday of the month"),
        ("cron(0 9 15W * ? *)", "At 09:00, on the weekday nearest day 15 of the month"),
        # W never leaves the month, so the weekday nearest the 1st is the month's first weekday
        ("cron(0 9 1W * ? *)", "At 09:00, on the first weekday of the month"),
        ("cron(0 9 ? * 3#2 *)", "At 09:00, on the second Tuesday of the month"),
        ("cron(0 9 ? * mon#1 *)", "At 09:00, on the first Monday of the month"),
        ("cron(0 9 ? * 6L *)", "At 09:00, on the last Friday of the month"),
        ("cron(0 9 ? * FRIL *)", "At 09:00, on the last Friday of the month"),
        ("cron(0 9 1 * ? 2025)", "At 09:00, on day 1 of the month, only in 2025"),
        ("cron(0 9 1 * ? 2025-2027)", "At 09:00, on day 1 of the month, 2025 through 2027"),
        ("cron(0 9 1 * ? 2024,2026)", "At 09:00, on day 1 of the month, in 2024 and 2026"),
        ("cron(0 9 1 * ? 2024/2)", "At 09:00, on day 1 of the month, every 2 years from 2024 through 2198"),
        ("cron(0/15 * * * ? *)", "Every 15 minutes"),
        ("cron(5/15 * * * ? *)", "Every 15 minutes, starting at 5 minutes past the hour"),
        # steps that do not repeat evenly are listed: "every 7 minutes" would be wrong at :56
        ("cron(*/7 * * * ? *)", "At 0, 7, 14, 21, 28, 35, 42, 49, and 56 minutes past the hour"),
        ("cron(0 */5 * * ? *)", "At 00:00, 05:00, 10:00, 15:00 and 20:00"),
        ("cron(30/45 9 1 * ? *)", "At 09:30, on day 1 of the month"),
        ("cron(0 9 */10 * ? *)", "At 09:00, on day 1, 11, 21, and 31 of the month"),
        ("cron(0 9 28-3 * ? *)", "At 09:00, on day 1, 2, 3, 28, 29, 30, and 31 of the month"),
        ("cron(0 9 1 */5 ? *)", "At 09:00, on day 1 of the month, only in January, June, and November"),
        ("cron(0 9 1 */3 ? *)", "At 09:00, on day 1 of the month, every 3 months"),
        ("cron(0 9 1 NOV-FEB ? *)", "At 09:00, on day 1 of the month, November through February"),
        ("rate(1 minute)", "Every minute, counted from the schedule's start"),
        ("rate(5 minutes)", "Every 5 minutes, counted from the schedule's start"),
        ("rate(1 hour)", "Every hour, counted from the schedule's start"),
        (
            "rate(2 days)",
            "Every 2 days (48 hours, so the local time of day shifts when clocks change), "
            "counted from the schedule's start",
        ),
        ("at(2025-01-01T09:00:00)", "Once, on 2025-01-01 (Wednesday) at 09:00:00"),
    ],
)
def test_descriptions(expression: str, expected: str) -> None:
    assert describe(expression) == expected


def test_the_zone_is_named() -> None:
    assert describe("cron(0 9 * * ? *)", "Asia/Tokyo") == "At 09:00 (Asia/Tokyo time)"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(30 22 ? * MON-FRI *)", "0 30 22 ? * MON-FRI *"),
        ("cron(0 9 ? * fril 2025)", "0 0 9 ? * FRIL *"),
        ("cron(0 9 ? * L *)", "0 0 9 ? * 7 *"),
        ("cron(*/20 */6 LW * ? *)", "0 */20 */6 LW * ? *"),  # even steps stay as written
        ("cron(0 9 5/10 * ? *)", "0 0 9 5,15,25 * ? *"),
    ],
)
def test_quartz_mapping(expression: str, expected: str) -> None:
    assert quartz(parse_cron(expression)) == expected


def test_every_valid_expression_gets_a_sentence() -> None:
    rng = random.Random(5)
    for _ in range(300):
        minute = rng.choice(["0", "*/5", "7/13", "1-59/2", "*", "15,45"])
        hour = rng.choice(["9", "*/4", "22-2", "0-23/5", "*"])
        days = rng.choice(
            [
                "? * MON-FRI",
                "L * ?",
                "LW JAN,JUL ?",
                "13W * ?",
                "? * 2#3",
                "? * 1L",
                "? * L",
                "*/3 * ?",
                "29-2 2-4 ?",
            ]
        )
        year = rng.choice(["*", "2030", "2025-2040/5"])
        text = describe(f"cron({minute} {hour} {days} {year})")
        assert text and "9999" not in text


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 ? FEB-MAY,JUL,AUG,OCT,NOV TUE-SAT *)",
        "cron(30 22 ? * MON-FRI *)",
        "cron(0 0 1,15 JAN,FEB,APR ? *)",
        "cron(15 7 ? JAN-MAR,SEP MON,TUE *)",
    ],
)
def test_japanese_lists_never_double_their_separator(expression: str) -> None:
    text = describe(expression, "Asia/Tokyo", "ja")
    assert "、、" not in text.replace(" ", "")
    assert "2月" in text or "月曜日" in text or "22:30" in text
