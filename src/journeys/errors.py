"""The one error hierarchy. Every message names the step, the place (file, row, field) and the fix.

Format: ``[step] place: what is wrong; fix``, e.g.
``[ingest] web_events.jsonl line 812: occurred_at 'yesterday' is not a timestamp``.
The CLI prints ``str(error)`` on one line and exits 1.
"""

from __future__ import annotations

import errno
import zlib
from pathlib import Path
from typing import cast

from isal import isal_zlib


class JourneysError(Exception):
    """A user-facing error: the CLI prints it on one line, without a traceback."""

    step = "journeys"

    def __init__(self, message: str, *, step: str | None = None) -> None:
        self.step = step or self.step
        super().__init__(message)

    def __str__(self) -> str:
        return f"[{self.step}] {self.args[0]}"


class ConfigError(JourneysError):
    step = "config"


class IngestError(JourneysError):
    step = "ingest"


class BuildError(JourneysError):
    step = "build"


class MapError(JourneysError):
    step = "map"


class CompareError(JourneysError):
    step = "compare"


class ReportError(JourneysError):
    step = "report"


class WarehouseError(JourneysError):
    step = "warehouse"


def os_failure(path: Path | str, exc: OSError, *, doing: str) -> str:
    """``path: cannot <doing> (<reason>); <fix>`` for a file operation that failed: a full disk,
    a folder without write permission, a file where a folder belongs."""
    reason = exc.strerror or type(exc).__name__
    folder = Path(path).parent
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        fix = f"free disk space in {folder} and run again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make {folder} writable, or choose a folder you can write"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        fix = "a file stands where a folder belongs (or the reverse); choose another path"
    else:
        fix = "check the path, free space and permissions, then run again"
    return f"{path}: cannot {doing} ({reason}); {fix}"


# isal_zlib.error is an exception class (its stub names it an instance)
_ISAL_ERROR = cast("type[Exception]", isal_zlib.error)
GZIP_ERRORS = (OSError, EOFError, zlib.error, _ISAL_ERROR)
"""What reading a damaged or cut-off file raises, its gzip stream included (``zlib.error``; a
stream journeys inflates itself, with ISA-L: ``isal_zlib.error``, ADR 0009)."""


def unreadable(path: Path, exc: BaseException) -> IngestError:
    """The error for a file that cannot be read to its end (a damaged gzip stream, say)."""
    return IngestError(
        f"{path.name}: not readable ({exc}); check the file is complete. Nothing was loaded from it"
    )
