-- grain: one row per journey: how much effort it took the customer, in teams, systems,
-- channels, handoffs, contacts and waiting.
--
-- teams / systems / channels: distinct known teams, systems, channels of its events.
-- handoffs: events whose team differs from the team of the event just before (both known):
--   marts.journeys.n_team_handoffs; one row each in marts.journey_handoffs.
-- missed_handoffs: handoffs followed, before the next handoff, by a wait over the SLA (the
--   map's `within` for that step, else effort.handoff_sla_seconds, default 1d), a repeat
--   contact or a reopened ticket. late_handoffs: those over the SLA. bounced_handoffs: handoffs
--   straight back (A -> B, then B -> A).
-- contacts: customer contacts (effort.contact_touchpoints; default: support events of type
--   `contact`). repeat_contacts: contacts within effort.repeat_window_seconds (default 7d) of
--   the customer's previous contact on the same ticket or the same topic (support category).
-- reopens: reopened tickets (effort.reopen_touchpoints; default: `ticket_reopened` events).
-- waiting_seconds: the waits of its handoffs added up (time spent between two teams).
--
-- Worked example (SLA 1d, window 7d): one ticket, teams in brackets.
--   Thu 10:00 Ticket opened [Tier 1]
--   Thu 11:00 Email support [Tier 1]          contact 1
--   Thu 15:00 Ticket transferred [Logistics]  handoff 1: Tier 1 -> Logistics, waited 4h
--   Fri 09:00 Phone support [Logistics]       contact 2: same ticket, 22h after contact 1: a repeat
--   Sat 12:00 Ticket transferred [Tier 1]     handoff 2: Logistics -> Tier 1, waited 27h: late;
--                                             and straight back: a bounce
--   Sat 13:00 Ticket resolved [Tier 1]
-- teams 2, handoffs 2, missed_handoffs 2 (1: the repeat contact after it; 2: late),
-- late_handoffs 1, bounced_handoffs 1, contacts 2, repeat_contacts 1, reopens 0,
-- waiting_seconds 4h + 27h = 111,600.
with scoped as (
    select
        journey_id,
        customer_key,
        n_teams,
        n_systems,
        n_channels,
        n_team_handoffs
    from marts.journeys
    where $full or customer_key in (select s.customer_key from intermediate.int_path_scope as s)
),

handoffs as (
    select
        journey_id,
        count(*) filter (where is_missed) as missed_handoffs,
        count(*) filter (where is_late) as late_handoffs,
        count(*) filter (where is_bounce) as bounced_handoffs,
        sum(wait_seconds order by step_index) as waiting_seconds  -- fixed order: reproducible
    from marts.journey_handoffs
    where journey_id in (select s.journey_id from scoped as s)
    group by journey_id
),

contacts as (
    select
        journey_id,
        count(*) filter (where is_contact) as contacts,
        count(*) filter (where is_repeat_contact) as repeat_contacts,
        count(*) filter (where is_reopen) as reopens
    from intermediate.int_effort_events
    where journey_id in (select s.journey_id from scoped as s)
    group by journey_id
)

select
    j.journey_id,
    j.customer_key,
    j.n_teams as teams,
    j.n_systems as systems,
    j.n_channels as channels,
    j.n_team_handoffs as handoffs,
    coalesce(h.missed_handoffs, 0) as missed_handoffs,
    coalesce(c.contacts, 0) as contacts,
    coalesce(c.repeat_contacts, 0) as repeat_contacts,
    coalesce(h.waiting_seconds, 0.0) as waiting_seconds,
    coalesce(h.late_handoffs, 0) as late_handoffs,
    coalesce(h.bounced_handoffs, 0) as bounced_handoffs,
    coalesce(c.reopens, 0) as reopens
from scoped as j
left join handoffs as h on j.journey_id = h.journey_id
left join contacts as c on j.journey_id = c.journey_id
