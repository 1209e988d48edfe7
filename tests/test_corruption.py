"""Corrupted inputs: every importer either converts a damaged file or reports where it is damaged.

Real inputs (the bundled examples, the fixtures and the shared corpus) are damaged by seeded
mutations: truncation, flipped bits, deleted and duplicated spans, swapped lines, stray braces,
parentheses, quotes and other syntax characters, NUL bytes, and re-encoding (Shift_JIS, EUC-JP,
UTF-16) read back with a wrong `--encoding`. Most cases run in process through the same steps as
`convert` (decode, import, plan, render) and may only raise InputError/InputErrors located in the
damaged file; a smaller sample runs the real CLI and checks the contract: exit 0, 1 or 2, never a
traceback or an internal error, `FILE:LINE:COL: message` lines on exit 2 and no output folder.
The cron parsers get hypothesis properties: any text either parses or raises the documented error.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import converters
from calendars import awscron, unixcron
from converters import ImportOptions, SourceFile
from jobmigrate import emit, planner
from jobmigrate.encoding import decode
from jobmigrate.errors import InputError, InputErrors

from .conftest import CORPUS, FIXTURES, ROOT, jobmigrate

WINDOW = ("--start", "2027-01-01", "--end", "2027-12-31")
# In process the schedules are compiled for two months: planning time grows with the horizon and
# the mutations damage the definitions, not the calendar arithmetic.
PLAN_OPTIONS = planner.PlanOptions(start=dt.date(2027, 1, 1), end=dt.date(2027, 2, 28))
MUTATIONS_PER_IMPORTER = 150

EXAMPLES = ROOT / "examples"
CTM_CALENDARS = EXAMPLES / "controlm" / "fin_calendars.xml"
AUTOSYS_CALENDARS = FIXTURES / "autosys" / "fin_calendars.txt"


def _existing(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.is_file()]


# Inputs per importer; the companion files (calendar exports) are read unmutated beside them.
SOURCES: dict[str, list[Path]] = {
    "crontab": _existing(
        [
            EXAMPLES / "crontab" / "ops.crontab",
            *sorted((FIXTURES / "crontab" / "hosts").glob("*")),
            FIXTURES / "crontab" / "tz" / "monthly.crontab",
            FIXTURES / "crontab" / "etc" / "crontab",
            FIXTURES / "crontab" / "var" / "spool" / "cron" / "crontabs" / "batchops",
        ]
    ),
    "jp1": _existing(
        [
            EXAMPLES / "jp1" / "finance.ajs",
            *sorted((FIXTURES / "jp1").glob("*.ajs")),
            *sorted((CORPUS / "jp1").glob("*.ajs")),
        ]
    ),
    "controlm": _existing(
        [EXAMPLES / "controlm" / "fin_daily.xml", CTM_CALENDARS, *sorted((CORPUS / "controlm").glob("*.xml"))]
    ),
    "autosys": _existing(
        [EXAMPLES / "autosys" / "daily_batch.jil", FIXTURES / "autosys" / "finance.jil", AUTOSYS_CALENDARS]
    ),
    "yaml": _existing([FIXTURES / "yaml" / "nightly.yaml"]),
}
COMPANIONS: dict[Path, Path] = {
    EXAMPLES / "controlm" / "fin_daily.xml": CTM_CALENDARS,
    CTM_CALENDARS: EXAMPLES / "controlm" / "fin_daily.xml",
    FIXTURES / "autosys" / "finance.jil": AUTOSYS_CALENDARS,
    AUTOSYS_CALENDARS: FIXTURES / "autosys" / "finance.jil",
}
# A comment each format ignores, to give ASCII-only inputs Japanese text to re-encode.
JAPANESE_COMMENT: dict[str, Callable[[str], str]] = {
    "crontab": lambda text: "# 日次バッチ（経理部）の定義\n" + text,
    "jp1": lambda text: "/* 経理バッチ 日次締め */\n" + text,
    "controlm": lambda text: re.sub(r"(<\?xml[^>]*\?>\n?)?", r"\g<0><!-- 経理 日次締め -->\n", text, count=1),
    "autosys": lambda text: "/* 経理バッチ 日次締め */\n" + text,
    "yaml": lambda text: "# 経理バッチ 日次締め\n" + text,
}

_STRAY = [
    b"{", b"}", b"(", b")", b"[", b"]", b'"', b"'", b"<", b">", b"</", b";", b",", b"=", b":",
    b"#", b"%", b"\\", b"&", b"/*", b"*/", b"- ", b"!", b"*", b"\t", b"\r", b"\n",
]  # fmt: skip


# --------------------------------------------------------------------------- mutations


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip_bits(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _delete_span(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 120) :]


def _duplicate_span(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    span = data[start : start + rng.randint(1, 200)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + span + data[at:]


def _stray_characters(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(_STRAY) + data[at:]
    return data


def _nul_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" * rng.randint(1, 4) + data[at:]


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _drop_line(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


MUTATORS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "flip": _flip_bits,
    "delete": _delete_span,
    "duplicate": _duplicate_span,
    "stray": _stray_characters,
    "nul": _nul_bytes,
    "swap-lines": _swap_lines,
    "drop-line": _drop_line,
}


@dataclass(frozen=True)
class Mutant:
    label: str  # how to reproduce it: source file, seed, mutation
    data: bytes


def mutants(importer: str, count: int) -> list[Mutant]:
    """`count` seeded mutations spread over the importer's sources, every mutator used."""
    sources = SOURCES[importer]
    out: list[Mutant] = []
    names = sorted(MUTATORS)
    for index in range(count):
        source = sources[index % len(sources)]
        rng = random.Random(f"{importer}:{source.name}:{index}")
        name = names[index % len(names)]
        data = source.read_bytes()
        for _ in range(rng.choice([1, 1, 1, 2])):
            data = MUTATORS[name](data, rng) if data else data
        out.append(Mutant(f"{source.relative_to(source.parents[1])} seed={index} {name}", data))
    return out


def source_for(importer: str, index: int) -> Path:
    sources = SOURCES[importer]
    return sources[index % len(sources)]


# --------------------------------------------------------------------------- in process


@functools.cache
def _companion(path: Path) -> SourceFile | None:
    other = COMPANIONS.get(path)
    if other is None:
        return None
    text, used = decode(other.read_bytes(), str(other))
    return SourceFile(str(other), text, used)


def convert_in_process(
    importer: str, path: Path, data: bytes, encoding: str | None = None, render: bool = True
) -> None:
    """decode -> import -> plan -> render, as `convert` does (without writing the folder)."""
    text, used = decode(data, str(path), encoding)
    files = [SourceFile(str(path), text, used)]
    companion = _companion(path)
    if companion is not None:
        files.append(companion)
    workflow = converters.get(importer).parse(files, ImportOptions(encoding=encoding))
    plan = planner.plan(workflow, PLAN_OPTIONS)
    if render:
        emit.render(plan, workflow=workflow)


def _errors(error: InputError | InputErrors) -> list[InputError]:
    return error.errors if isinstance(error, InputErrors) else [error]


def check_located(error: InputError | InputErrors, path: Path, data: bytes) -> list[str]:
    """Problems with how an input error is located: every error names one of the inputs, and
    its line lies within the damaged file (0 = the file as a whole)."""
    problems = []
    errors = _errors(error)
    if not errors:
        problems.append("InputErrors without any error")
    inputs = {str(path)} | ({str(COMPANIONS[path])} if path in COMPANIONS else set())
    last_line = data.count(b"\n") + 2
    for e in errors:
        if e.file not in inputs:
            problems.append(f"error names {e.file!r}, not an input: {e}")
        elif e.file == str(path) and not 0 <= e.line <= last_line:
            problems.append(f"line {e.line} is outside the file ({last_line - 1} lines): {e}")
        if e.column < 0 or not e.message.strip():
            problems.append(f"bad column or empty message: {e!r}")
    return problems


@pytest.mark.parametrize("importer", sorted(SOURCES))
def test_every_source_is_usable_before_it_is_damaged(importer: str) -> None:
    """The mutations start from inputs the importer reads: most convert unmutated."""
    converted = 0
    for path in SOURCES[importer]:
        try:
            convert_in_process(importer, path, path.read_bytes())
            converted += 1
        except (InputError, InputErrors) as e:
            assert not check_located(e, path, path.read_bytes())
    assert SOURCES[importer] and converted >= (len(SOURCES[importer]) + 1) // 2


@pytest.mark.parametrize("importer", sorted(SOURCES))
def test_mutated_inputs_convert_or_raise_located_input_errors(importer: str) -> None:
    failures: list[str] = []
    rejected = 0
    for index, mutant in enumerate(mutants(importer, MUTATIONS_PER_IMPORTER)):
        path = source_for(importer, index)
        try:
            convert_in_process(importer, path, mutant.data, render=index % 4 == 0)
        except (InputError, InputErrors) as e:
            rejected += 1
            failures += [f"{mutant.label}: {p}" for p in check_located(e, path, mutant.data)]
        except Exception as e:  # the point of the test: anything else is a bug
            failures.append(f"{mutant.label}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures[:20])
    # The mutations really damage the inputs: some are rejected (strict syntax everywhere).
    assert rejected > 0


YAML_DUMP = "dump-of-finance.yaml"


def test_mutated_neutral_dump_of_a_rich_workflow() -> None:
    """The neutral format also reads what `dumps` writes for a JP1 workflow with every feature
    of the finance example; damaged copies of that are located errors too."""
    from converters.neutral import dumps

    finance = EXAMPLES / "jp1" / "finance.ajs"
    workflow = converters.get("jp1").parse([SourceFile(str(finance), finance.read_text())], ImportOptions())
    data = dumps(workflow).encode("utf-8")
    path = FIXTURES / "yaml" / YAML_DUMP  # never written: only names the text in messages
    convert_in_process("yaml", path, data)
    failures: list[str] = []
    for seed in range(80):
        rng = random.Random(f"yaml-dump:{seed}")
        name = sorted(MUTATORS)[seed % len(MUTATORS)]
        mutated = MUTATORS[name](data, rng)
        try:
            convert_in_process("yaml", path, mutated, render=seed % 4 == 0)
        except (InputError, InputErrors) as e:
            failures += [f"seed={seed} {name}: {p}" for p in check_located(e, path, mutated)]
        except Exception as e:
            failures.append(f"seed={seed} {name}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures[:20])


# --------------------------------------------------------------------------- encodings

ENCODINGS = ["cp932", "euc_jp", "utf-16", "utf-16-le", "utf-8-sig"]
FORCED_ENCODINGS = ["utf-8", "cp932", "euc-jp", "utf-16", "latin-1"]  # --encoding, mostly wrong


def japanese_text(importer: str, path: Path) -> str:
    text, _ = decode(path.read_bytes(), str(path))
    if any(ord(c) > 0x3000 for c in text):
        return text
    return JAPANESE_COMMENT[importer](text)


@pytest.mark.parametrize("importer", sorted(SOURCES))
def test_re_encoded_inputs_are_detected_and_wrong_encodings_are_input_errors(importer: str) -> None:
    failures: list[str] = []
    for path in SOURCES[importer][:4]:
        text = japanese_text(importer, path)
        for encoding in ENCODINGS:
            data = text.encode(encoding)
            # Detection gives back the very text (mostly ASCII with some Japanese, as real files).
            detected, used = decode(data, str(path))
            if detected.lstrip("\ufeff") != text:
                failures.append(f"{path.name} as {encoding}: detected as {used}, text differs")
            for forced in FORCED_ENCODINGS:
                try:
                    convert_in_process(importer, path, data, forced)
                except (InputError, InputErrors) as e:
                    failures += [
                        f"{path.name} {encoding} read as {forced}: {p}" for p in check_located(e, path, data)
                    ]
                except Exception as e:
                    failures.append(f"{path.name} {encoding} read as {forced}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures[:20])


def test_euc_jp_with_half_width_katakana_is_detected() -> None:
    # Also valid CP932, as kanji: kana outweigh kanji when the two readings tie otherwise.
    text = "# ﾆｯｼﾞ ﾊﾞｯﾁ (ｹｲﾘ)\n30 22 * * 1-5 /opt/batch/bin/daily.sh\n"
    detected, used = decode(text.encode("euc_jp"), "batch.crontab")
    assert (detected, used) == (text, "euc_jp")
    sjis_kana = "ﾊﾞｯﾁ ｹｲﾘ\n".encode("cp932")  # and half-width kana written as Shift_JIS stay Shift_JIS
    assert decode(sjis_kana, "x")[1] == "cp932"


# --------------------------------------------------------------------------- the real CLI


LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \S")


def assert_cli_contract(result_code: int, stderr: str, given: Path, out: Path) -> None:
    assert result_code in (0, 1, 2), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert leftovers == [], f"staging folders left behind: {leftovers}"
    if result_code == 2:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert lines, "exit 2 without a message"
        for line in lines:
            match = LOCATED.match(line)
            assert match is not None and match["file"] == str(given), line
        assert not out.exists(), "exit 2 must write nothing"
    else:
        assert (out / "plan.json").is_file()


def cli_sample(importer: str) -> list[tuple[Path, Mutant]]:
    """A few mutants for the subprocess runs: the first one the importer rejects, the first it
    accepts, and the first with NUL bytes (deterministic; chosen in process)."""
    picked: dict[str, tuple[Path, Mutant]] = {}
    for index, mutant in enumerate(mutants(importer, 24)):
        path = source_for(importer, index)
        if path in COMPANIONS or path.parent.name == "etc":
            continue  # the CLI runs convert one file, named as on its host
        try:
            convert_in_process(importer, path, mutant.data)
            outcome = "accepted"
        except (InputError, InputErrors):
            outcome = "rejected"
        except Exception:
            outcome = "crashed"  # the in-process test names it; here the CLI must still cope
        picked.setdefault(outcome, (path, mutant))
        if mutant.label.endswith(" nul"):
            picked.setdefault("nul", (path, mutant))
    return list(picked.values())


@pytest.mark.parametrize(
    "importer",
    [i for i in sorted(SOURCES)],
)
def test_cli_on_mutated_files_keeps_the_contract(importer: str, tmp_path: Path) -> None:
    sample = cli_sample(importer)
    assert len(sample) >= 2
    for number, (source, mutant) in enumerate(sample):
        given = tmp_path / f"in{number}" / source.name
        given.parent.mkdir()
        given.write_bytes(mutant.data)
        out = tmp_path / f"out{number}"
        result = jobmigrate("convert", given, "--from", importer, "--out", out, *WINDOW)
        assert_cli_contract(result.returncode, result.stderr, given, out)


@pytest.mark.parametrize("importer", sorted(SOURCES))
def test_cli_with_a_wrong_encoding_reports_the_position(importer: str, tmp_path: Path) -> None:
    """Shift_JIS and UTF-16 files read with --encoding utf-8: exit 2 at the first byte that is
    not UTF-8 (the first Japanese character; the byte-order mark of UTF-16)."""
    source = SOURCES[importer][0]
    text = japanese_text(importer, source)
    first_japanese_line = next(n for n, line in enumerate(text.splitlines(), 1) if not line.isascii())
    for encoding, line in (("cp932", first_japanese_line), ("utf-16", 1)):
        given = tmp_path / encoding / source.name
        given.parent.mkdir()
        given.write_bytes(text.encode(encoding))
        out = tmp_path / f"out-{encoding}"
        result = jobmigrate(
            "convert", given, "--from", importer, "--encoding", "utf-8", "--out", out, *WINDOW
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert_cli_contract(result.returncode, result.stderr, given, out)
        assert result.stderr.startswith(f"{given}:{line}:") and "utf-8" in result.stderr.lower(), (
            result.stderr
        )


def test_cli_locates_a_control_character_in_neutral_yaml(tmp_path: Path) -> None:
    source = FIXTURES / "yaml" / "nightly.yaml"
    lines = source.read_bytes().split(b"\n")
    assert lines[11].strip().startswith(b"kind:")
    lines[11] = lines[11].replace(b"kind:", b"kind:\x00", 1)  # line 12
    given = tmp_path / "nightly.yaml"
    given.write_bytes(b"\n".join(lines))
    result = jobmigrate("convert", given, "--from", "yaml", "--out", tmp_path / "out", *WINDOW)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert re.match(rf"{re.escape(str(given))}:12:\d+: ", result.stderr), result.stderr


def test_cli_keeps_the_previous_folder_when_the_new_input_is_damaged(tmp_path: Path) -> None:
    source = EXAMPLES / "crontab" / "ops.crontab"
    out = tmp_path / "out"
    first = jobmigrate("convert", source, "--from", "crontab", "--out", out, *WINDOW)
    assert first.returncode in (0, 1), first.stderr
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "ops.crontab"
    broken.write_bytes(source.read_bytes().replace(b"30 22 * * mon-fri", b"30 22 * * mon-fri}{"))
    second = jobmigrate("convert", broken, "--from", "crontab", "--out", out, *WINDOW)
    assert second.returncode == 2, second.stdout + second.stderr
    assert second.stderr.startswith(f"{broken}:")
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ops.crontab", "out"]


# --------------------------------------------------------------------------- cron parsers

_CRON_ALPHABET = [*"0123456789*/,-?LW# \t", "JAN", "MON", "SUN", "FRI", "DEC", "L", "#", "@", "é", "\x00"]
_cron_like = st.lists(st.sampled_from(_CRON_ALPHABET), max_size=24).map("".join)
_specials = st.sampled_from(["@daily", "@reboot", "@weekly", "@Yearly", "@hourly x", "@", "@@"])
_any_text = st.text(max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_cron_like, _specials, _any_text))
def test_unix_cron_parser_accepts_or_raises_cron_syntax_error(text: str) -> None:
    try:
        expr = unixcron.parse(text)
    except unixcron.CronSyntaxError as e:
        assert 0 <= e.offset <= len(text) and e.message
        return
    start = dt.datetime(2027, 3, 13)
    times = list(expr.fire_times(start, start + dt.timedelta(days=2)))
    assert times == sorted(times) and all(start <= t < start + dt.timedelta(days=2) for t in times)
    assert all(expr.matches(t) for t in times)
    zone = ZoneInfo("America/New_York")  # 14 March 2027: spring forward
    aware = list(
        expr.fire_times(start.replace(tzinfo=zone), (start + dt.timedelta(days=3)).replace(tzinfo=zone))
    )
    assert aware == sorted(aware)


_aws_body = st.lists(st.sampled_from([*_CRON_ALPHABET, "?", "L", "W", "1#2", "5L", "LW"]), max_size=24).map(
    "".join
)
_aws_text = st.one_of(
    _aws_body.map(lambda b: f"cron({b})"),
    st.sampled_from(["rate", "at", "cron"]).flatmap(lambda k: _any_text.map(lambda b: f"{k}({b})")),
    st.builds(
        lambda n, u: f"rate({n} {u})",
        st.integers(-2, 10**6),
        st.sampled_from(["minute", "minutes", "hour", "days", "x"]),
    ),
    _any_text,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_aws_text)
def test_aws_expression_parser_accepts_or_raises_aws_expression_error(text: str) -> None:
    try:
        expr = awscron.parse(text)
    except awscron.AwsExpressionError as e:
        assert 1 <= e.column <= len(text) + 1 and e.message
        return
    zone = ZoneInfo("Asia/Tokyo")
    start = dt.datetime(2027, 1, 1, tzinfo=zone)
    end = start + dt.timedelta(days=3)
    times = awscron.fire_times(expr, start, end, zone)
    assert times == sorted(times) and all(start <= t < end for t in times)
    if isinstance(expr, awscron.CronExpression):
        assert all(expr.matches_day(t.date()) for t in times)
    assert len(awscron.next_fire_times(expr, start, 2, zone)) <= 2
