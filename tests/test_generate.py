"""The synthetic sources: deterministic, shaped like the contracts, and every behaviour that
ground_truth.json claims is really in the files (read here with csv/json/polars only)."""

from __future__ import annotations

import csv
import fnmatch
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import polars as pl
import pytest
import yaml

from journeys.errors import JourneysError
from journeys.generate import generate_sources
from journeys.ingest.contracts import CONTRACTS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
FILES = (
    "customers.csv",
    "transactions.csv",
    "web_events.jsonl",
    "support_interactions.csv",
    "late/transactions.csv",
    "late/support_interactions.csv",
    "ground_truth.json",
)
# The files must satisfy the ingest contracts (DESIGN.md "Source contracts").
UNGENERATED = {"order_id"}
"""Contract columns the generator leaves out: its web events make no purchases that name an
order (a GA4 export's ecommerce.transaction_id: tests/fixtures/ga4)."""
CONTRACT = {
    file: set(CONTRACTS[source].columns) - (UNGENERATED if source == "web" else set())
    for file, source in (
        ("customers.csv", "customers"),
        ("transactions.csv", "transactions"),
        ("web_events.jsonl", "web"),
        ("support_interactions.csv", "support"),
    )
}
BERLIN = ZoneInfo("Europe/Berlin")


# -- reading the files as a loader would, without the ingest code ---------------------------------
def read_csv(path: Path) -> list[dict[str, str | None]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_jsonl(path: Path) -> tuple[list[dict], list[int]]:
    rows, bad = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            bad.append(number)
    return rows, bad


def parse_time(value: str | None, *, naive_tz: ZoneInfo | None = None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_tz or UTC)
    return moment.astimezone(UTC)


def digits(phone: str | None) -> str:
    """The number as E.164 digits: the German phone system's national numbers read in region
    DE with phonenumbers, as data/sample/journeys.yaml configures support (phone_region: DE)."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, "DE")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


class Data:
    """One generated folder, read back: frames with parsed UTC times, both deliveries."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
        self.customers = pl.DataFrame(read_csv(folder / "customers.csv"))
        web, self.bad_json_lines = read_jsonl(folder / "web_events.jsonl")
        self.web = self._timed(pl.DataFrame(web, infer_schema_length=None), None)
        self.tx = self._both("transactions.csv", None)
        self.support = self._both("support_interactions.csv", BERLIN)

    def _both(self, name: str, tz: ZoneInfo | None) -> pl.DataFrame:
        main = pl.DataFrame(read_csv(self.folder / name)).with_columns(delivery=pl.lit("main"))
        late = pl.DataFrame(read_csv(self.folder / "late" / name)).with_columns(
            delivery=pl.lit("late")
        )
        return self._timed(pl.concat([main, late], how="diagonal"), tz)

    @staticmethod
    def _timed(frame: pl.DataFrame, tz: ZoneInfo | None) -> pl.DataFrame:
        times = [parse_time(v, naive_tz=tz) for v in frame["occurred_at"].to_list()]
        return frame.with_columns(at=pl.Series(times, dtype=pl.Datetime("us", "UTC")))

    def events(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Every event once: duplicates dropped, bad rows (no parsable time) left out."""
        return frame.filter(pl.col("at").is_not_null()).unique("event_id", keep="first")

    def behaviour(self, name: str) -> dict:
        return self.truth["behaviours"][name]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    folder = tmp_path_factory.mktemp("generated")
    generate_sources(folder, customers=200, seed=11)
    return Data(folder)


# -- determinism and shape -------------------------------------------------------------------------
def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_sources(tmp_path / name, customers=60, seed=seed)
    for file in FILES:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    assert (tmp_path / "a" / "transactions.csv").read_bytes() != (
        tmp_path / "c" / "transactions.csv"
    ).read_bytes()


def test_every_file_has_its_contract_columns(data: Data) -> None:
    for name, required in CONTRACT.items():
        path = data.folder / name
        if name.endswith(".jsonl"):
            header = set(json.loads(path.read_text().splitlines()[0]))
        else:
            header = set(path.read_text(encoding="utf-8").splitlines()[0].split(","))
        assert required <= header, (name, required - header)
    for name in ("transactions.csv", "support_interactions.csv"):
        main = (data.folder / name).read_text().splitlines()[0]
        assert (data.folder / "late" / name).read_text().splitlines()[0] == main


def test_volume_is_20_to_60_events_per_customer(data: Data) -> None:
    events = sum(data.truth["counts"]["rows"].values())
    assert 20 <= events / data.customers.height <= 60
    assert data.customers.height == 200


def test_crm_identifiers_are_clean_and_unique(data: Data) -> None:
    crm = data.customers
    assert crm["customer_id"].n_unique() == crm.height
    assert crm["email"].n_unique() == crm.height
    assert crm["phone"].map_elements(digits, return_dtype=pl.String).n_unique() == crm.height
    assert all(email == email.lower().strip() for email in crm["email"])
    assert all(re.fullmatch(r"\+[1-9]\d{7,14}", phone) for phone in crm["phone"])
    assert set(crm["segment"]) == {"consumer", "business"}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) for day in crm["created_at"])


def test_each_system_writes_its_own_timestamp_format(data: Data) -> None:
    bad = {row["event_id"] for row in data.truth["data_quality"]["malformed_rows"]}
    formats = {
        "tx": (data.tx, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"),
        "web": (data.web, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
        "support": (data.support, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    }
    for name, (frame, pattern) in formats.items():
        good = frame.filter(~pl.col("event_id").is_in(sorted(bad)))
        assert good.height > 0
        assert all(re.fullmatch(pattern, v or "") for v in good["occurred_at"]), name
    offsets = {v[-6:] for v in data.tx["occurred_at"] if v and v[-6] in "+-"}
    assert offsets == {"+01:00", "+02:00"}  # Berlin winter and summer time


def address(email: str | None) -> str:
    """The address in a support row's email: a sender's (``Name <address>``) or the whole."""
    text = (email or "").strip()
    found = re.fullmatch(r"[^<>]*<([^<>]+)>", text)
    return (found.group(1) if found else text).lower()


def test_support_identifies_people_only_by_messy_email_or_phone(data: Data) -> None:
    emails = set(data.customers["email"])
    phones = {digits(p) for p in data.customers["phone"]}
    unknown = set(data.behaviour("unstitched")["unknown_support_tickets_list"])
    sup = data.events(data.support)
    assert "customer_id" not in sup.columns
    matched = [
        address(row["email"]) in emails or digits(row["phone"]) in phones
        for row in sup.iter_rows(named=True)
    ]
    for row, hit in zip(sup.iter_rows(named=True), matched, strict=True):
        assert hit != (row["ticket_id"] in unknown), row
    raw = [row["email"] for row in sup.iter_rows(named=True) if row["email"]]
    assert any(e != e.strip().lower() for e in raw)  # messy: case and whitespace
    assert any(re.fullmatch(r"[A-Z][a-z]+( [A-Z][a-z]+)* <\S+@\S+>", e) for e in raw)  # senders
    shown = [p for p in sup["phone"].to_list() if p]
    assert any(" " in p for p in shown) and any("-" in p for p in shown)
    assert any(p.startswith("(+") for p in shown)
    national = data.behaviour("national_phones")
    assert national["count"] == len(national["events"]) > 0
    written = dict(zip(sup["event_id"], sup["phone"], strict=True))
    assert all(written[e][0] in "0(" and "+" not in written[e] for e in national["events"])


# -- behaviours in ground_truth.json are really in the files --------------------------------------
def test_phone_before_payment(data: Data) -> None:
    truth = data.behaviour("phone_before_payment")
    assert truth["count"] == len(truth["orders"]) > 0
    tx, sup = data.events(data.tx), data.events(data.support)
    phone_of = dict(zip(data.customers["customer_id"], data.customers["phone"], strict=True))
    gave_up = set(truth["gave_up_orders"])
    assert gave_up < set(truth["orders"])
    for order, call in zip(truth["orders"], truth["calls"], strict=True):
        rows = tx.filter(pl.col("order_id") == order)
        failed = rows.filter(pl.col("event_type") == "payment_failed")["at"].min()
        captured = rows.filter(pl.col("event_type") == "payment_captured")["at"].min()
        cancelled = rows.filter(pl.col("event_type") == "order_cancelled")["at"].min()
        calls = sup.filter(pl.col("ticket_id") == call)
        assert calls.height == 1 and calls["channel"][0] == "phone"
        assert calls["category"][0] == "billing"
        if order in gave_up:  # never paid: the shop cancels the order after the call
            assert captured is None and failed < calls["at"][0] < cancelled
        else:
            assert failed < calls["at"][0] < captured
        assert digits(calls["phone"][0]) == digits(phone_of[rows["customer_id"][0]])
    # a costly detour: about a third give up, so those orders are delivered less often
    assert truth["give_up_share"] == pytest.approx(len(gave_up) / truth["count"], abs=1e-4)
    assert 0.1 < truth["give_up_share"] < 0.6 and truth["intended_give_up_share"] == 0.3333
    assert truth["delivered_rate"] < truth["other_orders_delivered_rate"] - 0.15


def test_agent_assisted_orders_have_no_web_cart_before(data: Data) -> None:
    truth = data.behaviour("agent_assisted_orders")
    tx, web = data.events(data.tx), data.events(data.web)
    placed = tx.filter(pl.col("event_type") == "order_placed")
    agent = placed.filter(pl.col("sales_channel") == "agent")
    assert sorted(agent["order_id"]) == truth["orders"] and truth["count"] > 0
    cookies = web.filter(pl.col("user_id").is_not_null() & (pl.col("user_id") != ""))
    cookies = cookies.select("anonymous_id", customer_id="user_id").unique()
    carts = web.filter(pl.col("event_type").is_in(["add_to_cart", "checkout_started"]))
    carts = carts.join(cookies, on="anonymous_id").select("customer_id", cart_at="at")
    before = agent.join(carts, on="customer_id").filter(
        (pl.col("cart_at") < pl.col("at")) & (pl.col("cart_at") > pl.col("at") - timedelta(days=7))
    )
    assert before.is_empty()
    assert truth["orders_with_web_cart_before"] == 0


def test_delivery_bounce_tickets_ping_pong_between_two_teams(data: Data) -> None:
    truth = data.behaviour("delivery_bounce")
    assert truth["count"] > 0
    sup = data.events(data.support).sort("at")
    tx = data.events(data.tx)
    for ticket, order in zip(truth["tickets"], truth["orders"], strict=True):
        rows = sup.filter(pl.col("ticket_id") == ticket)
        teams = rows.filter(pl.col("event_type") == "ticket_transferred")["team"].to_list()
        assert len(teams) == truth["transfers"][ticket] >= 3
        assert set(teams) == {"Logistics", "Tier 1"}
        assert all(a != b for a, b in zip(teams, teams[1:], strict=False))
        assert rows["category"][0] == "delivery" and rows["event_type"][0] == "ticket_opened"
        shipped = tx.filter(
            (pl.col("order_id") == order) & (pl.col("event_type") == "order_shipped")
        )
        assert shipped["at"][0] < rows["at"][0]


def test_repeat_contacts_are_exactly_the_tickets_with_three_contacts(data: Data) -> None:
    truth = data.behaviour("repeat_contacts")
    unknown = set(data.behaviour("unstitched")["unknown_support_tickets_list"])
    contacts = (
        data.events(data.support)
        .filter((pl.col("event_type") == "contact") & ~pl.col("ticket_id").is_in(sorted(unknown)))
        .group_by("ticket_id")
        .len()
        .filter(pl.col("len") >= 3)
    )
    assert sorted(contacts["ticket_id"]) == truth["tickets"] and truth["count"] > 0
    assert all(truth["contacts"][t] == n for t, n in contacts.rows())


def test_anonymous_visitors_log_in_days_later(data: Data) -> None:
    truth = data.behaviour("anonymous_then_login")
    assert truth["count"] == len(truth["anonymous_to_customer"]) > 0
    web = data.events(data.web).sort("at")
    customers = set(data.customers["customer_id"])
    for anon, customer in truth["anonymous_to_customer"].items():
        rows = web.filter(pl.col("anonymous_id") == anon)
        signed = rows.filter(pl.col("user_id").is_not_null() & (pl.col("user_id") != ""))
        first = signed.row(0, named=True)
        assert first["event_type"] == "login" and first["user_id"] == customer in customers
        before = rows.filter(pl.col("at") < first["at"])
        days = {t.astimezone(BERLIN).date() for t in before["at"]}
        assert len(days) == truth["anonymous_days"][anon] >= 2


def test_business_customers_behave_measurably_differently(data: Data) -> None:
    truth = data.behaviour("segment_difference")
    segment = dict(zip(data.customers["customer_id"], data.customers["segment"], strict=True))
    placed = data.events(data.tx).filter(pl.col("event_type") == "order_placed")
    placed = placed.with_columns(segment=pl.col("customer_id").replace_strict(segment))
    for name, rates in truth["rates"].items():
        orders = placed.filter(pl.col("segment") == name)
        agent = orders.filter(pl.col("sales_channel") == "agent").height
        assert orders.height == rates["orders"]
        assert agent / orders.height == pytest.approx(rates["agent_order_rate"], abs=1e-4)
    business, consumer = truth["rates"]["business"], truth["rates"]["consumer"]
    assert business["agent_order_rate"] > 3 * consumer["agent_order_rate"]
    assert business["phone_contact_rate"] > consumer["phone_contact_rate"]


def test_most_orders_follow_the_happy_path_and_some_are_in_flight(data: Data) -> None:
    assert data.behaviour("happy_path")["share_of_orders"] >= 0.5
    open_orders = data.behaviour("in_flight")["orders"]
    assert open_orders
    tx = data.events(data.tx)
    outcomes = tx.filter(pl.col("event_type").is_in(["order_delivered", "order_cancelled"]))
    assert not set(open_orders) & set(outcomes["order_id"])
    cutoff = parse_time(data.truth["generator"]["cutoff"])
    assert all(t < cutoff for t in tx["at"])


def test_unstitched_identities_are_counted(data: Data) -> None:
    truth = data.behaviour("unstitched")
    web = data.events(data.web)
    signed = web.filter(pl.col("user_id").is_not_null() & (pl.col("user_id") != ""))
    lonely = web.join(signed.select("anonymous_id").unique(), on="anonymous_id", how="anti")
    assert lonely["anonymous_id"].n_unique() == truth["anonymous_ids"] > 0
    assert truth["unknown_support_tickets"] == len(truth["unknown_support_tickets_list"]) > 0


# -- deliveries: late events, duplicates, damaged rows -------------------------------------------
def test_late_events_are_older_than_the_main_drop_and_only_in_late(data: Data) -> None:
    late = data.truth["data_quality"]["late_events"]
    for frame, file, key in (
        (data.tx, "late/transactions.csv", "customer_id"),
        (data.support, "late/support_interactions.csv", "ticket_id"),
    ):
        ids = late[file]
        assert ids
        main = frame.filter(pl.col("delivery") == "main")
        assert not set(ids) & set(main["event_id"])
        latest = main.group_by(key).agg(pl.col("at").max().alias("latest"))
        rows = frame.filter(pl.col("event_id").is_in(ids)).join(latest, on=key)
        assert rows.height == len(ids)
        assert (rows["at"] < rows["latest"]).all()


def test_duplicates_repeat_the_same_row(data: Data) -> None:
    quality = data.truth["data_quality"]
    for file, ids in quality["duplicates"].items():
        lines = (data.folder / file).read_text(encoding="utf-8").splitlines()
        for event_id in ids:
            same = [line for line in lines if event_id in line]
            assert len(same) == 2 and same[0] == same[1], (file, event_id)
    for file, ids in quality["redelivered_duplicates"].items():
        late_lines = set((data.folder / file).read_text(encoding="utf-8").splitlines())
        main_lines = set((data.folder / file.removeprefix("late/")).read_text().splitlines())
        assert ids
        for event_id in ids:
            copies = {line for line in late_lines if line.startswith(event_id + ",")}
            assert len(copies) == 1 and copies <= main_lines


def test_malformed_rows_are_where_ground_truth_says(data: Data) -> None:
    bad = data.truth["data_quality"]["malformed_rows"]
    assert {row["file"] for row in bad} == {
        "transactions.csv",
        "web_events.jsonl",
        "support_interactions.csv",
    }
    for row in bad:
        lines = (data.folder / row["file"]).read_text(encoding="utf-8").splitlines()
        line = lines[row["line"] - 1]
        assert row["event_id"] in line
        if row["file"].endswith(".jsonl"):
            assert ("not valid JSON" in row["reason"]) == (row["line"] in data.bad_json_lines)
            continue
        header = lines[0].split(",")
        fields = next(csv.reader([line]))
        if "fewer columns" in row["reason"]:
            assert len(fields) == len(header) - 1
            continue
        value = dict(zip(header, fields, strict=True))
        if "occurred_at" in row["reason"]:
            assert parse_time(value["occurred_at"]) is None
        else:
            amount = value["amount"]
            assert amount.startswith("-") or not re.fullmatch(r"-?\d+\.\d\d", amount)
    reasons = " ".join(row["reason"] for row in bad)
    assert "negative" in reasons and "not a number" in reasons and "not valid JSON" in reasons


# -- the public function and the sample folder ---------------------------------------------------
def test_generate_leaves_configuration_and_maps_alone(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "journeys.yaml").write_text("salt: mine\n")
    (tmp_path / "maps" / "mine.yaml").write_text("name: mine\n")
    result = generate_sources(tmp_path, customers=30, seed=1)
    assert (tmp_path / "journeys.yaml").read_text() == "salt: mine\n"
    assert (tmp_path / "maps" / "mine.yaml").read_text() == "name: mine\n"
    assert result.customers == 30 and result.events == sum(
        json.loads((tmp_path / "ground_truth.json").read_text())["counts"]["rows"].values()
    )
    assert "30 customers" in result.summary() and "ground_truth.json" in result.summary()


@pytest.mark.parametrize("customers", [0, -5, 10_000_000])
def test_impossible_customer_counts_are_refused(tmp_path: Path, customers: int) -> None:
    with pytest.raises(JourneysError, match="--customers"):
        generate_sources(tmp_path, customers=customers, seed=1)


def test_sample_folder_is_what_seed_7_generates(tmp_path: Path) -> None:
    if not (SAMPLE / "ground_truth.json").exists():
        pytest.skip("data/sample has not been generated")
    generate_sources(tmp_path, customers=1000, seed=7)
    for file in FILES:
        assert (tmp_path / file).read_bytes() == (SAMPLE / file).read_bytes(), (
            f"data/sample/{file} is stale: run journeys generate --customers 1000 --seed 7 "
            "--out data/sample"
        )
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size <= 10 * 1024 * 1024


def _touchpoint(rules: tuple, source: str, row: dict) -> str:
    for rule in rules:
        if rule.source != source or not fnmatch.fnmatchcase(row["event_type"], rule.event_type):
            continue
        if all(fnmatch.fnmatchcase(str(row.get(k) or ""), v) for k, v in rule.match.items()):
            return rule.touchpoint
    return row["event_type"]


def test_sample_maps_use_exactly_the_touchpoints_the_rules_produce() -> None:
    from journeys.config import load_settings

    if not (SAMPLE / "ground_truth.json").exists():
        pytest.skip("data/sample has not been generated")
    settings = load_settings(SAMPLE / "journeys.yaml")
    assert settings.source("support").timezone == "Europe/Berlin"
    assert settings.journeys.horizon_seconds == 14 * 86400
    web, _ = read_jsonl(SAMPLE / "web_events.jsonl")
    frames = {
        "transactions": pl.read_csv(SAMPLE / "transactions.csv", infer_schema=False),
        "web": pl.DataFrame(web).select("event_type", "page_path"),
        "support": pl.read_csv(SAMPLE / "support_interactions.csv", infer_schema=False),
    }
    keys = {"transactions": "sales_channel", "web": "page_path", "support": "channel"}
    produced = set()
    for source, frame in frames.items():
        kinds = frame.select("event_type", keys[source]).unique()
        produced |= {
            _touchpoint(settings.touchpoints, source, r) for r in kinds.iter_rows(named=True)
        }
    rule_names = {rule.touchpoint for rule in settings.touchpoints}
    assert produced <= rule_names  # no event falls through to its raw event_type
    assert set(settings.journeys.end_touchpoints) <= produced
    assert len(settings.maps) >= 2
    for path in settings.maps:
        journey_map = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        steps = [s for stage in journey_map["stages"] for s in stage["steps"]]
        names = {s["name"] for s in steps}
        assert names <= produced, (path, names - produced)
        assert set(journey_map.get("ignore", [])) <= rule_names
        assert {journey_map["goal"], *journey_map["entry"], *journey_map["exit"]} <= names
        assert any(s.get("within") for s in steps) and journey_map["owner"]


# -- chunked generation (shops too large for one process) ------------------------------------------
def _chunk_rows(folder: Path, name: str) -> pl.DataFrame:
    if name.endswith(".jsonl"):
        rows = [r for p in sorted(folder.glob(f"chunk-*/{name}")) for r in read_jsonl(p)[0]]
        return pl.DataFrame(rows, infer_schema_length=None)
    frames = [
        pl.DataFrame(read_csv(p)).with_columns(chunk=pl.lit(p.parent.name))
        for p in sorted(folder.glob(f"chunk-*/{name}"))
    ]
    return pl.concat(frames, how="diagonal")


def test_chunks_never_share_a_customer_contact_device_order_ticket_or_event(tmp_path: Path) -> None:
    from journeys.generate import generate_chunks

    result = generate_chunks(tmp_path / "shop", customers=150, seed=5, chunks=3)
    shop = tmp_path / "shop"
    assert [c.customers for c in result.chunks] == [50, 50, 50]
    summary = json.loads((shop / "chunks.json").read_text())
    assert summary["event_rows"] == result.events == sum(c.events for c in result.chunks)

    crm = _chunk_rows(shop, "customers.csv")
    assert crm.height == 150 and crm["customer_id"].n_unique() == 150
    assert crm["customer_id"].sort().to_list() == [f"C{i:06d}" for i in range(1, 151)]
    assert crm["email"].n_unique() == 150
    assert crm["phone"].map_elements(digits, return_dtype=pl.String).n_unique() == 150

    tx = _chunk_rows(shop, "transactions.csv")
    support = _chunk_rows(shop, "support_interactions.csv")
    web = _chunk_rows(shop, "web_events.jsonl")
    late_tx = _chunk_rows(shop, "late/transactions.csv")
    for frame, column in ((tx, "order_id"), (support, "ticket_id")):
        owners = frame.group_by(column).agg(pl.col("chunk").n_unique())
        assert owners["chunk"].max() == 1, column  # an order or ticket lives in one chunk
    for frame in (tx, support):
        # duplicates repeat an id inside a chunk; no id appears in two chunks
        assert frame.group_by("event_id").agg(pl.col("chunk").n_unique())["chunk"].max() == 1
    assert set(late_tx["event_id"]) <= set(tx["event_id"]) | set(late_tx["event_id"])
    device_owner = (
        web.filter(pl.col("user_id").is_not_null() & (pl.col("user_id") != ""))
        .group_by("anonymous_id")
        .agg(pl.col("user_id").n_unique())
    )
    assert device_owner["user_id"].max() == 1  # no device is shared by customers of two chunks
    # Event numbers run on from chunk to chunk: T00000001 .. T<all transactions of all chunks>.
    counted = sum(
        json.loads((shop / c.out.name / "ground_truth.json").read_text())["counts"]["transactions"]
        for c in result.chunks
    )
    numbers = pl.concat([tx["event_id"], late_tx["event_id"]]).unique().str.slice(1).cast(int)
    assert numbers.len() == counted and numbers.max() == counted

    # Support people (customers and strangers) keep one email and phone each across chunks.
    stranger_emails = support.filter(pl.col("email").str.contains("@inbox.example"))["email"]
    assert not set(stranger_emails.str.strip_chars().str.to_lowercase()) & set(crm["email"])
    customer_phones = set(crm["phone"].map_elements(digits, return_dtype=pl.String))
    unknown = support.filter(pl.col("email").is_null() | pl.col("email").str.contains("@inbox"))
    unknown_phones = {digits(p) for p in unknown["phone"].drop_nulls()}
    assert not unknown_phones & customer_phones


def test_chunked_shop_is_deterministic_and_chunk_0_is_a_plain_run(tmp_path: Path) -> None:
    from journeys.generate import generate_chunks

    for name in ("a", "b"):
        generate_chunks(tmp_path / name, customers=80, seed=9, chunks=2)
    generate_sources(tmp_path / "plain", customers=40, seed=9)
    for file in FILES:
        for chunk in ("chunk-000", "chunk-001"):
            a = (tmp_path / "a" / chunk / file).read_bytes()
            assert a == (tmp_path / "b" / chunk / file).read_bytes(), (chunk, file)
        if file != "ground_truth.json":  # the chunk's truth also records its id offsets
            plain = (tmp_path / "plain" / file).read_bytes()
            assert (tmp_path / "a" / "chunk-000" / file).read_bytes() == plain, file
    truth = json.loads((tmp_path / "a" / "chunk-001" / "ground_truth.json").read_text())
    assert truth["generator"]["id_offsets"]["customers"] == 40


@pytest.mark.parametrize(
    ("customers", "chunks", "message"),
    [(4_000_000, 1, "--chunks 2"), (10, 11, "--chunks 11"), (9_500_000, 5, "--customers")],
)
def test_impossible_chunkings_are_refused(
    tmp_path: Path, customers: int, chunks: int, message: str
) -> None:
    from journeys.generate import generate_chunks

    with pytest.raises(JourneysError, match=message):
        generate_chunks(tmp_path, customers=customers, seed=1, chunks=chunks)
