"""The definition writer: a second process that turns planned definitions into their files.

Deploying a definition means serialising it twice (indented for statemachines/, compact ASCII
for template.yaml), writing our placeholders as `${Key}`, protecting legacy `${` and escaping
what YAML readers refuse: about as much work as planning it. `output.Folder` hands that work to
this process once a conversion is large enough, and goes on planning meanwhile.

It is a fresh interpreter (`python -m jobmigrate.writer STAGE`) rather than a fork: it imports
only what it needs (14 MB), and shares no page with the planner that either would then copy. A
process forked from the planner's heap copied every page either touched afterwards, which
doubled the memory of a 20,000-job conversion.

The folder sends frames on the writer's stdin (kind, name size, payload size, name, payload):
a definition as the compact JSON the planner made for its size check, or a request to confirm
that everything before it is written. The writer answers each request on stdout with a 4-byte
length and the first error it met ("" when none): the folder then raises it as OSError, and
the conversion fails as it would in one process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import struct
import subprocess
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import IO, BinaryIO

import orjson

from . import asl

COMPACT = ".compact"  # scratch: each definition as embedded in template.yaml; not committed

_FRAME = struct.Struct("<cII")
_LENGTH = struct.Struct("<I")
_DEFINITION, _SYNC = b"D", b"S"
_GONE = "the process writing the state machine definitions stopped unexpectedly"


def definition_file(name: str) -> str:
    """Where a state machine's definition is written, relative to the output folder."""
    return f"statemachines/{name}.asl.json"


def write(stage: Path, rel: str, chunks: Iterable[str]) -> None:
    """`chunks` into the file `rel` of the folder `stage`, which it may not leave."""
    target = (stage / rel).resolve()
    if stage not in target.parents:
        raise ValueError(f"refusing to write outside the output folder: {rel}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="\n") as f:
        # Templates yield a million small pieces: joined a thousand at a time, not written one by one.
        batch: list[str] = []
        for chunk in chunks:
            batch.append(chunk)
            if len(batch) == 1024:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))


def write_definition(stage: Path, name: str, deployed: asl.Deployed) -> None:
    write(stage, definition_file(name), [deployed.text])
    write(stage, compact_file(name), [deployed.compact])
    if deployed.protects_legacy:  # told by a file of its own, so the template need not search
        write(stage, protects_file(name), [])


def compact_file(name: str) -> str:
    """Scratch: the definition as template.yaml embeds it."""
    return f"{COMPACT}/{name}.json"


def protects_file(name: str) -> str:
    """Scratch, present when the definition needs the Dollar substitution (see asl.deployed)."""
    return f"{COMPACT}/{name}.protects"


class Writer:
    """The folder's side: starts the process, sends it definitions, waits for it."""

    def __init__(self, stage: Path) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "jobmigrate.writer", str(stage)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._frames: IO[bytes] = self._process.stdin
        self._replies: IO[bytes] = self._process.stdout
        _widen(self._frames.fileno())

    def send(self, name: str, compact: bytes) -> None:
        self._frame(_DEFINITION, name, compact)

    def sync(self) -> None:
        """Return once everything sent is written; raise the writer's first error."""
        self._frame(_SYNC, "", b"")
        try:
            self._frames.flush()
        except BrokenPipeError:
            raise OSError(_GONE) from None
        head = self._replies.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise OSError(_GONE)
        (size,) = _LENGTH.unpack(head)
        if size:
            raise OSError(self._replies.read(size).decode("utf-8", "replace"))

    def stop(self) -> None:
        """End the process once it has written what it was sent (at once if it is gone)."""
        with contextlib.suppress(OSError):  # gone: what was not sent is not needed
            self._frames.close()  # end of input: the writer finishes and exits
        self._replies.close()
        self._process.wait()

    def _frame(self, kind: bytes, name: str, payload: bytes) -> None:
        encoded = name.encode("utf-8")
        try:
            self._frames.write(_FRAME.pack(kind, len(encoded), len(payload)) + encoded)
            self._frames.write(payload)
        except BrokenPipeError:
            raise OSError(_GONE) from None


def _widen(pipe: int) -> None:
    """Let the pipe hold a whole definition (1 MB at most, as Step Functions takes). With the
    usual 64 KB the planner waits while the writer works on the previous one: one process at a
    time, and the 20,000-job conversion took two seconds longer. Linux only; elsewhere the pipe
    stays as it is and the conversion is slower, not different."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        return
    option = getattr(fcntl, "F_SETPIPE_SZ", None)
    if option is not None:
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(pipe, option, 1 << 20)


def serve(stage: Path, frames: BinaryIO, replies: BinaryIO) -> None:
    """The writer's loop, until the folder closes its end."""
    failure = ""
    while True:
        head = frames.read(_FRAME.size)
        if len(head) < _FRAME.size:
            return
        kind, name_size, size = _FRAME.unpack(head)
        name = frames.read(name_size).decode("utf-8")
        payload = frames.read(size)
        if kind == _SYNC:
            message = failure.encode("utf-8")
            replies.write(_LENGTH.pack(len(message)) + message)
            replies.flush()
        elif not failure:  # after an error, read on so that the folder never blocks on a full pipe
            try:
                write_definition(stage, name, asl.deployed(orjson.loads(payload), payload))
            except Exception as e:
                failure = f"writing {definition_file(name)}: {e}"
                if os.environ.get("JOBMIGRATE_DEBUG"):
                    traceback.print_exc(file=sys.stderr)


if __name__ == "__main__":
    gc.disable()  # what it builds is acyclic: the cyclic collector would only rescan it
    # Ctrl-C reaches the whole process group: the folder stops the writer by closing its input,
    # and a second traceback from here would only bury the conversion's own message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Path(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer)
