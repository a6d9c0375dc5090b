"""Table rows from the plans, as lines in PostgreSQL's COPY text format (tab-separated, \\N for NULL).

Each generator yields chunks of lines (one string per chunk) and counts its rows in a `Counter`. Interactions
and orders are generated a few thousand accounts at a time and sorted by time within the chunk before they get
their ids, so one account's rows lie scattered over the table as they would after years of inserts, and the
benchmark reads them the way production would, not from a few neighbouring pages.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from operator import itemgetter

from kam.dataset.plan import (
    CONTACT_ROLES,
    CONTACT_TITLES,
    DAY,
    FIRST_NAMES,
    LAST_NAMES,
    WINDOW_JSON,
    LeadPlan,
    Plan,
    _order_density,
    local_day,
    window_moment,
)

NULL = "\\N"
CHUNK_LEADS = 2_000

LEAD_COLUMNS = [
    "id",
    "name",
    "legal_name",
    "segment",
    "address",
    "city",
    "state",
    "country",
    "time_zone",
    "source",
    "status",
    "lost_reason",
    "call_frequency_days",
    "calling_windows",
    "closed_weekday",
    "last_call_at",
    "last_connected_call_at",
    "follow_up_at",
    "next_call_date",
    "next_call_at",
    "is_archived",
    "archived_at",
    "created_at",
    "updated_at",
    "owner_id",
]
CONTACT_COLUMNS = [
    "id",
    "name",
    "role",
    "title",
    "phone",
    "email",
    "prefers_whatsapp",
    "is_primary",
    "notes",
    "created_at",
    "updated_at",
    "lead_id",
]
INTERACTION_COLUMNS = [
    "id",
    "kind",
    "occurred_at",
    "outcome",
    "duration_minutes",
    "notes",
    "created_at",
    "contact_id",
    "lead_id",
    "performed_by_id",
]
ORDER_COLUMNS = [
    "id",
    "placed_at",
    "amount",
    "currency",
    "item_count",
    "external_ref",
    "created_at",
    "credited_to_id",
    "lead_id",
    "recorded_by_id",
]
STATUS_CHANGE_COLUMNS = ["id", "from_status", "to_status", "changed_at", "note", "changed_by_id", "lead_id"]
ASSIGNMENT_COLUMNS = [
    "id",
    "assigned_at",
    "reason",
    "handover_note",
    "assigned_by_id",
    "from_owner_id",
    "lead_id",
    "to_owner_id",
]

# Columns that need converting for databases other than PostgreSQL.
TIMESTAMP_COLUMNS = {
    "last_call_at",
    "last_connected_call_at",
    "follow_up_at",
    "next_call_at",
    "archived_at",
    "created_at",
    "updated_at",
    "occurred_at",
    "placed_at",
    "changed_at",
    "assigned_at",
}
BOOLEAN_COLUMNS = {"is_archived", "prefers_whatsapp", "is_primary"}

CALL_NOTES = [
    "Discussed weekly needs",
    "Asked about new rice prices",
    "Owner busy; quick check",
    "Shared the festive offer",
    "Confirmed next delivery slot",
    "Complained about a late delivery; escalated",
    "",
    "",
]
OTHER_NOTES = {
    "whatsapp": ["Sent the price list", "Shared order link", "Reminder about pending payment", "Sent festive offer"],
    "email": ["Invoice copy sent", "Quarterly statement", "New catalogue"],
    "visit": ["Dropped by with samples", "Checked the storeroom", "Met the new chef"],
    "meeting": ["Annual rate negotiation", "Menu planning for the season"],
    "note": ["Prefers calls after 3 pm", "Pays on the 5th of the month", "Owner travelling next week"],
}
# 100 slots so a kind can be picked with one random index.
EXTRA_KINDS = ["whatsapp"] * 55 + ["email"] * 15 + ["visit"] * 12 + ["meeting"] * 8 + ["note"] * 10
# History calls before the last connected one: mostly connected, some unanswered, a few callbacks.
HISTORY_OUTCOMES = (
    ["connected"] * 74 + ["no_answer"] * 13 + ["busy"] * 6 + ["callback_requested"] * 5 + ["wrong_number"] * 2
)


@dataclass
class Counter:
    rows: int = 0
    extra: dict = field(default_factory=dict)


class Clock:
    """Epoch seconds → 'YYYY-MM-DD HH:MM:SS+00' from two lookup tables (far cheaper than datetime formatting)."""

    def __init__(self, first: int, last: int):
        self.day0 = first // DAY - 1
        epoch = dt.date(1970, 1, 1)
        self.days = [(epoch + dt.timedelta(days=d)).isoformat() + " " for d in range(self.day0, last // DAY + 2)]
        self.seconds = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]

    def __call__(self, moment: int | None) -> str:
        if moment is None:
            return NULL
        day, second = divmod(moment, DAY)
        return self.days[day - self.day0] + self.seconds[second]


def _text(value) -> str:
    return NULL if value is None else str(value)


def lead_lines(plan: Plan, clock: Clock, counter: Counter):
    now = clock(plan.now)
    lines = []
    for lead in plan.leads:
        city, state, country, tz, *_ = lead.place
        last_call = (
            max(lead.early_attempts)
            if lead.early_attempts
            else (lead.calls_end if lead.contacted_at is not None else None)
        )
        lines.append(
            "\t".join(
                (
                    str(lead.id),
                    lead.name,
                    lead.legal_name,
                    lead.segment,
                    lead.address,
                    city,
                    state,
                    country,
                    tz,
                    lead.source,
                    lead.status,
                    lead.lost_reason,
                    _text(lead.frequency),
                    WINDOW_JSON[lead.windows],
                    _text(lead.closed_weekday),
                    clock(last_call),
                    clock(lead.last_connected),
                    clock(lead.follow_up_at),
                    _text(lead.next_call_date),
                    clock(lead.next_call_at),
                    "f" if lead.archived_at is None else "t",
                    clock(lead.archived_at),
                    clock(lead.created_at),
                    now,
                    str(lead.owner),
                )
            )
        )
        if len(lines) >= 10_000:
            counter.rows += len(lines)
            yield "\n".join(lines) + "\n"
            lines = []
    counter.rows += len(lines)
    if lines:
        yield "\n".join(lines) + "\n"


def _phone(country: str, contact_id: int) -> str:
    # A bijective scramble of the id keeps every number unique and valid for its country.
    if country == "AE":
        return f"+9715{'0256'[contact_id % 4]}{(contact_id * 7919 + 1_234_567) % 10_000_000:07d}"
    if country == "GB":
        return f"+4475{(contact_id * 7919 + 12_345_678) % 100_000_000:08d}"
    return f"+91{'9876'[contact_id % 4]}{(contact_id * 7919 + 123_456_789) % 1_000_000_000:09d}"


def contact_lines(plan: Plan, clock: Clock, counter: Counter, seed: int):
    rng = random.Random(f"{seed}-contacts")
    now = clock(plan.now)
    lines = []
    for lead in plan.leads:
        country = lead.place[2]
        created = clock(lead.created_at)
        for n in range(lead.contact_count):
            contact_id = lead.contact_start + n
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            role = ("owner" if rng.random() < 0.7 else "manager") if n == 0 else rng.choice(CONTACT_ROLES)
            has_phone = n == 0 or rng.random() < 0.93
            has_email = not has_phone or rng.random() < 0.55
            email = f"{first}.{last.replace(chr(39), '')}{contact_id}@example.com".lower() if has_email else ""
            lines.append(
                f"{contact_id}\t{first} {last}\t{role}\t{CONTACT_TITLES.get(role, '')}\t"
                f"{_phone(country, contact_id) if has_phone else ''}\t{email}\t"
                f"{'t' if rng.random() < 0.6 else 'f'}\t{'t' if n == 0 else 'f'}\t\t{created}\t{now}\t{lead.id}"
            )
        if len(lines) >= 20_000:
            counter.rows += len(lines)
            yield "\n".join(lines) + "\n"
            lines = []
    counter.rows += len(lines)
    if lines:
        yield "\n".join(lines) + "\n"


def _lead_calls(lead: LeadPlan, rng) -> list[tuple[int, str]]:
    """(moment, outcome) of every call to the lead, in no particular order."""
    calls = []
    if lead.early_attempts:
        calls.extend((moment, "no_answer") for moment in lead.early_attempts)
    if lead.contacted_at is None:
        return calls
    calls.append((lead.contacted_at, "connected"))
    if lead.last_connected != lead.contacted_at:
        calls.append((lead.last_connected, "connected"))
        gap = lead.call_gap
        if gap:
            random_ = rng.random
            moment = lead.last_connected - gap * (0.7 + 0.5 * random_())
            floor = lead.contacted_at + gap * 0.5
            first_day, last_day = local_day(lead, lead.contacted_at), local_day(lead, lead.last_connected)
            while moment > floor:
                day = local_day(lead, int(moment))
                if first_day < day < last_day:
                    calls.append((window_moment(lead, day, rng), HISTORY_OUTCOMES[int(random_() * 100)]))
                moment -= gap * (0.7 + 0.5 * random_())
    if lead.trailing:
        calls.append((lead.trailing, lead.trailing_outcome))
    return calls


def interaction_lines(plan: Plan, clock: Clock, counter: Counter, seed: int, first_id: int = 1):
    rng = random.Random(f"{seed}-interactions")
    random_ = rng.random
    next_id = first_id
    calls = 0
    for start in range(0, len(plan.leads), CHUNK_LEADS):
        rows = []
        append = rows.append
        for lead in plan.leads[start : start + CHUNK_LEADS]:
            lead_id = lead.id
            contacts = (lead.contact_start, lead.contact_count)
            lead_calls = _lead_calls(lead, rng)
            calls += len(lead_calls)
            for moment, outcome in lead_calls:
                stamp = clock(moment)
                contact = contacts[0] + int(random_() * contacts[1])
                duration = 2 + int(random_() * 18) if outcome == "connected" else 0
                note = CALL_NOTES[int(random_() * len(CALL_NOTES))]
                append(
                    (
                        moment,
                        f"call\t{stamp}\t{outcome}\t{duration}\t{note}\t{stamp}\t{contact}\t{lead_id}\t"
                        f"{lead.owner_at(moment)}",
                    )
                )
            if lead.extras:
                begin = lead.created_at
                end = (lead.lost_at or plan.now - 60) - begin
                for _ in range(lead.extras):
                    moment = begin + int(random_() * end)
                    kind = EXTRA_KINDS[int(random_() * 100)]
                    notes = OTHER_NOTES[kind]
                    stamp = clock(moment)
                    contact = NULL if kind == "note" else contacts[0] + int(random_() * contacts[1])
                    append(
                        (
                            moment,
                            f"{kind}\t{stamp}\t\t\\N\t{notes[int(random_() * len(notes))]}\t{stamp}\t{contact}\t"
                            f"{lead_id}\t{lead.owner_at(moment)}",
                        )
                    )
        rows.sort(key=itemgetter(0))
        counter.rows += len(rows)
        counter.extra["calls"] = calls
        yield "".join([f"{interaction_id}\t{text}\n" for interaction_id, (_, text) in enumerate(rows, next_id)])
        next_id += len(rows)


def order_lines(plan: Plan, clock: Clock, counter: Counter, seed: int, first_id: int = 1):
    rng = random.Random(f"{seed}-orders")
    random_ = rng.random
    now = plan.now
    next_id = first_id
    for start in range(0, len(plan.leads), CHUNK_LEADS):
        rows = []
        append = rows.append
        for lead in plan.leads[start : start + CHUNK_LEADS]:
            if lead.won_at is None:
                continue
            lead_id, value, gap, end = lead.id, lead.order_value, lead.order_gap, lead.orders_end
            steady = lead.pattern in ("steady", "stopped")
            moment = lead.won_at
            while moment < end:
                frequency, size = (1.0, 1.0) if steady else _order_density(lead, moment, now)
                if moment == lead.won_at or random_() < frequency:
                    paise = int(value * size * (80 + 45 * random_()))
                    owner = lead.owner_at(moment)
                    manual = random_() < 0.05  # keyed in by the KAM, without the order system's reference
                    stamp = clock(moment)
                    append(
                        (
                            moment,
                            manual,
                            f"{stamp}\t{paise // 100}.{paise % 100:02d}\tINR\t{3 + int(random_() * 60)}",
                            f"{stamp}\t{owner}\t{lead_id}\t{owner if manual else NULL}",
                        )
                    )
                if not gap:
                    break
                moment += int(gap * (0.6 + 0.8 * random_()))
        rows.sort(key=itemgetter(0))
        counter.rows += len(rows)
        yield "".join(
            [
                f"{order_id}\t{head}\t\t{tail}\n" if manual else f"{order_id}\t{head}\tUDN{order_id:010d}\t{tail}\n"
                for order_id, (_, manual, head, tail) in enumerate(rows, next_id)
            ]
        )
        next_id += len(rows)


def status_change_lines(plan: Plan, clock: Clock, counter: Counter, first_id: int = 1):
    next_id = first_id
    lines = []
    for lead in plan.leads:
        steps = [("new", lead.created_at, "Created")]
        if lead.contacted_at is not None:
            steps.append(("contacted", lead.contacted_at, "First connected call"))
        if lead.qualified_at is not None:
            steps.append(("qualified", lead.qualified_at, ""))
        if lead.negotiation_at is not None:
            steps.append(("negotiation", lead.negotiation_at, ""))
        if lead.won_at is not None:
            steps.append(("won", lead.won_at, "First order"))
        if lead.lost_at is not None:
            steps.append(("lost", lead.lost_at, lead.lost_reason))
        previous = ""
        for status, moment, note in steps:
            lines.append(
                f"{next_id}\t{previous}\t{status}\t{clock(moment)}\t{note}\t{lead.owner_at(moment)}\t{lead.id}"
            )
            next_id += 1
            previous = status
        if len(lines) >= 20_000:
            counter.rows += len(lines)
            yield "\n".join(lines) + "\n"
            lines = []
    counter.rows += len(lines)
    if lines:
        yield "\n".join(lines) + "\n"


def assignment_lines(plan: Plan, clock: Clock, counter: Counter, first_id: int = 1):
    next_id = first_id
    lines = []
    for lead in plan.leads:
        first_owner = lead.prev_owner or lead.owner
        lines.append(
            f"{next_id}\t{clock(lead.created_at)}\tNew account\t\t{lead.manager}\t{NULL}\t{lead.id}\t{first_owner}"
        )
        next_id += 1
        if lead.prev_owner is not None:
            lines.append(
                f"{next_id}\t{clock(lead.reassigned_at)}\tTerritory rebalancing\t"
                f"Orders weekly; call the owner before 11 am.\t{lead.manager}\t{lead.prev_owner}\t{lead.id}\t"
                f"{lead.owner}"
            )
            next_id += 1
        if len(lines) >= 20_000:
            counter.rows += len(lines)
            yield "\n".join(lines) + "\n"
            lines = []
    counter.rows += len(lines)
    if lines:
        yield "\n".join(lines) + "\n"
