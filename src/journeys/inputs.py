"""What a build or a compare is made of, as one fingerprint: a step whose inputs are those of
the last finished one would write the same rows, so it records itself and stops there.

A build reads the raw rows (they change only by loading files: the count and the newest arrival
number of ``raw.manifest``), the settings (touchpoint rules, sessions, journeys, salt, phone
regions, currencies, partitions, ...), the maps (their steps' ``within`` are the effort marts'
handoff SLAs) and the code that builds (the package's modules and ``sql/``, by size and
modification time: an upgrade or an edit builds again). Anything else it reads it wrote itself.
A compare reads the build's marts (their files: a build that changed anything wrote new ones),
the settings, the maps it compares and the code (``compare/unchanged.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from journeys.config import Settings
from journeys.warehouse import SQL_DIR

PACKAGE_DIR = Path(__file__).resolve().parent


def build_fingerprint(settings: Settings, *, files: int, max_file_seq: int) -> str:
    """The SHA-256 of a build's inputs (see the module docstring)."""
    return fingerprint(settings, settings.maps, files=files, max_file_seq=max_file_seq)


def fingerprint(settings: Settings, maps: Sequence[Path | str], **data: object) -> str:
    """The SHA-256 of ``data`` (JSON values), the settings, the text of ``maps`` and the code."""
    parts = {
        **data,
        "settings": settings.as_json(),
        "maps": [(str(m), _file_digest(Path(m))) for m in maps],
        "code": code_stamp(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:  # the build reports it; here it only makes the inputs differ
        return f"unreadable: {type(exc).__name__}"


@cache
def code_stamp() -> str:
    """The package's modules and SQL files by name, size and modification time (about 1 ms:
    ``os.walk``, where ``Path.rglob`` took 4-5 ms of every build and compare)."""
    stamps = []
    for root, suffix in ((PACKAGE_DIR, ".py"), (SQL_DIR, ".sql")):
        skip = len(str(root)) + 1  # the path relative to root
        found = []
        for folder, _, files in os.walk(root):
            for name in files:
                if name.endswith(suffix):
                    path = os.path.join(folder, name)
                    stat = os.stat(path)
                    found.append(f"{path[skip:]}:{stat.st_size}:{stat.st_mtime_ns}")
        stamps += sorted(found)
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()
