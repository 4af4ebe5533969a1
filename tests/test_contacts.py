"""Contacts as help desks and CRMs really write them (fixtures/contacts: a hand-written CRM and
help-desk export): an address in a sender's form stitches; a value that holds no address or
numbers nobody, and a blocked one, joins nobody (each would join every ticket carrying it)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import msgspec
import pytest

from journeys.build import build_events
from journeys.config import (
    IdentitySettings,
    Settings,
    SourceSettings,
    load_settings,
)
from journeys.errors import ConfigError, IngestError
from journeys.ingest.eventlog import import_log
from journeys.ingest.identity import customer_key
from journeys.ingest.load import load_source
from journeys.ingest.phones import blocked_numbers
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "contacts"
US_DESK = {"support": SourceSettings(phone_region="US")}


def _customers(settings: Settings, source: str = "support") -> dict[str, str]:
    """event id -> the CRM customer it stitched to, or, unstitched, the ids of the events that
    share its customer ('E-7+E-8': two tickets joined into one customer), after loading the CRM
    and the fixture of ``source``."""
    files = {"support": "support.csv", "web": "web.jsonl", "transactions": "transactions.csv"}
    with Warehouse() as wh:
        load_source(wh, settings, "customers", [FIXTURES / "customers.csv"])
        load_source(wh, settings, source, [FIXTURES / files[source]])
        build_events(wh, settings)
        rows = wh.read_table("intermediate.int_events", columns=["event_id", "customer_key"])
    crm = {customer_key(f"c:CRM-{n}", settings.salt): f"CRM-{n}" for n in range(1, 7)}
    together: dict[str, list[str]] = {}
    for event, key in rows.iter_rows():
        together.setdefault(key, []).append(event)
    number = lambda event: int(event.lstrip("EOw-"))  # noqa: E731
    return {
        event: crm.get(key) or "+".join(sorted(together[key], key=number))
        for event, key in rows.iter_rows()
    }


def test_an_address_as_mail_clients_and_exports_write_it_stitches_to_the_crm():
    got = _customers(Settings(sources=US_DESK))
    assert {e: got[e] for e in ("E-1", "E-2", "E-3", "E-4", "E-5", "E-6", "E-23")} == {
        "E-1": "CRM-1",  # Jane Doe <Jane.Doe@Example.com>
        "E-2": "CRM-2",  # mailto:Bob.Stone@example.com
        "E-3": "CRM-4",  # "Dave Ng" <dave.ng@example.net>
        "E-4": "CRM-4",  # <dave.ng@example.net>
        "E-5": "CRM-3",  # a no-break space after it, copied from a web page
        "E-6": "CRM-3",  # a sentence's final dot
        "E-23": "CRM-4",  # 555-000-0999 ext. 12
    }


def test_a_number_with_words_beside_it_stitches():
    """Parsed whole, 'Mobile: …' and '(work)' were read as a vanity number's digits."""
    got = _customers(Settings(sources=US_DESK))
    assert (got["E-28"], got["E-29"]) == ("CRM-1", "CRM-5")


def test_values_that_hold_no_address_or_number_join_nobody():
    """n/a, '-', 'unknown', a noreply sender, two addresses in one field, 0, 000-000-0000 and
    123-456-7890 each came twice: kept as keys, each pair was one customer (E-7+E-8)."""
    got = _customers(Settings(sources=US_DESK))
    for event in range(7, 23):
        assert got[f"E-{event}"] == f"E-{event}", got
    # the CRM's two customers written n/a share no contact: neither takes a ticket by it
    # (CRM-5's only ticket came by its phone, E-29)
    assert [e for e, c in got.items() if c in ("CRM-5", "CRM-6")] == ["E-29"]


def test_blocked_addresses_and_numbers_join_nobody_in_any_spelling():
    """The shop's own support address and the switchboard number agents type: one customer of
    every ticket carrying them until blocked (as written once, in one spelling)."""
    before = _customers(Settings(sources=US_DESK))
    assert before["E-24"] == before["E-25"] == "E-24+E-25"
    assert before["E-26"] == before["E-27"] == "E-26+E-27"
    blocked = IdentitySettings(blocked=("Support@Shop.example", "555.010.4000"))
    got = _customers(Settings(sources=US_DESK, phone_region="US", identity=blocked))
    assert [got[f"E-{n}"] for n in range(24, 28)] == ["E-24", "E-25", "E-26", "E-27"]
    assert got["E-1"] == "CRM-1"  # others as before


def test_a_blocked_national_number_is_read_in_every_region_a_source_reads():
    numbers = blocked_numbers(["030 1234567", "ops@shop.example"], ["DE", "US", None])
    assert "49301234567" in numbers  # as a German desk's numbers read
    assert "@" not in "".join(numbers)


def test_a_blocked_value_that_is_no_address_or_number_is_refused(tmp_path: Path):
    config = tmp_path / "journeys.yaml"
    config.write_text("identity:\n  blocked: [support@shop.example, n/a]\n")
    with pytest.raises(ConfigError, match=r"identity.blocked\[1\]: 'n/a' is neither an email"):
        load_settings(config)
    config.write_text("identity:\n  blocked: [support@shop.example, 4930123456]\n")
    assert load_settings(config).identity.blocked == ("support@shop.example", "4930123456")


def test_web_ids_that_name_nobody_join_nobody():
    """PostHog's ids it never merges on (undefined, null, 0, anonymous, any case): kept as ids,
    every visitor carrying one was one customer (w6+w7, w8+w9, w10+w11, w14+w15), and the
    anonymous 'undefined' visits of other people joined CRM-1's login (w1+w2+w3)."""
    with Warehouse() as wh:
        (batch,) = load_source(wh, Settings(), "web", [FIXTURES / "web.jsonl"])
        rejected = wh._run("SELECT row_number, reason FROM raw.rejects ORDER BY row_number")
    assert (batch.rows_accepted, batch.rows_rejected) == (11, 4)
    assert [line for line, _ in rejected] == [1, 3, 4, 5]
    assert {reason for _, reason in rejected} == {
        "anonymous_id and user_id name nobody (empty, or a placeholder such as undefined or "
        "null); one of them must name the visitor"
    }
    got = _customers(Settings(), "web")
    assert got["w2"] == "CRM-1" and got["w12"] == got["w13"] == "CRM-2"
    for event in (6, 7, 8, 9, 10, 11, 14, 15):
        assert got[f"w{event}"] == f"w{event}", got
    assert not {"w1", "w3", "w4", "w5"} & got.keys()  # no visitor named: in raw.rejects


def test_a_guest_checkout_is_its_own_orders_customer():
    """WooCommerce writes a guest's customer as 0, Magento leaves it empty: kept as an id, every
    guest's orders were one customer's journey."""
    got = _customers(Settings(), "transactions")
    assert got["O-1"] == got["O-2"] == "CRM-1"
    assert got["O-3"] == got["O-4"] == "O-3+O-4"  # order 1002
    assert got["O-5"] == got["O-6"] == "O-5+O-6"  # order 1003, the same guest id 0
    assert got["O-7"] == "O-7"  # empty customer id
    assert got["O-8"] == got["O-9"] == "O-8+O-9"  # guest, Guest
    assert "O-10" not in got  # neither a customer nor an order: rejected, saying so
    with Warehouse() as wh:
        load_source(wh, Settings(), "transactions", [FIXTURES / "transactions.csv"])
        assert wh._run("SELECT row_number, reason FROM raw.rejects") == [
            (
                11,
                "customer_id and order_id are both empty (or a placeholder such as 0 or guest); "
                "a guest's transaction needs its order",
            )
        ]


def test_a_customer_id_that_is_an_email_meets_that_address():
    """A shop export that names its customer by email (Shopify's has no customer id) and a login
    by email: kept as ids only, they met neither the CRM nor the tickets with that address."""
    settings = Settings(identity=IdentitySettings(blocked=("support@shop.example",)))
    with Warehouse() as wh:
        load_source(wh, settings, "customers", [FIXTURES / "customers.csv"])
        load_source(wh, settings, "support", [FIXTURES / "support.csv"])
        load_source(wh, settings, "transactions", [FIXTURES / "orders_by_email.csv"])
        load_source(wh, settings, "web", [FIXTURES / "web_by_email.jsonl"])
        build_events(wh, settings)
        key = dict(wh._run("SELECT event_id, customer_key FROM intermediate.int_events"))
    crm = {customer_key(f"c:CRM-{n}", settings.salt): f"CRM-{n}" for n in (1, 2)}
    assert [crm.get(key[e]) for e in ("X-1", "X-2", "E-1")] == ["CRM-1"] * 3  # with her ticket
    assert [crm.get(key[e]) for e in ("X-6", "X-7", "E-2")] == ["CRM-2"] * 3  # his visit too
    assert key["X-3"] not in crm  # a buyer the CRM does not know: a customer of its own
    assert key["X-4"] == key["X-5"] != key["E-24"]  # one id, but blocked: not its tickets'


ROUNDED = (
    "is a long number a spreadsheet rounded (written like 1.23457E+11), so different ids became "
    "one; export the file again without opening it in a spreadsheet, or format the column as "
    "text before saving"
)


def test_numbers_a_spreadsheet_rounded_are_no_ids():
    """Excel shows a long id or phone number it read as a number as 4.91603E+11 and saves it so:
    every phone of a German mobile range became one, and ids that shared their first digits
    became one (duplicates dropped, or cases merged)."""
    settings = Settings(phone_region="DE")
    with Warehouse() as wh:
        (batch,) = load_source(wh, settings, "support", [FIXTURES / "support_excel.csv"])
        rejected = wh._run("SELECT row_number, reason FROM raw.rejects ORDER BY row_number")
        build_events(wh, settings)
        key = dict(wh._run("SELECT event_id, customer_key FROM intermediate.int_events"))
    assert (batch.rows_accepted, batch.rows_rejected) == (3, 2)
    assert rejected == [(2, f"event_id {ROUNDED}"), (3, f"ticket_id {ROUNDED}")]
    assert len({key["X-3"], key["X-4"], key["X-5"]}) == 3  # the rounded phone joins nobody
    with Warehouse() as wh:
        log = import_log(
            wh,
            Settings(),
            FIXTURES / "log_excel.csv",
            case_col="case",
            activity_col="activity",
            timestamp_col="time",
        )
    assert (log.batch.rows_accepted, log.reasons) == (1, ((f"the case id {ROUNDED}", 2),))


CRM = Path(__file__).parent / "fixtures" / "crm"  # a Pipedrive persons export, by hand
PERSONS = SourceSettings(
    column_map={
        "customer_id": "Person - ID",
        "email": "Person - Email - Work",
        "phone": "Person - Phone - Work",
        "segment": "Person - Label",
        "created_at": "Person - Added",
    },
    contacts=("Person - Email - Home", "Person - Phone - Mobile"),
)


def _crm_customers(settings: Settings) -> dict[str, str | None]:
    with Warehouse() as wh:
        load_source(wh, settings, "customers", [CRM / "persons.csv"])
        load_source(wh, settings, "support", [CRM / "tickets.csv"])
        build_events(wh, settings)
        key = dict(wh._run("SELECT event_id, customer_key FROM intermediate.int_events"))
    crm = {customer_key(f"c:P-{n}", settings.salt): f"P-{n}" for n in (1, 2, 3, 4)}
    return {event: crm.get(k) for event, k in key.items()}


def test_the_crms_other_email_and_phone_columns_link_its_customers():
    """A CRM keeps a work and a home address, a work and a mobile number: only the mapped
    email and phone columns linked, so the tickets by home address or mobile met nobody."""
    got = _crm_customers(Settings(phone_region="DE", sources={"customers": PERSONS}))
    assert got == {
        "K-1": "P-1",  # the home address
        "K-2": "P-1",  # the mobile, 0160 3821092 = +49 160 3821092
        "K-3": "P-2",  # the second of two mobiles in one field
        "K-4": "P-3",  # the second of two home addresses in one field
        "K-5": "P-3",  # the work address, as before
        "K-6": "P-4",  # the second of two addresses in the CRM's own email field
        "K-7": "P-4",  # the second of two numbers in its phone field
    }
    without = _crm_customers(
        Settings(
            phone_region="DE", sources={"customers": msgspec.structs.replace(PERSONS, contacts=())}
        )
    )
    assert [without[e] for e in ("K-1", "K-2", "K-3", "K-4")] == [None] * 4
    assert (without["K-6"], without["K-7"]) == ("P-4", "P-4")  # its own fields, split alone


def test_a_contact_column_the_crm_files_lack_is_named_with_theirs(tmp_path: Path):
    misspelt = msgspec.structs.replace(PERSONS, contacts=("Person - Phone - Mobil",))
    with pytest.raises(ConfigError, match=r"'Person - Phone - Mobil' is no column .*Mobile"):
        _crm_customers(Settings(sources={"customers": misspelt}))
    config = tmp_path / "journeys.yaml"
    config.write_text("sources:\n  support: {contacts: [Phone 2]}\n")
    with pytest.raises(ConfigError, match=r"'sources.support.contacts': only the CRM"):
        load_settings(config)


WORKBOOK = SourceSettings(
    column_map={
        "customer_id": "Customer ID",
        "email": "Email",
        "phone": "Phone",
        "segment": "Segment",
        "created_at": "Created",
    }
)


def test_a_crm_exported_as_a_workbook_loads_as_its_sheet_shows_it():
    """fixtures/crm/contacts.xlsx, written by hand as Excel stores one: the phone a number cell
    (Excel keeps +491603821092 as 491603821092), the created date a date cell, an error cell.
    A source's workbook was refused ('save its sheet as CSV'), though CRMs export them."""
    settings = Settings(phone_region="DE", sources={"customers": WORKBOOK})
    with Warehouse() as wh:
        (batch,) = load_source(wh, settings, "customers", [CRM / "contacts.xlsx"])
        (again,) = load_source(wh, settings, "customers", [CRM / "contacts.xlsx"])
        load_source(wh, settings, "support", [CRM / "tickets.csv"])
        build_events(wh, settings)
        rejects = wh._run("SELECT row_number, reason FROM raw.rejects")
        key = dict(wh._run("SELECT event_id, customer_key FROM intermediate.int_events"))
    assert (batch.rows_read, batch.rows_accepted, again.rows_accepted) == (3, 2, 0)
    assert rejects == [(4, "created_at is not a date; use YYYY-MM-DD")]  # the sheet's row 4
    assert key["K-2"] == customer_key("c:C-1", settings.salt)  # 0160 3821092 = 491603821092
    other = msgspec.structs.replace(WORKBOOK, sheet="People")
    with Warehouse() as wh:
        (refused,) = load_source(wh, Settings(sources={"customers": other}), "customers",
                                 [CRM / "contacts.xlsx"])  # fmt: skip
    assert refused.refused and refused.note == (
        "sources.customers.sheet 'People' is not a sheet of the workbook; its sheets: Contacts. "
        "Nothing was loaded"
    )


def test_blocked_values_are_kept_only_as_keys():
    """Staging holds no address or number in the clear (tests/test_identity.py): the blocked
    ones neither."""
    blocked = IdentitySettings(blocked=("Support@Shop.example", "555.010.4000"))
    settings = Settings(sources=US_DESK, phone_region="US", identity=blocked)
    with Warehouse() as wh:
        load_source(wh, settings, "support", [FIXTURES / "support.csv"])
        build_events(wh, settings)
        (row,) = wh._run("SELECT email_keys, phone_keys FROM staging.stg_blocked")
    assert [len(keys) for keys in row] == [1, 1]
    assert not {"shop.example", "5550104000", "15550104000"} & {k for keys in row for k in keys}
    assert all(len(k) == 64 for keys in row for k in keys)  # sha256, keyed by the salt


def test_contact_columns_wait_for_the_crm_files():
    """Configured before the CRM's first file is loaded, they stop no build of the others."""
    settings = Settings(sources={"customers": PERSONS}, phone_region="DE")
    with Warehouse() as wh:
        load_source(wh, settings, "support", [CRM / "tickets.csv"])
        build_events(wh, settings)
        assert wh.count("intermediate.int_events") == 7


def test_a_workbook_of_column_names_alone_is_an_empty_delivery(tmp_path: Path):
    """As a CSV file of its header alone: recorded, and skipped when it comes again (an event
    log without events stays refused: import-log)."""
    empty = tmp_path / "contacts.xlsx"
    with zipfile.ZipFile(CRM / "contacts.xlsx") as book, zipfile.ZipFile(empty, "w") as out:
        for item in book.infolist():
            data = book.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<row r="[2-9]">.*?</row>\n?', b"", data)
            out.writestr(item, data)
    settings = Settings(sources={"customers": WORKBOOK})
    with Warehouse() as wh:
        (batch,) = load_source(wh, settings, "customers", [empty])
        (again,) = load_source(wh, settings, "customers", [empty])
        assert (batch.rows_read, batch.refused, batch.skipped, again.skipped) == (
            0,
            False,
            False,
            True,
        )
        with pytest.raises(IngestError, match="holds no rows below its column names"):
            import_log(wh, Settings(), empty, case_col="Customer ID", activity_col="Email",
                       timestamp_col="Created")  # fmt: skip


def test_the_crms_other_contact_values_stay_in_the_raw_layer():
    """The values of the CRM's other contact columns are split and parsed before they are keyed:
    written in the clear, they belong to raw, as raw.phone_numbers does; staging and the
    intermediate tables hold only their keyed hashes."""
    settings = Settings(phone_region="DE", sources={"customers": PERSONS})
    with Warehouse() as wh:
        load_source(wh, settings, "customers", [CRM / "persons.csv"])
        build_events(wh, settings)
        for schema in ("staging", "intermediate"):
            for table in wh.tables(schema):
                text = str(wh.read_table(f"{schema}.{table}").to_dicts())
                for value in ("anna.s@mail.example", "0171 2345678", "3821092"):
                    assert value not in text, f"{value} in {schema}.{table}"


def test_an_email_or_phone_field_of_several_values_is_split_at_each_separator(tmp_path: Path):
    """raw.contact_values holds each value of a CRM email or phone field that holds several
    (split at ; , | or a line break, trimmed, blanks dropped), and nothing of a field of one."""
    crm = tmp_path / "customers.csv"
    crm.write_text(
        "customer_id,email,phone,segment,created_at\n"
        'C-1,"a@x.example, b@x.example",030 1234567,,2025-01-01\n'
        'C-2,c@x.example,"0171 2345678 | 0172 3456789",,2025-01-02\n'
        'C-3,"d@x.example\ne@x.example",,,2025-01-03\n'
        'C-4,"f@x.example;; ",+49 30 7654321,,2025-01-04\n'
    )
    settings = Settings(phone_region="DE")
    with Warehouse() as wh:
        load_source(wh, settings, "customers", [crm])
        build_events(wh, settings)
        values = sorted(wh._run("SELECT customer_id, value FROM raw.contact_values"))
    assert values == [
        ("C-1", "a@x.example"),
        ("C-1", "b@x.example"),
        ("C-2", "0171 2345678"),
        ("C-2", "0172 3456789"),
        ("C-3", "d@x.example"),
        ("C-3", "e@x.example"),
        ("C-4", "f@x.example"),
    ]
