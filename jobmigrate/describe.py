"""Plain-language descriptions of EventBridge expressions, for reviewers.

cron() descriptions come from cron-descriptor, which reads Quartz expressions (seconds first,
day-of-week 1 = Sunday, as in EventBridge): `cron(m h dom mon dow year)` is given to it as
`0 m h dom mon dow *`. It words L, LW, nW, n#k and nL correctly. Where its wording would mislead
a reviewer, the field is rewritten before it sees it, or worded here:

* the year field: it says "every 2 years, 2024 through 9999" (AWS stops at 2199), so years are
  worded here and the field is given to it as `*`;
* `L` alone in day-of-week (Saturday to AWS) is an error to it: it is given `7`;
* steps that do not repeat evenly round the field (`*/7` minutes end at 56, then 0 follows 4
  minutes later; `*/5` hours; day-of-month steps restart every month) would read "every 7
  minutes": such fields are given as the list of their values;
* a day-of-month range that wraps (`28-3`) would read "between day 28 and 3": listed too.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Literal

from cron_descriptor import ExpressionDescriptor, Options
from cron_descriptor.ExpressionParser import ExpressionParser
from cron_descriptor.GetText import GetText

from calendars.awscron import (
    HOURS,
    MINUTES,
    MONTH,
    YEAR,
    AtExpression,
    CronExpression,
    DayKind,
    Expression,
    RateExpression,
    parse,
)

Language = Literal["en", "ja"]

# 24-hour times and a fixed locale: the same words on every reviewer's machine.
_OPTIONS = {
    "en": Options(day_of_week_start_index_zero=False, use_24hour_time_format=True, locale_code="en_US"),
    "ja": Options(day_of_week_start_index_zero=False, use_24hour_time_format=True, locale_code="ja_JP"),
}
_NAMES = re.compile(r"\b(SUN|MON|TUE|WED|THU|FRI|SAT|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\b")
_NUMBERS = {name: str(i + 1) for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))} | {
    name: str(i + 1)
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}


def describe(expression: str | Expression, timezone: str | None = None, lang: Language = "en") -> str:
    """One sentence saying when the expression fires; `timezone` names the clock it reads."""
    if isinstance(expression, str):
        return _describe_text(expression, timezone, lang)
    return _describe_parsed(expression, timezone, lang)


@functools.lru_cache(maxsize=4096)
def _describe_text(expression: str, timezone: str | None, lang: Language) -> str:
    # A large conversion repeats a few hundred expressions thousands of times, and
    # cron-descriptor reads its translation catalogue on every call.
    return _describe_parsed(parse(expression), timezone, lang)


def _describe_parsed(parsed: Expression, timezone: str | None, lang: Language) -> str:
    if isinstance(parsed, CronExpression):
        text = describe_cron(parsed, lang)
    elif isinstance(parsed, RateExpression):
        text = _describe_rate(parsed) if lang == "en" else _describe_rate_ja(parsed)
    else:
        text = _describe_at(parsed) if lang == "en" else f"{parsed.when:%Y年%m月%d日 %H:%M:%S} に1回"
    if not timezone:
        return text
    return f"{text} ({timezone} time)" if lang == "en" else f"{text}（{timezone} 時刻）"


class _Descriptor(ExpressionDescriptor):  # type: ignore[misc]
    """cron-descriptor's describer with its translation catalogue read once per language: the
    library reads the catalogue file for every expression, most of the time of a report."""

    def __init__(self, expression: str, options: Options) -> None:
        self._expression = expression
        self._options = options
        self.get_text = _catalogue(options.locale_code)
        self._expression_parts = ExpressionParser(expression, options).parse()


_DOUBLED_COMMA = re.compile(r"、(?:\s*、)+")


@functools.cache
def _catalogue(locale_code: str) -> GetText:
    return GetText(locale_code)


def describe_cron(cron: CronExpression, lang: Language = "en") -> str:
    expression = quartz(cron)
    if lang == "ja":
        # Names would stay English inside Japanese text; numbers are worded in the locale.
        expression = _NAMES.sub(lambda m: _NUMBERS[m.group(1)], expression)
    text: str = _Descriptor(expression, _OPTIONS[lang]).get_description()
    if lang == "ja":
        # cron-descriptor takes day and month names from Python's calendar, in English here.
        text = (
            _ENGLISH_NAMES.sub(lambda m: _JAPANESE[m.group(0)], text)
            .replace(", と ", "、")
            .replace(", ", "、")
        )
        # The catalogue ends some phrases with its own "、" before the English list separator.
        text = _DOUBLED_COMMA.sub("、", text)
    years = _years_phrase(cron.years) if lang == "en" else _years_phrase_ja(cron.years)
    if not years:
        return text
    return f"{text}, {years}" if lang == "en" else f"{text}、{years}"


_JAPANESE = {
    day: f"{kanji}曜日"
    for day, kanji in zip(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "月火水木金土日",
        strict=True,
    )
} | {
    month: f"{i + 1}月"
    for i, month in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        )
    )
}
_ENGLISH_NAMES = re.compile(r"\b(" + "|".join(_JAPANESE) + r")\b")


def _years_phrase_ja(years: tuple[int, ...]) -> str:
    if years == tuple(range(YEAR.low, YEAR.high + 1)):
        return ""
    if len(years) == 1:
        return f"{years[0]}年のみ"
    if years == tuple(range(years[0], years[-1] + 1)):
        return f"{years[0]}年から{years[-1]}年まで"
    return "、".join(f"{y}年" for y in years)


def _describe_rate_ja(rate: RateExpression) -> str:
    unit = {"minute": "分", "hour": "時間", "day": "日"}[rate.unit]
    text = f"{rate.value}{unit}ごと（スケジュールの開始時点から数える）"
    if rate.unit == "day":
        text += f"。{24 * rate.value}時間単位のため、夏時間の切り替えで現地時刻がずれる"
    return text


def quartz(cron: CronExpression) -> str:
    """The seven-field Quartz expression cron-descriptor is given, with the rewrites above."""
    minutes, hours, dom, month, dow, _year = (field.upper() for field in cron.fields)
    minutes = _listed_unless_even(minutes, cron.minutes, MINUTES.high + 1)
    hours = _listed_unless_even(hours, cron.hours, HOURS.high + 1)
    month = _listed_unless_even(month, cron.months, MONTH.high)
    if cron.day_rule.kind == DayKind.MONTH_DAYS and _steps_or_wraps(dom):
        dom = _listed(sorted(cron.day_rule.values))
    if dow == "L":
        dow = "7"  # the last day of the week
    return f"0 {minutes} {hours} {dom} {month} {dow} *"


def _listed_unless_even(token: str, values: tuple[int, ...], size: int) -> str:
    """The field as written, unless it has a step whose values are not evenly spaced round the
    field (or select one value): then the values themselves."""
    if "/" not in token or (len(values) > 1 and _evenly_spaced(values, size)):
        return token
    return _listed(values)


def _evenly_spaced(values: tuple[int, ...], size: int) -> bool:
    gaps = {b - a for a, b in itertools.pairwise(values)}
    gaps.add(values[0] + size - values[-1])  # from the last value round to the first
    return len(gaps) == 1


def _steps_or_wraps(token: str) -> bool:
    if "/" in token:
        return True
    for element in token.split(","):
        first, _, last = element.partition("-")
        if last and int(first) > int(last):
            return True
    return False


def _listed(values: list[int] | tuple[int, ...]) -> str:
    return ",".join(str(v) for v in values)


def _years_phrase(years: tuple[int, ...]) -> str:
    if years == tuple(range(YEAR.low, YEAR.high + 1)):
        return ""
    if len(years) == 1:
        return f"only in {years[0]}"
    if years == tuple(range(years[0], years[-1] + 1)):
        return f"{years[0]} through {years[-1]}"
    if len(years) <= 6:
        return "in " + ", ".join(str(y) for y in years[:-1]) + f" and {years[-1]}"
    gaps = {b - a for a, b in itertools.pairwise(years)}
    if len(gaps) == 1:
        return f"every {gaps.pop()} years from {years[0]} through {years[-1]}"
    return f"in {len(years)} chosen years from {years[0]} through {years[-1]}"


def _describe_rate(rate: RateExpression) -> str:
    every = f"Every {rate.unit}" if rate.value == 1 else f"Every {rate.value} {rate.unit}s"
    if rate.unit == "day":
        hours = 24 * rate.value
        every += f" ({hours} hours, so the local time of day shifts when clocks change)"
    return f"{every}, counted from the schedule's start"


def _describe_at(at: AtExpression) -> str:
    return f"Once, on {at.when:%Y-%m-%d (%A)} at {at.when:%H:%M:%S}"
