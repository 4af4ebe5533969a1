"""Stable ids shared by SQL and Python."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

PATH_SEPARATOR = "\x1f"
"""ASCII unit separator: joins a path's touchpoints before hashing (names never contain it)."""


def variant_id_of(path: Sequence[str]) -> str:
    """The ``variant_id`` of a path, as ``marts.journeys`` and ``marts.variants`` compute it:
    the first 16 hex digits of md5 of the touchpoints joined by ``PATH_SEPARATOR``."""
    return hashlib.md5(PATH_SEPARATOR.join(path).encode("utf-8")).hexdigest()[:16]
