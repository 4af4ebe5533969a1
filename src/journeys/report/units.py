"""Amounts for people: money in the configured currency, goals as whole numbers, differences
in percentage points. Numbers only: nothing here is customer text."""

from __future__ import annotations

import math

from journeys.report.text import in_number

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
MINUS = "−"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_amount(value: float | None, *, currency: str | None, signed: bool = False) -> str:
    """``-39381.05`` in EUR -> ``'−€39,381'``; another code -> ``'−39,381 CHF'``; no currency
    -> ``'−39,381'`` (the journeys' value units). Whole units: a business case, not a ledger."""
    if _missing(value):
        return "–"
    assert value is not None
    sign = MINUS if value < -0.5 else ("+" if signed and value > 0.5 else "")
    amount = f"{abs(value):,.0f}"
    if currency in SYMBOLS:
        return f"{sign}{SYMBOLS[currency]}{amount}"
    return f"{sign}{amount} {currency}" if currency else f"{sign}{amount}"


def format_goals(value: float | None, *, signed: bool = False) -> str:
    """``-156.3`` -> ``'−156 goals'``; ``1`` -> ``'1 goal'``."""
    if _missing(value):
        return "–"
    assert value is not None
    whole = round(value)
    sign = MINUS if whole < 0 else ("+" if signed and whole > 0 else "")
    return f"{sign}{abs(whole):,} {in_number(abs(whole), 'goal')}"


def format_impact(value: float | None, unit: str | None, *, currency: str | None) -> str:
    """A gap's impact (marts.map_gaps.impact) in its unit: money or goals."""
    if unit == "value":
        return format_amount(value, currency=currency, signed=True)
    return format_goals(value, signed=True)


def format_points(value: float | None) -> str:
    """A difference of two rates in whole percentage points: ``-0.503`` -> ``'−50 pts'``."""
    if _missing(value):
        return "–"
    assert value is not None
    points = round(value * 100)
    sign = MINUS if points < 0 else ("+" if points > 0 else "")
    return f"{sign}{abs(points)} pts"


def format_share(value: float | None) -> str:
    """A share as a whole percentage, ``<1%`` below one and ``>99%`` above 99 short of all:
    ``0.214`` -> ``'21%'``. Only none is 0% and only all is 100%: 4,559 of 4,580 journeys
    reaching the goal read "100%" beside 21 that did not."""
    if _missing(value):
        return "–"
    assert value is not None
    shown = f"{value * 100:.0f}"
    if value > 0 and shown == "0":  # 0.005 too: the format rounds half to even
        return "<1%"
    if value < 1 and shown == "100":
        return ">99%"
    return f"{shown}%"
