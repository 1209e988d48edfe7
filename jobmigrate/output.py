"""Where a conversion's files go: an output folder written in full or not at all, or memory.

A large conversion writes some 250 MB; holding it all before writing would cost as much memory.
So the folder is staged beside its final place and filled as the work goes: each state machine
definition as soon as it is planned, each template as Jinja produces it. Only when everything is
written does the staging folder replace the output folder; on any error it is removed and the
previous output stays as it was.

Serialising definitions for deployment (placeholders, protected legacy `${`, indenting, ASCII
escapes) and writing them costs about as much as planning them, so a second process does it
while planning goes on (`_Writer`). It is forked when the folder is opened, before the inputs
are read: it shares almost nothing it could copy (a process forked from a large heap copies
every page either process then touches, which doubled the memory of a 20,000-job conversion).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import sys
import tempfile
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

import orjson

from . import asl

_COMPACT = ".compact"  # scratch: each definition as embedded in template.yaml; not committed


def definition_file(name: str) -> str:
    """Where a state machine's definition is written, relative to the output folder."""
    return f"statemachines/{name}.asl.json"


class Definition(Protocol):
    """A definition as the templates embed it (see asl.deployed)."""

    @property
    def compact(self) -> str: ...

    @property
    def protects_legacy(self) -> bool: ...


class Files(Protocol):
    def write(self, rel: str, chunks: Iterable[str]) -> None: ...

    def definition(self, name: str) -> Definition: ...


class Memory:
    """Files kept as text, for tests and for callers that want them; definitions come from the
    plan and are serialised when the emitter first asks for them."""

    def __init__(self, definitions: dict[str, dict[str, object]]) -> None:
        self.texts: dict[str, str] = {}
        self._definitions = definitions

    def write(self, rel: str, chunks: Iterable[str]) -> None:
        self.texts[rel] = "".join(chunks)

    def definition(self, name: str) -> Definition:
        deployed = asl.deployed(self._definitions[name])
        self.texts[definition_file(name)] = deployed.text
        return deployed


class _Stored:
    """A definition written by `Folder.__call__`, read back when a template embeds it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        # Our placeholders never use the Dollar key, so this marks protected legacy text.
        self.protects_legacy = "${" + asl.DOLLAR + "}" in self.compact

    @property
    def compact(self) -> str:
        return self._path.read_text(encoding="utf-8")


class Folder:
    """The output folder, staged beside `out` and moved into place by `commit`.

    Also the planner's definition sink: `folder(name, definition)` writes the definition file
    and its compact form at once, so definitions never accumulate in memory.
    """

    def __init__(self, out: Path, writer: bool = hasattr(os, "fork")) -> None:
        self.out = out.resolve()
        self.stage = self.out  # set on entry
        self._fork_writer = writer
        self._writer: _Writer | None = None

    def __enter__(self) -> Folder:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-", dir=self.out.parent))
        if self._fork_writer:
            self._writer = _Writer(self.stage)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self.stage.exists() and self.stage != self.out:
            shutil.rmtree(self.stage, ignore_errors=True)

    def __call__(self, name: str, definition: dict[str, object], compact: bytes) -> None:
        if self._writer is not None:
            self._writer.send(name, compact)
        else:
            _write_definition(self.stage, name, asl.deployed(definition))

    def definition(self, name: str) -> Definition:
        self._written()
        return _Stored(self.stage / _COMPACT / f"{name}.json")

    def write(self, rel: str, chunks: Iterable[str]) -> None:
        _write(self.stage, rel, chunks)

    def _written(self) -> None:
        """Wait until every definition sent is in the folder."""
        if self._writer is not None:
            self._writer.sync()

    def commit(self) -> None:
        """Replace the output folder with the staged one."""
        self._written()
        shutil.rmtree(self.stage / _COMPACT, ignore_errors=True)
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
            os.replace(self.out, old / self.out.name)
            os.replace(self.stage, self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.stage, self.out)


def write_atomically(out: Path, files: dict[str, str]) -> None:
    """Replace `out` with exactly `files`; on any error the previous `out` is untouched."""
    with Folder(out, writer=False) as folder:
        for rel, text in sorted(files.items()):
            folder.write(rel, [text])
        folder.commit()


def _write(stage: Path, rel: str, chunks: Iterable[str]) -> None:
    target = (stage / rel).resolve()
    if stage not in target.parents:
        raise ValueError(f"refusing to write outside the output folder: {rel}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="\n") as f:
        for chunk in chunks:
            f.write(chunk)


def _write_definition(stage: Path, name: str, deployed: asl.Deployed) -> None:
    _write(stage, definition_file(name), [deployed.text])
    _write(stage, f"{_COMPACT}/{name}.json", [deployed.compact])


# Frames from the folder to its writer: kind, name size, payload size, name, payload.
_FRAME = struct.Struct("<cII")
_DEFINITION, _SYNC = b"D", b"S"


class _Writer:
    """A child process that turns each definition sent to it (compact JSON) into its files.

    `sync` waits until it has written everything sent before, and raises the first error it
    met (a full disk, say) as OSError: the conversion then fails as it would in one process.
    """

    def __init__(self, stage: Path) -> None:
        frames_in, frames_out = os.pipe()
        replies_in, replies_out = os.pipe()
        _widen(frames_out)
        self._pid = os.fork()
        if self._pid == 0:  # the writer
            os.close(frames_out)
            os.close(replies_in)
            code = 0
            try:
                with os.fdopen(frames_in, "rb") as frames:
                    _serve(stage, frames, replies_out)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(frames_in)
        os.close(replies_out)
        self._frames = os.fdopen(frames_out, "wb", buffering=1 << 20)
        self._replies = replies_in

    def send(self, name: str, compact: bytes) -> None:
        self._frame(_DEFINITION, name, compact)

    def sync(self) -> None:
        self._frame(_SYNC, "", b"")
        self._frames.flush()
        head = _read_exactly(self._replies, 4)
        if len(head) < 4:
            raise OSError("the process writing the state machine definitions stopped unexpectedly")
        (size,) = struct.unpack("<I", head)
        if size:
            raise OSError(_read_exactly(self._replies, size).decode("utf-8", "replace"))

    def stop(self) -> None:
        """End the writer once it has done what it was sent (or at once if it is gone)."""
        with contextlib.suppress(OSError):  # a writer gone leaves unsent frames: nothing to do
            self._frames.close()  # end of input: the writer finishes and exits
        os.close(self._replies)
        os.waitpid(self._pid, 0)

    def _frame(self, kind: bytes, name: str, payload: bytes) -> None:
        encoded = name.encode("utf-8")
        try:
            self._frames.write(_FRAME.pack(kind, len(encoded), len(payload)) + encoded)
            self._frames.write(payload)
        except BrokenPipeError:
            raise OSError("the process writing the state machine definitions stopped unexpectedly") from None


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
            fcntl.fcntl(pipe, option, _PIPE_BYTES)


_PIPE_BYTES = 1 << 20


def _serve(stage: Path, frames: BinaryIO, replies: int) -> None:
    """The writer's loop: frames until the folder closes the pipe."""
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
            os.write(replies, struct.pack("<I", len(message)) + message)
        elif not failure:  # after an error, read on so the folder never blocks on a full pipe
            try:
                _write_definition(stage, name, asl.deployed(orjson.loads(payload)))
            except Exception as e:
                failure = f"writing {definition_file(name)}: {e}"
                if os.environ.get("JOBMIGRATE_DEBUG"):
                    traceback.print_exc(file=sys.stderr)


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            break
        data += chunk
    return data
