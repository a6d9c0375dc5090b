"""What each generated restaurant's history looks like, decided up front and deterministically from the seed.

Times are whole seconds since the epoch (UTC) so the row generators can format millions of them cheaply.
The call plan columns of each lead (last call, last connected call, follow-up, next due) are computed here
with the same rules the application uses (`interactions.call_plan.lead_call_plan` and `interactions.planning`), from
the very calls rows.py will emit, so `call_plans_recompute` finds nothing to change after a load.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from types import SimpleNamespace

from interactions.call_plan import lead_call_plan
from interactions.planning import RestaurantCalendar, retry_after_unanswered

DAY = 86_400
HOUR = 3_600

# The account the benchmark opens Today for has this many accounts; its team is the largest one.
BENCHMARK_KAM_ACCOUNTS = 500


@dataclass(frozen=True)
class DatasetSize:
    restaurants: int = 100_000
    kams: int = 200
    teams: int = 10
    contacts_per_lead: float = 3.0
    interactions: int = 10_000_000
    orders: int = 10_000_000
    years: float = 3.0
    seed: int = 2026

    def problems(self) -> list[str]:
        found = []
        if self.restaurants < 1:
            found.append("--restaurants must be at least 1.")
        if self.kams < 1 or self.teams < 1:
            found.append("--kams and --teams must be at least 1.")
        if self.teams > self.kams:
            found.append("--teams cannot exceed --kams (every team needs a KAM).")
        if not 1 <= self.contacts_per_lead <= 20:
            found.append("--contacts-per-lead must be between 1 and 20.")
        if self.interactions < 0 or self.orders < 0:
            found.append("--interactions and --orders cannot be negative.")
        if not 0.1 <= self.years <= 10:
            found.append("--years must be between 0.1 and 10.")
        return found


# city, state, country, restaurant time zone, weight, localities
INDIA = [
    ("Mumbai", "Maharashtra", "IN", "Asia/Kolkata", 16, ["Andheri", "Bandra", "Powai", "Lower Parel", "Colaba"]),
    ("Delhi", "Delhi", "IN", "Asia/Kolkata", 15, ["Connaught Place", "Hauz Khas", "Saket", "Karol Bagh"]),
    ("Bengaluru", "Karnataka", "IN", "Asia/Kolkata", 14, ["Indiranagar", "Koramangala", "Whitefield", "Jayanagar"]),
    ("Hyderabad", "Telangana", "IN", "Asia/Kolkata", 9, ["Banjara Hills", "Gachibowli", "Madhapur"]),
    ("Chennai", "Tamil Nadu", "IN", "Asia/Kolkata", 8, ["T Nagar", "Adyar", "Velachery", "Anna Nagar"]),
    ("Pune", "Maharashtra", "IN", "Asia/Kolkata", 7, ["Koregaon Park", "Baner", "Kothrud"]),
    ("Kolkata", "West Bengal", "IN", "Asia/Kolkata", 7, ["Park Street", "Salt Lake", "Ballygunge"]),
    ("Ahmedabad", "Gujarat", "IN", "Asia/Kolkata", 5, ["Navrangpura", "Satellite", "Bodakdev"]),
    ("Jaipur", "Rajasthan", "IN", "Asia/Kolkata", 4, ["C Scheme", "Malviya Nagar", "Vaishali Nagar"]),
    ("Kochi", "Kerala", "IN", "Asia/Kolkata", 3, ["Fort Kochi", "Edappally", "Kakkanad"]),
    ("Lucknow", "Uttar Pradesh", "IN", "Asia/Kolkata", 3, ["Hazratganj", "Gomti Nagar"]),
    ("Chandigarh", "Chandigarh", "IN", "Asia/Kolkata", 2, ["Sector 17", "Sector 35"]),
    ("Goa", "Goa", "IN", "Asia/Kolkata", 2, ["Panaji", "Calangute", "Margao"]),
]
GULF = [
    ("Dubai", "Dubai", "AE", "Asia/Dubai", 6, ["Deira", "Jumeirah", "Al Barsha", "Business Bay"]),
    ("Abu Dhabi", "Abu Dhabi", "AE", "Asia/Dubai", 3, ["Al Zahiyah", "Khalifa City"]),
    ("Sharjah", "Sharjah", "AE", "Asia/Dubai", 2, ["Al Majaz", "Al Nahda"]),
]
LONDON = ("London", "England", "GB", "Europe/London", 1, ["Southall", "Brick Lane", "Wembley"])
# Fixed offsets for spreading history over local business hours; the call plan itself uses the real zone.
ZONE_OFFSETS = {"Asia/Kolkata": 19_800, "Asia/Dubai": 14_400, "Europe/London": 0}

NAME_FIRST = [
    "Spice",
    "Saffron",
    "Tandoor",
    "Biryani",
    "Dosa",
    "Masala",
    "Curry",
    "Coastal",
    "Royal",
    "Urban",
    "Mughal",
    "Udupi",
    "Chettinad",
    "Punjab",
    "Malabar",
    "Bombay",
    "Desert",
    "Zaatar",
    "Shawarma",
    "Karak",
    "Peshwari",
    "Hyderabadi",
    "Kebab",
    "Thali",
    "Chaat",
    "Tiffin",
    "Bengal",
    "Konkan",
    "Awadhi",
    "Rasoi",
    "Zaffran",
    "Nawab",
    "Chulha",
    "Haveli",
    "Dhaba",
    "Annapurna",
    "Amritsari",
    "Kerala",
    "Mango",
    "Tamarind",
]
NAME_SECOND = [
    "House",
    "Kitchen",
    "Junction",
    "Café",
    "Bistro",
    "Grill",
    "Palace",
    "Express",
    "Table",
    "Corner",
    "Darbar",
    "Point",
    "Bhavan",
    "Garden",
]
SEGMENTS = [
    "North Indian",
    "South Indian",
    "Biryani",
    "Cloud kitchen",
    "QSR",
    "Fine dining",
    "Café",
    "Arabic",
    "Bakery",
    "Pan-Asian",
    "Caterer",
    "Hotel restaurant",
    "Sweets",
    "Street food",
]
STREETS = ["MG Road", "Main Street", "Ring Road", "Market Lane", "Station Road", "Church Street", "1st Cross"]
SOURCES = ["inbound", "outbound", "referral", "field_visit", "event", "marketplace", "other"]
SOURCE_WEIGHTS = [25, 30, 15, 15, 5, 8, 2]
LOST_REASONS = [
    "Chose a competitor on price",
    "Restaurant closed down",
    "Buys from a local wholesaler",
    "Credit terms not acceptable",
    "Delivery slots did not suit the kitchen",
]
FIRST_NAMES = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Arjun",
    "Sai",
    "Reyansh",
    "Krishna",
    "Ishaan",
    "Rohan",
    "Kabir",
    "Ananya",
    "Diya",
    "Saanvi",
    "Aadhya",
    "Kavya",
    "Priya",
    "Meera",
    "Isha",
    "Neha",
    "Pooja",
    "Ramesh",
    "Sunita",
    "Vikram",
    "Anjali",
    "Imran",
    "Deepa",
    "Karthik",
    "Salim",
    "Lakshmi",
    "Ahmed",
    "Noura",
    "Joseph",
    "Farah",
    "Fatima",
    "Yusuf",
    "Omar",
    "Zara",
    "Harish",
    "Gita",
    "Manoj",
    "Rekha",
    "Suresh",
    "Divya",
    "Naveen",
    "Shalini",
    "Tariq",
    "Layla",
]
LAST_NAMES = [
    "Sharma",
    "Verma",
    "Iyer",
    "Nair",
    "Reddy",
    "Rao",
    "Shah",
    "Mehta",
    "Patel",
    "Khan",
    "Ali",
    "Das",
    "Pillai",
    "Kumar",
    "Singh",
    "Gupta",
    "Menon",
    "Joshi",
    "Chatterjee",
    "Banerjee",
    "Haddad",
    "Hassan",
    "Fernandes",
    "D'Souza",
    "Kapoor",
    "Malhotra",
    "Bhat",
    "Naidu",
    "Mishra",
    "Qureshi",
]
CONTACT_ROLES = ["owner", "manager", "chef", "procurement", "accounts", "other"]
CONTACT_TITLES = {"owner": "Owner", "manager": "Restaurant manager", "chef": "Head chef", "procurement": "Purchase"}

# Most restaurants keep the default windows; some take calls at other times.
WINDOW_CHOICES = [
    [["10:00", "12:00"], ["15:00", "18:00"]],
    [["09:00", "11:00"], ["16:00", "19:00"]],
    [["11:00", "13:00"]],
    [["15:00", "17:30"]],
]
WINDOW_WEIGHTS = [85, 7, 4, 4]
WINDOW_JSON = [json.dumps(w) for w in WINDOW_CHOICES]
WINDOW_SECONDS = [
    [(int(a[:2]) * HOUR + int(a[3:]) * 60, int(b[:2]) * HOUR + int(b[3:]) * 60) for a, b in w] for w in WINDOW_CHOICES
]

STATUS_WEIGHTS = {"won": 62, "negotiation": 5, "qualified": 6, "contacted": 9, "new": 8, "lost": 10}
PATTERN_WEIGHTS = {"steady": 40, "growing": 15, "declining": 15, "stopped": 12, "seasonal": 18}
# Share of calls in the interactions; the rest are WhatsApp messages, e-mails, visits, meetings and notes.
CALL_SHARE = 0.75


@dataclass
class UserSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    time_zone: str
    team: int | None  # managers: their team; KAMs: the team they belong to


def plan_users(size: DatasetSize) -> list[UserSpec]:
    """One admin, one manager per team and the KAMs, split over teams with the first team the largest."""
    rng = random.Random(f"{size.seed}-users")
    users = [UserSpec("bench-admin", "Asha", "Admin", "admin", "Asia/Kolkata", None)]
    gulf_team = size.teams - 1 if size.teams >= 3 else None
    for team in range(size.teams):
        tz = "Asia/Dubai" if team == gulf_team else "Asia/Kolkata"
        users.append(UserSpec(f"manager{team + 1:02d}", *_person(rng), "manager", tz, team))
    per_team, extra = divmod(size.kams, size.teams)
    number = 0
    for team in range(size.teams):
        tz = "Asia/Dubai" if team == gulf_team else "Asia/Kolkata"
        for _ in range(per_team + (1 if team < extra else 0)):
            number += 1
            users.append(UserSpec(f"kam{number:03d}", *_person(rng), "kam", tz, team))
    return users


def _person(rng) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


class LeadPlan:
    """Everything about one restaurant that rows.py needs; times in epoch seconds."""

    __slots__ = (
        "id",
        "owner",
        "prev_owner",
        "reassigned_at",
        "manager",
        "place",
        "locality",
        "name",
        "legal_name",
        "segment",
        "address",
        "source",
        "status",
        "lost_reason",
        "pattern",
        "frequency",
        "windows",
        "closed_weekday",
        "offset",
        "created_at",
        "contacted_at",
        "qualified_at",
        "negotiation_at",
        "won_at",
        "lost_at",
        "archived_at",
        "orders_end",
        "pattern_days",
        "order_gap",
        "order_value",
        "call_gap",
        "last_connected",
        "trailing",
        "trailing_outcome",
        "early_attempts",
        "follow_up_at",
        "next_call_at",
        "next_call_date",
        "extras",
        "contact_start",
        "contact_count",
    )

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, None)

    @property
    def calls_end(self) -> int:
        return max(t for t in (self.last_connected, self.trailing, self.contacted_at) if t is not None)

    def owner_at(self, moment: int) -> int:
        if self.prev_owner is not None and moment < self.reassigned_at:
            return self.prev_owner
        return self.owner


@dataclass
class Plan:
    now: int
    start: int
    users: dict  # username → id
    kam_ids: list[int]
    teams: dict  # team → (manager id, [kam ids])
    leads: list[LeadPlan]
    expected_calls: int
    expected_orders: int


def plan_leads(
    size: DatasetSize,
    *,
    users: list[UserSpec],
    user_ids: dict[str, int],
    now: int,
    first_id: int = 1,
    first_contact_id: int = 1,
) -> Plan:
    rng = random.Random(f"{size.seed}-leads")
    start = now - int(size.years * 365 * DAY)
    teams: dict[int, tuple[int, list[int]]] = {}
    for spec in users:
        if spec.role == "manager":
            teams[spec.team] = (user_ids[spec.username], [])
    kam_zone = {}
    for spec in users:
        if spec.role == "kam":
            teams[spec.team][1].append(user_ids[spec.username])
            kam_zone[user_ids[spec.username]] = spec.time_zone
    kam_ids = [k for _, (_, kams) in sorted(teams.items()) for k in kams]
    team_of = {k: team for team, (_, kams) in teams.items() for k in kams}

    owners = _portfolio_owners(size.restaurants, kam_ids, rng)
    leads = []
    for owner in owners:
        lead = LeadPlan()
        lead.owner = owner
        lead.manager, teammates = teams[team_of[owner]]
        _place(lead, rng, gulf=kam_zone[owner] == "Asia/Dubai")
        _lifecycle(lead, rng, now=now, start=start)
        if len(teammates) > 1 and lead.created_at < now - 30 * DAY and rng.random() < 0.03:
            lead.prev_owner = rng.choice([k for k in teammates if k != owner])
            lead.reassigned_at = rng.randint(lead.created_at + 7 * DAY, now - 7 * DAY)
        leads.append(lead)
    # Ids follow creation time, as they would in production, so one KAM's accounts are spread over the table.
    leads.sort(key=lambda lead: lead.created_at)
    contact_id = first_contact_id
    whole = int(size.contacts_per_lead)
    for offset, lead in enumerate(leads):
        lead.id = first_id + offset
        # Between one and a few people per restaurant, averaging --contacts-per-lead.
        count = whole + (1 if rng.random() < size.contacts_per_lead - whole else 0)
        if count >= 3:
            count += rng.choice((-2, -1, 0, 0, 1, 2))
        lead.contact_start, lead.contact_count = contact_id, count
        contact_id += count

    expected_calls = _scale_calls(leads, size, now=now)
    expected_orders = _scale_orders(leads, size, now=now)
    _spread_extras(leads, max(0, size.interactions - expected_calls), rng, now=now)
    for lead in leads:
        _call_plan(lead)
    return Plan(
        now=now,
        start=start,
        users=user_ids,
        kam_ids=kam_ids,
        teams=teams,
        leads=leads,
        expected_calls=expected_calls,
        expected_orders=expected_orders,
    )


def _portfolio_owners(restaurants: int, kam_ids: list[int], rng) -> list[int]:
    """The first KAM gets the benchmark's 500 accounts; the others share the rest unevenly (roughly 0.5×–1.5×)."""
    if len(kam_ids) == 1:
        return [kam_ids[0]] * restaurants
    first = min(BENCHMARK_KAM_ACCOUNTS, restaurants // 2)
    rest = restaurants - first
    weights = [rng.uniform(0.5, 1.5) for _ in kam_ids[1:]]
    total = sum(weights)
    counts = [int(rest * w / total) for w in weights]
    for i in range(rest - sum(counts)):
        counts[i % len(counts)] += 1
    owners = [kam_ids[0]] * first
    for kam, count in zip(kam_ids[1:], counts, strict=True):
        owners.extend([kam] * count)
    rng.shuffle(owners)
    return owners


def _weighted(rng, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


def _place(lead: LeadPlan, rng, *, gulf: bool) -> None:
    if gulf:
        places = GULF
    else:
        roll = rng.random()
        places = GULF if roll < 0.01 else ([LONDON] if roll < 0.015 else INDIA)
    place = rng.choices(places, weights=[p[4] for p in places])[0]
    lead.place = place
    lead.locality = rng.choice(place[5])
    first, second = rng.choice(NAME_FIRST), rng.choice(NAME_SECOND)
    lead.name = f"{first} {second} {lead.locality}"
    suffix = "LLC" if place[2] == "AE" else ("Ltd" if place[2] == "GB" else "Foods Pvt Ltd")
    lead.legal_name = f"{first} {rng.choice(LAST_NAMES)} {suffix}"
    lead.segment = rng.choice(SEGMENTS)
    lead.address = f"{rng.randint(1, 400)}, {rng.choice(STREETS)}, {lead.locality}"
    lead.source = rng.choices(SOURCES, weights=SOURCE_WEIGHTS)[0]
    lead.windows = rng.choices(range(len(WINDOW_CHOICES)), weights=WINDOW_WEIGHTS)[0]
    roll = rng.random()
    lead.closed_weekday = 0 if roll < 0.1 else (1 if roll < 0.15 else (6 if roll < 0.2 else None))
    lead.offset = ZONE_OFFSETS[place[3]]


def window_moment(lead: LeadPlan, local_day: int, rng) -> int:
    """A moment inside one of the lead's calling windows on `local_day` (days since the epoch, local)."""
    windows = WINDOW_SECONDS[lead.windows]
    start, end = windows[int(rng.random() * len(windows))]
    return local_day * DAY - lead.offset + start + int(rng.random() * (end - 60 - start))


def local_day(lead: LeadPlan, moment: int) -> int:
    return (moment + lead.offset) // DAY


def _lifecycle(lead: LeadPlan, rng, *, now: int, start: int) -> None:
    status = _weighted(rng, STATUS_WEIGHTS)
    lead.status = status
    lead.lost_reason = rng.choice(LOST_REASONS) if status == "lost" else ""
    if status == "new":
        lead.created_at = rng.randint(now - 10 * DAY, now - 2 * HOUR)
        lead.frequency = rng.choice([7, 7, 14])
        if rng.random() < 0.6:
            # A first attempt or two, not answered yet.
            first = window_moment(lead, local_day(lead, lead.created_at) + 1, rng)
            attempts = [first] if first < now - HOUR else []
            second = first + rng.randint(1, 3) * DAY
            if attempts and second < now - HOUR:
                attempts.append(second)
            lead.early_attempts = attempts or None
        return
    if status == "won":
        lead.created_at = rng.randint(start, now - 3 * DAY)
    elif status == "lost":
        lead.created_at = rng.randint(start, now - 20 * DAY)
    else:
        lead.created_at = rng.randint(max(start, now - 365 * DAY), now - 2 * DAY)
    first_call = window_moment(lead, local_day(lead, lead.created_at) + rng.randint(1, 4), rng)
    steps = {"contacted": 0, "qualified": 1, "negotiation": 2, "won": 3, "lost": rng.choice([0, 1, 1, 2])}[status]
    if status == "won" and rng.random() < 0.2:
        steps = rng.choice([0, 1])  # the first order came before the pipeline got that far
    limit = now - 2 * HOUR
    # Leave at least an hour per later step, so the pipeline's moves stay in order even for a lead from this week.
    lead.contacted_at = min(first_call, limit - (steps + 1) * HOUR)
    moment = lead.contacted_at
    room = (limit - moment) // (steps + 2)
    marks = []
    for _ in range(steps):
        moment += min(rng.randint(DAY, 12 * DAY), room)
        marks.append(moment)
    lead.qualified_at = marks[0] if steps >= 1 else None
    lead.negotiation_at = marks[1] if steps >= 2 else None
    if status == "won":
        lead.won_at = moment + min(rng.randint(DAY, 10 * DAY), room)
        lead.pattern = _weighted(rng, PATTERN_WEIGHTS)
        lead.orders_end = now
        if lead.pattern == "stopped":
            lead.orders_end = min(now, max(lead.won_at + DAY, now - rng.randint(20, 240) * DAY))
        lead.pattern_days = rng.randint(120, 400) if lead.pattern == "growing" else rng.randint(45, 150)
        lead.order_gap = rng.choice([1.5, 2, 3, 4, 5, 7, 7, 10, 14])
        lead.order_value = rng.choice([2500, 4000, 6000, 9000, 12000, 18000, 25000, 40000, 75000])
    if status == "lost":
        lead.lost_at = max(moment + 60, min(moment + rng.randint(5 * DAY, 120 * DAY), now - DAY))
        lead.frequency = None
        if rng.random() < 0.4:
            lead.archived_at = min(lead.lost_at + rng.randint(DAY, 60 * DAY), now - HOUR)
    else:
        lead.frequency = None if rng.random() < 0.04 else rng.choice([3, 7, 7, 7, 14, 14, 21, 30])
    _last_calls(lead, rng, now=now)


def _last_calls(lead: LeadPlan, rng, *, now: int) -> None:
    """The last connected call and what came after it: these decide the call plan."""
    if lead.status == "lost":
        before = local_day(lead, lead.lost_at) - rng.randint(0, 3)
        lead.last_connected = max(lead.contacted_at, window_moment(lead, before, rng))
        return
    cadence = lead.frequency or 14
    today = local_day(lead, now)
    # A KAM keeping up calls each account once per cadence; about one account in ten has slipped behind.
    days_ago = cadence + rng.randint(1, 12) if rng.random() < 0.1 else rng.randint(1, cadence)
    moment = window_moment(lead, today - days_ago, rng)
    lead.last_connected = moment if moment > lead.contacted_at else lead.contacted_at
    last_day = local_day(lead, lead.last_connected)
    roll = rng.random()
    if roll < 0.2 and today - last_day >= 2:
        day = today - rng.randint(0, min(2, today - last_day - 1))
        moment = window_moment(lead, day, rng)
        if moment >= now - 60:
            moment = window_moment(lead, day - 1, rng) if day - 1 > last_day else None
        if moment is not None and moment > lead.last_connected:
            lead.trailing = moment
            lead.trailing_outcome = (
                "callback_requested"
                if roll < 0.04
                else ("wrong_number" if roll < 0.05 else rng.choice(["no_answer", "busy"]))
            )


def _order_density(lead: LeadPlan, moment: int, now: int) -> tuple[float, float]:
    """(relative order frequency, relative order value) of the account at `moment`, by its pattern."""
    pattern = lead.pattern
    if pattern == "growing":
        age = (now - moment) / DAY
        progress = 0.0 if age > lead.pattern_days else 1 - age / lead.pattern_days
        return 0.35 + 0.65 * progress, 0.75 + 0.5 * progress
    if pattern == "declining":
        age = (now - moment) / DAY
        progress = 0.0 if age > lead.pattern_days else 1 - age / lead.pattern_days
        return 1 - 0.7 * progress, 1 - 0.45 * progress
    if pattern == "seasonal":
        # Busiest around the festive season (late October), quietest before the monsoon.
        wave = math.cos(2 * math.pi * ((moment / DAY) % 365.2425 - 300) / 365.2425)
        return 0.55 + 0.45 * wave, 0.9 + 0.2 * wave
    return 1.0, 1.0


def _scale_calls(leads: list[LeadPlan], size: DatasetSize, *, now: int) -> int:
    """Stretch every account's call gap by one factor so calls make up CALL_SHARE of the interactions."""
    spans = []
    for lead in leads:
        if lead.contacted_at is None:
            spans.append(0.0)
            continue
        spans.append((lead.last_connected - lead.contacted_at) / (0.95 * (lead.frequency or 14) * DAY))
    fixed = sum(
        (1 if lead.contacted_at is not None else 0)
        + (1 if lead.last_connected not in (None, lead.contacted_at) else 0)
        + (1 if lead.trailing else 0)
        + len(lead.early_attempts or ())
        for lead in leads
    )
    natural = sum(spans)
    wanted = max(0.0, size.interactions * CALL_SHARE - fixed)
    factor = natural / wanted if wanted > 0 else float("inf")
    factor = max(factor, 0.35)  # never more than about three calls per cadence
    for lead in leads:
        lead.call_gap = (lead.frequency or 14) * DAY * factor if factor != float("inf") else None
    return int(fixed + (natural / factor if factor != float("inf") else 0))


def _scale_orders(leads: list[LeadPlan], size: DatasetSize, *, now: int) -> int:
    won = [lead for lead in leads if lead.status == "won"]
    if not won:
        return 0
    natural = []
    for lead in won:
        span = max(0, lead.orders_end - lead.won_at)
        samples = [_order_density(lead, lead.won_at + span * (i + 0.5) / 12, now)[0] for i in range(12)]
        natural.append(span / DAY / lead.order_gap * sum(samples) / 12)
    wanted = max(size.orders - len(won), 0)
    total = sum(natural)
    factor = total / wanted if wanted > 0 else float("inf")
    for lead in won:
        lead.order_gap = lead.order_gap * DAY * factor if factor != float("inf") else None
    return len(won) + (int(total / factor) if factor != float("inf") else 0)


def _spread_extras(leads: list[LeadPlan], extras: int, rng, *, now: int) -> None:
    spans = [((lead.lost_at or now) - lead.created_at) for lead in leads]
    total = sum(spans) or 1
    for lead, span in zip(leads, spans, strict=True):
        share = extras * span / total
        whole = int(share)
        lead.extras = whole + (1 if rng.random() < share - whole else 0)


_calendars: dict = {}


def _calendar(lead: LeadPlan) -> RestaurantCalendar:
    key = (lead.place[3], lead.windows, lead.closed_weekday, lead.place[2], lead.place[1])
    calendar = _calendars.get(key)
    if calendar is None:
        calendar = _calendars[key] = RestaurantCalendar.for_lead(_as_lead(lead))
    return calendar


def _as_lead(lead: LeadPlan, **extra) -> SimpleNamespace:
    city, state, country, tz, *_ = lead.place
    return SimpleNamespace(
        time_zone=tz,
        calling_windows=WINDOW_CHOICES[lead.windows],
        closed_weekday=lead.closed_weekday,
        country=country,
        state=state,
        **extra,
    )


def _aware(moment: int | None) -> dt.datetime | None:
    return None if moment is None else dt.datetime.fromtimestamp(moment, tz=dt.UTC)


def _call_plan(lead: LeadPlan) -> None:
    """The lead's follow-up and next due, by the application's own rules, from the calls it will have."""
    calendar = _calendar(lead)
    last_attempt, outcome = None, None
    if lead.trailing:
        last_attempt, outcome = lead.trailing, lead.trailing_outcome
    elif lead.early_attempts:
        last_attempt, outcome = lead.early_attempts[-1], "no_answer"
    follow_up = None
    if outcome in ("no_answer", "busy"):
        follow_up = retry_after_unanswered(calendar=calendar, called_at=_aware(last_attempt))
    elif outcome == "callback_requested":
        follow_up = calendar.first_slot_on(calendar.local_date(_aware(last_attempt)) + dt.timedelta(days=2))
    lead.follow_up_at = int(follow_up.timestamp()) if follow_up else None
    plan = lead_call_plan(
        _as_lead(
            lead,
            call_frequency_days=lead.frequency,
            status=lead.status,
            is_archived=lead.archived_at is not None,
            created_at=_aware(lead.created_at),
            last_connected_call_at=_aware(lead.last_connected),
            follow_up_at=follow_up,
        )
    )
    lead.next_call_at = int(plan.due_at.timestamp()) if plan.due_at else None
    lead.next_call_date = plan.due_date
