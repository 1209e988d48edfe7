"""What every subcommand shares: reporting input errors, the source options, time zones."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console

import converters
from jobmigrate.errors import InputError, InputErrors, UsageError

F = TypeVar("F", bound=Callable[..., Any])

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def _fail(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(2)


def reports_input_errors(func: F) -> F:
    """Turn input problems into `FILE:LINE:COL: message` lines and exit 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputErrors as e:
            _fail([str(x) for x in e.errors])
        except InputError as e:
            _fail([str(e)])
        except UsageError as e:
            _fail([f"jobmigrate: {e}"])
        except OSError as e:  # a folder that cannot be written, a full disk: not a bug of ours
            _fail([f"jobmigrate: {e}"])
        except Exception as e:  # a bug of ours: say so plainly, keep the traceback for debugging
            if os.environ.get("JOBMIGRATE_DEBUG"):
                raise
            click.echo(
                f"jobmigrate: internal error: {type(e).__name__}: {e} "
                "(set JOBMIGRATE_DEBUG=1 to see the traceback)",
                err=True,
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def source_options(func: F) -> F:
    func = click.option(
        "--encoding", default=None, help="Force the input encoding (utf-8, cp932, euc-jp, utf-16)."
    )(func)
    func = click.option(
        "--tz",
        "timezone",
        default="Asia/Tokyo",
        show_default=True,
        help="IANA time zone of the legacy system.",
    )(func)
    func = click.option(
        "--from",
        "source_format",
        default=None,
        metavar="FORMAT",
        help=f"Legacy format: {', '.join(converters.names())}. Guessed when omitted.",
    )(func)
    return func


def check_timezone(tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz!r} for --tz (use an IANA name such as Asia/Tokyo)") from None


def trigger_option(func: F) -> F:
    return click.option(
        "--trigger",
        type=click.Choice(["scheduler", "rule"]),
        default="scheduler",
        show_default=True,
        help="Start root job-nets with EventBridge Scheduler (legacy time zone) or EventBridge rules (UTC).",
    )(func)


def window_options(func: F) -> F:
    func = click.option(
        "--end",
        default=None,
        metavar="DATE",
        help="Last day schedules are compiled for (default: end of next year).",
    )(func)
    func = click.option(
        "--start",
        default=None,
        metavar="DATE",
        help="First day schedules are compiled for (default: 1 January).",
    )(func)
    return func
