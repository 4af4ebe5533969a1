"""Text that reaches a report: redacted (no emails, no phone numbers) and escaped.

Labels come from customer data (touchpoint names, segments, file names, journey ids) and may hold
``<``, ``&``, quotes, ``<script>`` or a stray email address. Every string shown in a page goes
through :func:`html_text` (HTML tables and headings) or :func:`plotly_text` (figure labels, hover
text and menus: plotly.js turns ``<b>``, ``<a href>``, ``<br>`` in them into markup, and decodes
entities, so escaping ``&`` and ``<`` makes it show the characters as typed). Both redact first.

Numbers formatted here (:func:`format_count`, :func:`format_pct`, :func:`format_seconds`, ...)
never pass through the redaction, so a large count is never mistaken for a phone number.
"""

from __future__ import annotations

import html
import math
import re
from datetime import datetime

# the report's counts in words are the console's (journeys/words.py)
from journeys.words import counted as counted
from journeys.words import format_count as format_count
from journeys.words import in_number as in_number

# An email is what ``[\w.+-]+@[\w-]+(?:\.[\w-]+)+`` matches (leftmost first, as re.sub would),
# found in linear time: that pattern retries at every position of a long run of letters, so 40 KB
# of them took 5 s and a 500 KB label never finished. Here each run of local-part characters is
# matched once, up to an ``@`` (possessive quantifiers give nothing back), and only the domain
# after each ``@`` is matched, also possessively.
_LOCAL = re.compile(r"(?<![\w.+-])[\w.+-]++@")
_DOMAIN = re.compile(r"[\w-]++(?:\.[\w-]++)++")
PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]{0,2}\d){8,14}(?!\w)")
"""9 to 15 digits with optional separators, not glued to letters, ``_`` or other digits. Linear:
it starts only where no word character precedes, and its repetitions are bounded and
unambiguous (separators and digits are disjoint), so each start costs a bounded amount."""

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def redact_text(value: object) -> str:
    """``'mail jane@x.com'`` -> ``'mail [email]'``; phone numbers become ``[phone]``.
    Linear in the length of the text (a 1 MB label takes milliseconds)."""
    text = "" if value is None else str(value)
    return PHONE.sub(PHONE_MASK, _mask_emails(text))


def _mask_emails(text: str) -> str:
    if "@" not in text:
        return text
    out: list[str] = []
    done = 0  # where the previous email ended
    for local in _LOCAL.finditer(text):
        at = local.end() - 1
        start = max(local.start(), done)  # the previous email may end inside this run
        if start >= at:  # nothing left before the @
            continue
        domain = _DOMAIN.match(text, at + 1)
        if domain:
            out += (text[done:start], EMAIL_MASK)
            done = domain.end()
    out.append(text[done:])
    return "".join(out)


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control and bidi characters (not tab or newline): they can clear a terminal, retitle it or
reorder a line."""


def escape_controls(value: object) -> str:
    """Control and bidi characters shown escaped: ESC becomes the four characters ``\\x1b``."""
    return CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if m.group() < "\x80" else f"\\u{ord(m.group()):04x}",
        "" if value is None else str(value),
    )


def log_text(value: object) -> str:
    """A line for a log (Prefect, terminal): redacted, control characters escaped."""
    return escape_controls(redact_text(value))


def html_text(value: object) -> str:
    """Redacted, then escaped for HTML text and attribute values."""
    return html.escape(redact_text(value), quote=True)


def identifier_html(value: object) -> str:
    """A journey id as the marts hold it, escaped, not redacted: import-log already replaced
    every case id that is an email or a phone number with a keyed hash (``--personal-case-ids``:
    every one), knowing phone formats; redacting it again here mistook order numbers for phone
    numbers (``PO-4500000008`` read ``PO-[phone]`` in every example of a purchase-to-pay log),
    so an analyst could not look the journey up in marts.events."""
    return html.escape(escape_controls(value), quote=True)


def prose_html(value: object) -> str:
    """A user's prose (a map's description): ``html_text``, with each `backticked` span set as
    code, as a reader of the YAML wrote it (`journeys compare`, `within:`)."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", html_text(value))


def plotly_text(value: object) -> str:
    """Redacted, then escaped so plotly.js shows it as typed (no tags, no entities)."""
    text = redact_text(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_pct(value: float | None, *, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``0.4567`` -> ``'45.7%'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def format_money(value: float | None) -> str:
    """``1234.5`` -> ``'1,234.50'`` (the warehouse holds one currency per deployment)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.2f}"


def format_seconds(value: float | None) -> str:
    """For people: ``45`` -> ``'45s'``, ``7500`` -> ``'2h 5m'``, ``93600`` -> ``'1d 2h'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    seconds = max(0, round(value))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def format_timestamp(value: datetime | None) -> str:
    """``2024-03-01 09:30 UTC``; missing -> ``'–'``."""
    if value is None:
        return "–"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def slugify(name: str, *, taken: set[str] | None = None) -> str:
    """A file-name-safe slug, unique among ``taken`` (which it updates): ``'Online purchase'`` ->
    ``'online-purchase'``. Never ``index``, never empty."""
    slug = re.sub(r"[^a-z0-9]+", "-", redact_text(name).lower()).strip("-")[:60].strip("-") or "map"
    if slug == "index":
        slug = "index-map"
    taken = taken if taken is not None else set()
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate
