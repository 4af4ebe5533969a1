"""Running rustxes, a native parser: what it prints captured, its panics as IngestErrors."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from journeys.errors import IngestError

T = TypeVar("T")


@contextmanager
def quiet_native() -> Iterator[list[str]]:
    """Capture what native code writes to the process's stdout and stderr (rustxes prints
    parse warnings and panic backtraces there) and hand it back as text, for the message."""
    captured: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile() as sink:
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            yield captured
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            captured.append(sink.read(1 << 16).decode("utf-8", errors="replace"))


def call_native(path: Path, what: str, fn: Callable[[], T], *, said: list[str] | None = None) -> T:
    """Run a rustxes reader: its panics (a BaseException) become one-line IngestErrors. What it
    printed is added to ``said`` when given (its warnings about values it could not read)."""
    error: BaseException | None = None
    with quiet_native() as output:
        try:
            result = fn()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # pyo3's PanicException derives from BaseException
            error = exc
    if error is not None:
        detail = str(error).replace("called `Result::unwrap()` on an `Err` value: ", "")
        raise IngestError(
            f"{path.name}: not a readable {what} file ({detail.splitlines()[0][:160]}); check "
            "the file is complete and of that format. Nothing was loaded from it"
        ) from None
    if said is not None:
        said.extend(output)
    return result
