"""The support desk: an agent's action in opening hours, and stand-alone questions.

Support rows carry ``slot`` 0 for a phone-system call and 1 for a Zendesk ticket; an episode has
at most one of each, so (episode, slot) identifies a ticket until real ids are assigned.
"""

from __future__ import annotations

import numpy as np

from journeys.generate.episodes import Episodes
from journeys.generate.timeline import DAY, HOUR, MINUTE, SECOND, Column, Timeline

CALL, TICKET = 0, 1


def emit_desk_action(
    tl: Timeline, mask: np.ndarray, event_type: str, gap: np.ndarray, **columns: Column
) -> None:
    """An agent's action: wait ``gap``, then the next moment the desk is open."""
    tl.wait(mask, gap)
    tl.open_hours(mask)
    tl.emit("support", mask, event_type, SECOND, **columns)


def run_support(tl: Timeline, ep: Episodes, questions: np.ndarray) -> None:
    """Stand-alone questions (account, product, billing) from customers and unknown people."""
    channel = np.where(
        ep.business,
        tl.pick(("email", "chat", "phone"), (0.4, 0.2, 0.4)),
        tl.pick(("email", "chat", "phone"), (0.55, 0.35, 0.10)),
    )
    category = tl.pick(("account", "product", "billing"), (0.4, 0.4, 0.2))
    team = np.where(category == "billing", "Billing", "Tier 1")
    ticket: dict[str, Column] = {
        "slot": TICKET,
        "channel": channel,
        "team": team,
        "system": "Zendesk",
        "category": category,
    }
    live = questions & (channel != "email")
    tl.open_hours(live)
    tl.emit("support", questions, "ticket_opened", SECOND, **ticket)
    email = questions & (channel == "email")
    first_reply = np.select(
        [channel == "email", channel == "chat"],
        [
            tl.lognormal_ms(2 * HOUR, 0.9, low=10 * MINUTE, high=30 * HOUR),
            tl.uniform_ms(30 * SECOND, 8 * MINUTE),
        ],
        tl.uniform_ms(5 * SECOND, 60 * SECOND),
    )
    tl.wait(questions, first_reply)
    tl.open_hours(email)
    tl.emit("support", questions, "contact", SECOND, **ticket)
    extra = np.select(
        [tl.chance(0.72), tl.chance(0.45)], [0, 1], tl.rng.integers(2, 5, size=ep.size)
    )
    for j in range(4):
        emit_desk_action(
            tl,
            questions & (extra > j),
            "contact",
            tl.uniform_ms(3 * HOUR, 30 * HOUR),
            **{**ticket, "channel": np.where(tl.chance(0.2), "phone", channel)},
        )
    emit_desk_action(
        tl, questions, "ticket_resolved", tl.uniform_ms(10 * MINUTE, 20 * HOUR), **ticket
    )
    reopen = questions & tl.chance(0.08)
    tl.wait(reopen, tl.uniform_ms(1 * DAY, 3 * DAY))
    tl.emit("support", reopen, "ticket_reopened", SECOND, **ticket)
    emit_desk_action(tl, reopen, "contact", tl.uniform_ms(1 * HOUR, 6 * HOUR), **ticket)
    emit_desk_action(tl, reopen, "ticket_resolved", tl.uniform_ms(10 * MINUTE, 6 * HOUR), **ticket)
