"""Internal events -> the three event sources as each system would export them.

Ids are assigned in time order (orders, tickets, events), timestamps get each system's own
format, and the support desk's copy of emails and phones is typed in by hand (messy).
Columns starting with ``_`` are internal (episode, customer, epoch ms) and never written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from journeys.generate.episodes import UNKNOWN_CONTACT, Episodes
from journeys.generate.people import (
    FIRST_NAMES,
    LAST_NAMES,
    IdOffsets,
    People,
    format_hex_ids,
    make_phones,
)
from journeys.generate.timeline import LOCAL_TZ

TRANSACTION_COLUMNS = (
    "event_id", "customer_id", "order_id", "event_type", "occurred_at", "amount", "currency",
    "sales_channel", "payment_method",
)  # fmt: skip
WEB_COLUMNS = (
    "event_id", "anonymous_id", "user_id", "event_type", "occurred_at", "page_path", "referrer",
    "device",
)  # fmt: skip
SUPPORT_COLUMNS = (
    "event_id", "ticket_id", "email", "phone", "channel", "team", "system", "category",
    "event_type", "occurred_at",
)  # fmt: skip
CUSTOMER_COLUMNS = (
    "customer_id", "email", "phone", "segment", "created_at", "name", "country", "company",
)  # fmt: skip


@dataclass(frozen=True)
class Sources:
    """The three event sources, every event once, public columns plus ``_`` internals."""

    transactions: pl.DataFrame
    web: pl.DataFrame
    support: pl.DataFrame
    episodes: pl.DataFrame
    """One row per episode: _ep, _kind, _cust, customer_id, segment and the plan's flags."""
    next_offsets: IdOffsets = IdOffsets()
    """Where the next chunk's ids start (see ``IdOffsets``)."""


def _epoch(col: str = "_t") -> pl.Expr:
    return pl.col(col).cast(pl.Datetime("ms", "UTC"))


def _money(cents: pl.Expr) -> pl.Expr:
    return (cents // 100).cast(pl.String) + "." + (cents % 100).cast(pl.String).str.zfill(2)


def _episode_frame(ep: Episodes, people: People) -> pl.DataFrame:
    crm = people.crm.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_cust"),
        "customer_id",
        "segment",
        "email",
        "_cc",
        "_area",
        "_sub",
    )
    frame = pl.DataFrame(
        {
            "_ep": np.arange(ep.size, dtype=np.int32),
            "_kind": ep.kind,
            "_cust": ep.cust,
            "_anon": ep.anon,
            "_research": ep.research,
            "_payment": ep.payment,
            "_fulfil": ep.fulfil,
            "_contact": ep.contact,
            "currency": ep.currency,
        }
    )
    frame = frame.join(crm, on="_cust", how="left", maintain_order="left")
    return frame.with_columns(_cust=pl.when(pl.col("_cust") >= 0).then(pl.col("_cust")))


def _unknown_contacts(
    rng: np.random.Generator, people: People, n: int, offsets: IdOffsets
) -> pl.DataFrame:
    """Made-up people who contact support but are not in the CRM (they never stitch)."""
    first = np.asarray(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), size=n)]
    last = np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), size=n)]
    # Phone numbers continue after every chunk's customers, then after earlier chunks' strangers.
    first_phone = (offsets.total_customers or people.size) + offsets.unknown_contacts
    phones = make_phones(
        rng, np.zeros(n, dtype=np.int64), offset=first_phone, shift=people.phone_shift
    )
    return (
        pl.DataFrame({"_contact": np.arange(n, dtype=np.int64), "_first": first, "_last": last})
        .with_columns(
            phones,
            email=pl.col("_first")
            + "."
            + pl.col("_last")
            + "."
            + (pl.col("_contact") + offsets.unknown_contacts).cast(pl.String)
            + "@inbox.example",
        )
        .drop("_first", "_last")
    )


def _numbered(width: int, offset: int) -> pl.Expr:
    """1, 2, 3, ... after ``offset``, zero-padded to ``width`` digits (wider numbers grow)."""
    return (pl.int_range(pl.len()) + 1 + offset).cast(pl.String).str.zfill(width)


def _transactions(tx: pl.DataFrame, episodes: pl.DataFrame, offsets: IdOffsets) -> pl.DataFrame:
    orders = (
        tx.filter(pl.col("event_type") == "order_placed")
        .sort("t", "ep")
        .select(
            pl.col("ep").alias("_ep"),
            order_id=pl.lit("ORD-") + _numbered(7, offsets.orders),
            _channel=pl.col("sales_channel"),
        )
    )
    berlin = _epoch().dt.convert_time_zone(LOCAL_TZ).dt.to_string("%Y-%m-%dT%H:%M:%S%:z")
    out = (
        tx.rename({"ep": "_ep", "t": "_t", "step": "_step"})
        .join(orders, on="_ep", how="left", maintain_order="left")
        .join(
            episodes.select("_ep", "_cust", "customer_id", "currency"),
            on="_ep",
            how="left",
            maintain_order="left",
        )
        .sort("_t", "_ep", "_step")
        .with_columns(
            event_id=pl.lit("T") + _numbered(8, offsets.transactions),
            occurred_at=berlin,
            amount=_money(pl.col("amount_cents")),
            sales_channel=pl.col("_channel"),
        )
    )
    return out.select(*TRANSACTION_COLUMNS, "_ep", "_t", "_cust")


def _web(
    rng: np.random.Generator,
    web: pl.DataFrame,
    episodes: pl.DataFrame,
    anon_device: np.ndarray,
    offsets: IdOffsets,
) -> tuple[pl.DataFrame, tuple[int, int]]:
    """The web source, and the (anonymous id, event id) keys it used."""
    anon_key, event_key = (int(k) for k in rng.integers(0, 2**63, size=2))
    anon_key = anon_key if offsets.anon_key is None else offsets.anon_key
    event_key = event_key if offsets.event_key is None else offsets.event_key
    n_anon = len(anon_device)
    anon_ids = pl.DataFrame(
        {
            "_anon": np.arange(n_anon, dtype=np.int64),
            "anonymous_id": format_hex_ids(np.arange(n_anon) + offsets.anonymous, anon_key),
            "device": anon_device,
        }
    )
    out = (
        web.rename({"ep": "_ep", "t": "_t", "step": "_step", "anon": "_anon"})
        .join(anon_ids, on="_anon", how="left", maintain_order="left")
        .join(
            episodes.select("_ep", "_cust", "customer_id"),
            on="_ep",
            how="left",
            maintain_order="left",
        )
        .sort("_t", "_ep", "_step")
        .with_columns(
            event_id=format_hex_ids(np.arange(web.height) + offsets.web, event_key),
            # Before login the app sends an empty string, the website sends null.
            user_id=pl.when(pl.col("logged_in"))
            .then(pl.col("customer_id"))
            .when(pl.col("device") == "mobile")
            .then(pl.lit(""))
            .otherwise(None),
            occurred_at=_epoch().dt.to_string("%Y-%m-%dT%H:%M:%S%.3fZ"),
            referrer=pl.when(pl.col("referrer") == "").then(None).otherwise(pl.col("referrer")),
        )
    )
    return out.select(*WEB_COLUMNS, "_ep", "_t", "_cust", "_anon"), (anon_key, event_key)


def _messy_email(email: pl.Expr, style: pl.Expr) -> pl.Expr:
    """The email as the desk shows it: upper or title case, padded, or as the sender of a mail
    (style 4: ``Marie Moreau <marie.moreau153@example.net>``, the name from the address)."""
    name = (
        email.str.extract(r"^([^@]*)@")
        .str.replace_all(r"[0-9]+", "")
        .str.replace_all(r"[._]+", " ")
        .str.strip_chars()
        .str.to_titlecase()
    )
    return (
        pl.when(style == 1)
        .then(email.str.to_uppercase())
        .when(style == 2)
        .then(email.str.to_titlecase())
        .when(style == 3)
        .then(pl.lit("  ") + email + pl.lit(" "))
        .when(style == 4)
        .then(pl.concat_str(name, pl.lit(" <"), email, pl.lit(">")))
        .otherwise(email)
    )


NATIONAL_CODE = "49"
"""The phone system is German: it shows German callers' numbers in national format."""


def _messy_phone(style: pl.Expr, national: pl.Expr) -> pl.Expr:
    """The number as a desk typed it: international in four layouts, or, where ``national``
    (the German phone system's caller id for a German number), national in four layouts
    (``0160 3821092``): only a default region (``phone_region: DE``) reads those."""
    cc, area, sub = pl.col("_cc"), pl.col("_area"), pl.col("_sub")
    international = (
        pl.when(style == 1)
        .then(pl.concat_str(pl.lit("+"), cc, pl.lit(" "), area, pl.lit(" "), sub))
        .when(style == 2)
        .then(pl.concat_str(pl.lit("+"), cc, pl.lit("-"), area, pl.lit("-"), sub))
        .when(style == 3)
        .then(pl.concat_str(pl.lit("(+"), cc, pl.lit(") "), area, sub))
        .otherwise(pl.concat_str(pl.lit("+"), cc, area, sub))
    )
    domestic = (
        pl.when(style == 1)
        .then(pl.concat_str(pl.lit("0"), area, pl.lit(" "), sub))
        .when(style == 2)
        .then(pl.concat_str(pl.lit("0"), area, pl.lit("/"), sub))
        .when(style == 3)
        .then(pl.concat_str(pl.lit("(0"), area, pl.lit(") "), sub))
        .otherwise(pl.concat_str(pl.lit("0"), area, sub))
    )
    return pl.when(national).then(domestic).otherwise(international)


def _number_tickets(sup: pl.DataFrame, offsets: IdOffsets) -> pl.DataFrame:
    """(_ep, slot) -> ticket_id: CALL-000001 for calls, ZD-100001 for Zendesk, in time order."""
    return (
        sup.group_by("ep", "slot")
        .agg(pl.col("t").min().alias("_first"))
        .sort("_first", "ep", "slot")
        .with_columns(
            _rank=pl.int_range(pl.len()).over("slot")
            + 1
            + pl.when(pl.col("slot") == 0).then(offsets.calls).otherwise(offsets.tickets)
        )
        .select(
            pl.col("ep").alias("_ep"),
            "slot",
            ticket_id=pl.when(pl.col("slot") == 0)
            .then(pl.lit("CALL-") + pl.col("_rank").cast(pl.String).str.zfill(6))
            .otherwise(pl.lit("ZD-") + (pl.col("_rank") + 100_000).cast(pl.String)),
        )
    )


def _collect_contacts(episodes: pl.DataFrame, unknown: pl.DataFrame) -> pl.DataFrame:
    """Per episode, who gets in touch: the CRM customer's, or the unknown contact's, details."""
    people = episodes.select(
        "_ep", "_kind", "_cust", "_contact", "customer_id", "email", "_cc", "_area", "_sub"
    )
    known = people.filter(pl.col("_kind") != UNKNOWN_CONTACT)
    strangers = (
        people.filter(pl.col("_kind") == UNKNOWN_CONTACT)
        .select("_ep", "_kind", "_cust", "_contact", "customer_id")
        .join(unknown, on="_contact", how="left", maintain_order="left")
        .select(known.columns)
    )
    return pl.concat([known, strangers])


def _draw_typing(rng: np.random.Generator, n: int) -> list[pl.Series]:
    """Per support row: rolls for showing an email or phone anyway, and how each is typed."""
    rolls = {name: rng.random(n) for name in ("has_email", "has_phone", "email_style")}
    phone_style = rng.choice(4, size=n, p=(0.25, 0.30, 0.25, 0.20))
    # as typed (0.5), upper case, title case, padded, and (0.1, the plain share's last part:
    # the same draws) as a mail's sender
    email_style = np.searchsorted(np.cumsum((0.5, 0.1, 0.1, 0.15, 0.15)), rolls["email_style"])
    email_style = np.array([0, 4, 1, 2, 3])[np.minimum(email_style, 4)]
    return [
        pl.Series("_roll_email", rolls["has_email"]),
        pl.Series("_roll_phone", rolls["has_phone"]),
        pl.Series("_email_style", email_style),
        pl.Series("_phone_style", phone_style),
    ]


def _type_contacts(rows: pl.DataFrame) -> pl.DataFrame:
    """The email and phone each system shows, typed in by hand (null where it shows none)."""
    return (
        rows.with_columns(
            # Zendesk always knows the requester's email; the phone system the caller's number.
            _show_email=(pl.col("system") == "Zendesk") & (pl.col("channel") != "phone")
            | (pl.col("_roll_email") < 0.15),
            _show_phone=(pl.col("channel") == "phone")
            | (pl.col("system") == "Phone system")
            | (pl.col("_roll_phone") < 0.1),
        )
        .with_columns(
            # Unknown contacts who write have no phone on file, those who call no email.
            _show_email=pl.col("_show_email")
            | ~pl.col("_show_phone")
            & ~((pl.col("_kind") == UNKNOWN_CONTACT) & (pl.col("channel") == "phone")),
        )
        .with_columns(
            email=pl.when(pl.col("_show_email"))
            .then(_messy_email(pl.col("email"), pl.col("_email_style")))
            .otherwise(None),
            phone=pl.when(pl.col("_show_phone")).then(
                _messy_phone(
                    pl.col("_phone_style"),
                    (pl.col("system") == "Phone system") & (pl.col("_cc") == NATIONAL_CODE),
                )
            ),
        )
    )


def _support(
    rng: np.random.Generator,
    sup: pl.DataFrame,
    episodes: pl.DataFrame,
    unknown: pl.DataFrame,
    offsets: IdOffsets,
) -> pl.DataFrame:
    """The support source: ticket ids, contact details as typed, Berlin wall-clock times."""
    typing = _draw_typing(rng, sup.height)
    local = _epoch().dt.convert_time_zone(LOCAL_TZ).dt.to_string("%Y-%m-%d %H:%M:%S")
    rows = (
        sup.rename({"ep": "_ep", "t": "_t", "step": "_step"})
        .join(_number_tickets(sup, offsets), on=["_ep", "slot"], how="left", maintain_order="left")
        .join(_collect_contacts(episodes, unknown), on="_ep", how="left", maintain_order="left")
        .sort("_t", "_ep", "_step")
        .with_columns(typing)
    )
    out = _type_contacts(rows).with_columns(
        event_id=pl.lit("S") + _numbered(8, offsets.support), occurred_at=local
    )
    return out.select(*SUPPORT_COLUMNS, "_ep", "_t", "_cust", "_kind")


def build_sources(
    rng: np.random.Generator,
    frames: dict[str, pl.DataFrame],
    ep: Episodes,
    people: People,
    offsets: IdOffsets | None = None,
) -> Sources:
    """Ids, formats and messy contact details; every event exactly once. ``offsets`` starts
    every id after those of earlier chunks."""
    offsets = offsets or IdOffsets()
    episodes = _episode_frame(ep, people)
    n_unknown = int((ep.kind == UNKNOWN_CONTACT).sum())
    unknown = _unknown_contacts(rng, people, n_unknown, offsets)
    transactions = _transactions(frames["transactions"], episodes, offsets)
    web, (anon_key, event_key) = _web(rng, frames["web"], episodes, ep.anon_device, offsets)
    support = _support(rng, frames["support"], episodes, unknown, offsets)
    slots = frames["support"].select("ep", "slot").unique()
    next_offsets = IdOffsets(
        customers=offsets.customers + people.size,
        total_customers=offsets.total_customers,
        anonymous=offsets.anonymous + len(ep.anon_device),
        unknown_contacts=offsets.unknown_contacts + n_unknown,
        orders=offsets.orders + int((transactions["event_type"] == "order_placed").sum()),
        calls=offsets.calls + int((slots["slot"] == 0).sum()),
        tickets=offsets.tickets + int((slots["slot"] == 1).sum()),
        transactions=offsets.transactions + transactions.height,
        web=offsets.web + web.height,
        support=offsets.support + support.height,
        phone_shift=people.phone_shift,
        anon_key=anon_key,
        event_key=event_key,
    )
    return Sources(
        transactions=transactions,
        web=web,
        support=support,
        episodes=episodes.drop("email", "_cc", "_area", "_sub"),
        next_offsets=next_offsets,
    )
