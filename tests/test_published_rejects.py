"""raw.rejects reaches analysts in the published file, with identifiers in the raw text masked."""

from __future__ import annotations

from pathlib import Path

from journeys import steps
from journeys.config import Settings
from journeys.publish import open_published


def test_published_rejects_keep_the_reason_and_mask_identifiers(tmp_path: Path):
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    support = tmp_path / "support.csv"
    support.write_text(
        "event_id,ticket_id,email,phone,channel,team,system,category,event_type,occurred_at\n"
        "s1,k1,ann@example.com,+49 30 1234567,phone,T1,Phones,billing,contact,not-a-time\n"
        "s2,k1,ann@example.com,,phone,T1,Phones,billing,contact,2026-03-01 10:00:00\n"
        's3,k2,"""Ann Smith"" <ann@example.com>",,email,T1,Mail,billing,contact,yesterday\n'
        "s4,k3,Bo Berg <bo@example.com>,,email,T1,Mail,billing,contact,yesterday\n"
        's5,k4,"""Carr, Cy"" <cy@example.com>",,email,T1,Mail,billing,contact,yesterday\n'
        's6,k5,"Dunn, Di <di@example.com>",,email,T1,Mail,billing,contact,yesterday\n'
    )
    steps.ingest_files(settings, "support", [support])
    steps.build_marts(settings)
    with open_published(settings) as wh:
        reject, *senders = wh.read_table("raw.rejects").sort("row_number").to_dicts()
        assert wh.table_exists("marts.events")
    assert reject["row_number"] == 2 and reject["file"] == "support.csv"
    assert "occurred_at is not a timestamp" in reject["reason"]
    assert "ann@example.com" not in reject["raw"] and "1234567" not in reject["raw"]
    assert (
        reject["raw"].startswith("{") and "[email]" in reject["raw"] and "[phone]" in reject["raw"]
    )
    # a mail's sender names its person: the name goes with the address
    for sender in senders:
        assert '"email":"[email]"' in sender["raw"], sender["raw"]
        words = set(sender["raw"].replace('"', " ").replace(",", " ").split())
        assert not {"Ann", "Smith", "Bo", "Berg", "Carr", "Cy", "Dunn", "Di"} & words, words
    assert len(senders) == 4
