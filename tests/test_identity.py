"""Identity stitching: logins, emails and phones join a person's identifiers into one customer."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import polars as pl
import pytest

from journeys.build import build_events
from journeys.config import Settings, TouchpointRule
from journeys.ingest.eventlog import import_log
from journeys.ingest.identity import connected_components
from journeys.ingest.load import load_source
from journeys.warehouse import Warehouse


def test_components_on_a_long_chain_and_a_star():
    chain = [(f"n{i:03d}", f"n{i + 1:03d}") for i in range(200)]
    star = [("hub", f"leaf{i}") for i in range(5)]
    edges = pl.DataFrame(
        chain + star + [("lone", "lone")], schema=["left_node", "right_node"], orient="row"
    )
    comps = connected_components(edges)
    labels = dict(zip(comps["node"], comps["component"], strict=True))
    assert {labels[f"n{i:03d}"] for i in range(201)} == {"n000"}
    assert {labels[f"leaf{i}"] for i in range(5)} | {labels["hub"]} == {"hub"}
    assert labels["lone"] == "lone"
    assert comps.height == 201 + 6 + 1


def _land(tmp_path: Path, wh: Warehouse, settings: Settings) -> None:
    (tmp_path / "customers.csv").write_text(
        "customer_id,email,phone,segment,created_at,name\n"
        "c1,ann@example.com,+4930111,consumer,2025-01-01,Ann\n"
        "c2,bob@example.com,+4930222,business,2025-01-02,Bob\n"
        "c3,desk@example.com,+4930999,business,2025-01-03,Cy\n"
        "c4,dee@example.com,+4930999,business,2025-01-03,Dee\n"
    )
    (tmp_path / "web.jsonl").write_text(
        "\n".join(
            [
                '{"event_id":"w1","anonymous_id":"a1","user_id":"","event_type":"page_view",'
                '"occurred_at":"2026-03-01T09:00:00Z","page_path":"/pricing","referrer":"","device":"m"}',
                '{"event_id":"w2","anonymous_id":"a1","user_id":"","event_type":"page_view",'
                '"occurred_at":"2026-03-03T09:00:00Z","page_path":"/products/x","referrer":"","device":"m"}',
                '{"event_id":"w3","anonymous_id":"a1","user_id":"c1","event_type":"login",'
                '"occurred_at":"2026-03-04T09:00:00Z","page_path":"/login","referrer":"","device":"m"}',
                '{"event_id":"w4","anonymous_id":"a9","user_id":"","event_type":"page_view",'
                '"occurred_at":"2026-03-04T09:00:00Z","page_path":"/","referrer":"","device":"m"}',
            ]
        )
        + "\n"
    )
    (tmp_path / "support.csv").write_text(
        "event_id,ticket_id,email,phone,channel,team,system,category,event_type,occurred_at\n"
        "s1,k1, ANN@Example.com ,,phone,Billing,Phones,billing,contact,2026-03-05 10:00:00\n"
        "s2,k2,,(+49) 30-222,chat,Tier 1,Zendesk,product,contact,2026-03-05 10:00:00\n"
        "s3,k3,,+49 30 999,phone,Tier 1,Phones,product,contact,2026-03-05 10:00:00\n"
        "s4,k4,stranger@example.com,,email,Tier 1,Zendesk,product,contact,2026-03-05 10:00:00\n"
    )
    load_source(wh, settings, "customers", [tmp_path / "customers.csv"])
    load_source(wh, settings, "web", [tmp_path / "web.jsonl"])
    load_source(wh, settings, "support", [tmp_path / "support.csv"])


@pytest.mark.parametrize("in_transaction", [False, True])
def test_stitching_across_channels(wh: Warehouse, tmp_path: Path, in_transaction: bool):
    # a small build stitches inside its one transaction, where a new table's rowids (which
    # number the graph's nodes) start at 2**55 until it is committed
    settings = Settings(
        touchpoints=(
            TouchpointRule(
                source="web",
                event_type="page_view",
                match={"page_path": "/products/*"},
                touchpoint="View product",
            ),
            TouchpointRule(
                source="support",
                event_type="contact",
                match={"channel": "phone"},
                touchpoint="Phone support",
                team="Support",
            ),
        )
    )
    _land(tmp_path, wh, settings)
    with wh.transaction() if in_transaction else nullcontext():
        build_events(wh, settings)
    events = wh.read_table("intermediate.int_events")
    key = dict(zip(events["event_id"], events["customer_key"], strict=True))
    # anonymous browsing before the login, and the support call by (messy) email, are Ann's
    assert key["w1"] == key["w2"] == key["w3"] == key["s1"]
    # a phone written differently still finds Bob
    assert key["s2"] != key["s1"]
    profiles = wh.read_table("intermediate.int_customer_profiles")
    bob = profiles.filter(pl.col("customer_key") == key["s2"]).row(0, named=True)
    assert bob["segment"] == "business" and bob["is_stitched"]
    # a phone shared by two CRM customers links nobody; an unknown email stays unstitched
    stitched = dict(zip(events["event_id"], events["is_stitched"], strict=True))
    assert not stitched["s3"] and not stitched["s4"] and not stitched["w4"]
    assert wh.read_table("intermediate.int_identity_ambiguous")["kind"].to_list() == [
        "shared_contact"
    ]
    # mapping: first matching rule wins; unmapped events keep their event_type
    touch = dict(zip(events["event_id"], events["touchpoint"], strict=True))
    assert (touch["w2"], touch["w1"], touch["s1"], touch["s2"]) == (
        "View product",
        "page_view",
        "Phone support",
        "contact",
    )
    team = dict(zip(events["event_id"], events["team"], strict=True))
    assert (team["s1"], team["s2"]) == ("Support", "Tier 1")


def test_no_direct_identifier_leaves_raw(wh: Warehouse, tmp_path: Path):
    settings = Settings()
    _land(tmp_path, wh, settings)
    build_events(wh, settings)
    for schema in ("staging", "intermediate"):
        for table in wh.tables(schema):
            frame = wh.read_table(f"{schema}.{table}")
            lists = [c for c, kind in frame.schema.items() if isinstance(kind, pl.List)]
            text = frame.with_columns(pl.col(lists).list.join(",")).write_csv()
            for secret in ("ann@example.com", "ANN@Example", "4930111", "Ann,", "Bob"):
                assert secret not in text, f"{secret} leaked into {schema}.{table}"


def test_a_warehouse_of_logs_alone_keys_each_case_as_the_graph_would(
    wh: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # cases as delivered ('NA' is a case id), one named by an email address (a personal case
    # id, hashed in staging): nothing links two cases, so the graph is skipped
    (tmp_path / "log.csv").write_text(
        "case,activity,ts\n"
        "A1,Open,2026-03-01 10:00:00\n"
        "A1,Close,2026-03-02 10:00:00\n"
        "NA,Open,2026-03-01 11:00:00\n"
        "ann@example.com,Open,2026-03-01 12:00:00\n"
        "ann@example.com,Close,2026-03-03 12:00:00\n"
    )
    settings = Settings()
    import_log(
        wh, settings, tmp_path / "log.csv", case_col="case", activity_col="activity",
        timestamp_col="ts",
    )  # fmt: skip
    ran: list[str] = []
    run_model, materialize_temp = wh.run_model, wh.materialize_temp

    def recorded(model: str, **params: object) -> int:
        ran.append(model)
        return run_model(model, **params)

    def recorded_temp(name: str, model: str, **params: object) -> int:  # the graph's tables
        ran.append(model)
        return materialize_temp(name, model, **params)

    monkeypatch.setattr(wh, "run_model", recorded)
    monkeypatch.setattr(wh, "materialize_temp", recorded_temp)
    alone = build_events(wh, settings)[0]
    assert "intermediate/int_identity_cases" in ran and "intermediate/int_identity_edges" not in ran
    keys = wh.read_table("intermediate.int_identity").sort("node")
    assert keys.height == 3 and not keys["is_stitched"].any()
    assert not any("ann@" in node for node in keys["node"].to_list())

    ran.clear()
    scalar = wh.scalar
    monkeypatch.setattr(
        wh,
        "scalar",
        lambda query, **p: False if query == "queries/only_logs" else scalar(query, **p),
    )
    graph = build_events(wh, settings)[0]
    assert "intermediate/int_identity_edges" in ran
    assert wh.read_table("intermediate.int_identity").sort("node").equals(keys)
    assert (alone.customers, alone.stitched_customers) == (graph.customers, 0) == (3, 0)


def test_a_log_beside_a_shop_source_goes_through_the_graph(wh: Warehouse, tmp_path: Path):
    settings = Settings()
    _land(tmp_path, wh, settings)
    (tmp_path / "log.csv").write_text("case,activity,ts\nK9,Open,2026-03-01 10:00:00\n")
    import_log(
        wh, settings, tmp_path / "log.csv", case_col="case", activity_col="activity",
        timestamp_col="ts",
    )  # fmt: skip
    assert not wh.scalar("queries/only_logs")
    build_events(wh, settings)
    nodes = wh.read_table("intermediate.int_identity")["node"].to_list()
    assert "l:K9" in nodes and "c:c1" in nodes


def test_a_browser_two_people_log_in_on_links_neither(wh: Warehouse, tmp_path: Path):
    """A family computer: browser `fam` logs in as c1 and as c2, so its anonymous browsing is
    nobody's and neither login's customer takes the other's events. Browser `solo` logs in as c1
    three times and once by c1's address, Ann's in the CRM: one person, linked to her."""
    (tmp_path / "customers.csv").write_text(
        "customer_id,email,phone,segment,created_at\n"
        "c1,ann@example.com,,consumer,2025-01-01\n"
        "c2,bob@example.com,,consumer,2025-01-02\n"
    )
    visits = [
        ("f1", "fam", ""), ("f2", "fam", "c1"), ("f3", "fam", "c2"), ("f4", "fam", "c1"),
        ("s1", "solo", ""), ("s2", "solo", "c1"), ("s3", "solo", "c1"), ("s4", "solo", "c1"),
        ("s5", "solo", "ann@example.com"),
    ]  # fmt: skip
    (tmp_path / "web.jsonl").write_text(
        "".join(
            f'{{"event_id":"{e}","anonymous_id":"{a}","user_id":"{u}","event_type":"page_view",'
            f'"occurred_at":"2026-03-0{i + 1}T09:00:00Z","page_path":"/","referrer":"",'
            '"device":"m"}\n'
            for i, (e, a, u) in enumerate(visits)
        )
    )
    settings = Settings()
    load_source(wh, settings, "customers", [tmp_path / "customers.csv"])
    load_source(wh, settings, "web", [tmp_path / "web.jsonl"])
    build_events(wh, settings)
    ambiguous = wh.read_table("intermediate.int_identity_ambiguous").rows()
    assert ambiguous == [("shared_browser", "a:fam")]
    events = wh.read_table("intermediate.int_events")
    key = dict(zip(events["event_id"], events["customer_key"], strict=True))
    stitched = dict(zip(events["event_id"], events["is_stitched"], strict=True))
    # the family browser's logins stay their own customers' and its anonymous visit nobody's
    assert key["f2"] == key["f4"] != key["f3"] and stitched["f2"] and stitched["f3"]
    assert key["f1"] not in {key["f2"], key["f3"]} and not stitched["f1"]
    # the other browser, its logins and the login by address are all Ann (c1)
    assert {key[e] for e in ("s1", "s2", "s3", "s4", "s5")} == {key["f2"]}
