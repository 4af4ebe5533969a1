"""Google Analytics 4's BigQuery export as the web source (``sources.web.format: ga4``).

GA4 exports its events to BigQuery, from where they leave as JSON lines or Parquet (``bq
extract``, an export to Cloud Storage), one event a row: ``user_pseudo_id`` (the browser),
``user_id`` (set at login), ``event_name``, ``event_timestamp`` (microseconds since 1970, UTC),
``device.category`` and ``event_params``, a list of keys each with a typed value, where the page
(``page_location``, a whole URL) and the referrer (``page_referrer``) are. It has no event id.
``sql/ingest/ga4_lines.sql`` reads each event into the keys the web contract names by
``COLUMNS`` (its parameters as keys of their own, an event id from its content, the page's
path), and the JSON-lines reader does the rest, so every line keeps its number and every
rejected one its reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from journeys.ingest.columns import Spec
from journeys.ingest.contracts import unpacked_suffixes

FORMAT = "ga4"
COLUMNS = {
    "anonymous_id": "user_pseudo_id",
    "event_type": "event_name",
    "occurred_at": "event_timestamp",
    "device": "device.category",
    "referrer": "page_referrer",
    "order_id": "ecommerce.transaction_id",
}
"""Contract column -> the key of a GA4 event read by ``ga4_lines.sql`` (user_id, event_id and
page_path by their own names): the source's ``Spec.defaults``; its ``column_map`` overrides
any of them, and an event without a referrer or device loads them empty."""
MARKS = frozenset({"event_name", "event_timestamp", "user_pseudo_id"})
"""Keys every GA4 export's rows have, and a web event rarely does."""
FIX = (
    "this is Google Analytics 4's export: set format: ga4 for the web source in the "
    "configuration, or pass --format ga4 to journeys ingest"
)


def file_kind(path: Path) -> str:
    """What a GA4 delivery is written as: ``parquet`` by its name (``.parquet``, ``.pq``,
    optionally ``.gz``), else JSON lines."""
    suffixes = unpacked_suffixes(path)
    return "parquet" if suffixes and suffixes[-1] in (".parquet", ".pq") else "jsonl"


def hinted(spec: Spec, delivered: Iterable[str]) -> Spec:
    """``spec`` whose refusal of a missing column says to read the file as GA4's export, when
    the web file's keys are that export's (it has no event_id, so it always lacks one)."""
    if spec.defaults or spec.source != "web":  # read as GA4's export already, or not web
        return spec
    if not {d.strip().lower() for d in delivered} >= MARKS:
        return spec
    return dataclasses.replace(spec, missing_fix=FIX)
