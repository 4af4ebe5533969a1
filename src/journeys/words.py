"""Counts in words, for the console summaries and the report alike: ``1 journey``, ``2 journeys``,
``12,345``. No dependency beyond the standard library, so every layer may use it."""

from __future__ import annotations

import math
from collections.abc import Sequence


def format_count(value: float | int | None) -> str:
    """``12345`` -> ``'12,345'``; missing -> ``'–'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(value):,}"


def in_number(value: float | int | None, one: str, many: str | None = None) -> str:
    """The word that goes with ``value``: ``one`` for (a count rounding to) 1, else ``many``
    (default ``one`` + s): ``journey``/``journeys``, ``starts``/``start``."""
    single = value is not None and not (isinstance(value, float) and math.isnan(value))
    return one if single and round(value) == 1 else (many or f"{one}s")  # type: ignore[arg-type]


def counted(value: float | int | None, noun: str, plural: str | None = None) -> str:
    """``format_count`` and the noun in number: ``1 journey``, ``2 journeys``, ``– journeys``."""
    return f"{format_count(value)} {in_number(value, noun, plural)}"


def numbered(value: int, noun: str, plural: str | None = None) -> str:
    """The count as the console summaries print every count (no separators) and the noun in
    number: ``1 customer``, ``29079 events``."""
    return f"{value} {in_number(value, noun, plural)}"


def listed(items: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``: a list as a sentence writes it."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
