"""Demo data: a small company with two teams, six KAMs and ~150 restaurants with six months of history.

Idempotent: users are updated in place, and a KAM who already has accounts gets no new ones.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, ContactRole
from interactions.models import CallOutcome, Interaction, InteractionKind, Order
from interactions.services import call_plans_recompute
from kam.models import Role
from kam.services import user_sync_role_groups
from leads.models import Lead, LeadAssignment, LeadSource, LeadStatus, LeadStatusChange
from performance.services import performance_recompute

DEMO_PASSWORD = "kam-demo-2026"

# username, first name, last name, role, time zone, manager username
PEOPLE = [
    ("admin", "Asha", "Admin", Role.ADMIN, "Asia/Kolkata", None),
    ("meera", "Meera", "Iyer", Role.MANAGER, "Asia/Kolkata", None),
    ("omar", "Omar", "Haddad", Role.MANAGER, "Asia/Dubai", None),
    ("aarav", "Aarav", "Shah", Role.KAM, "Asia/Kolkata", "meera"),
    ("priya", "Priya", "Nair", Role.KAM, "Asia/Kolkata", "meera"),
    ("rohan", "Rohan", "Mehta", Role.KAM, "Asia/Kolkata", "meera"),
    ("fatima", "Fatima", "Khan", Role.KAM, "Asia/Dubai", "omar"),
    ("yusuf", "Yusuf", "Ali", Role.KAM, "Asia/Dubai", "omar"),
    ("kavya", "Kavya", "Rao", Role.KAM, "Asia/Kolkata", "omar"),
]

# city, state, country, restaurant time zone
INDIA = [
    ("Bengaluru", "Karnataka", "IN", "Asia/Kolkata"),
    ("Mumbai", "Maharashtra", "IN", "Asia/Kolkata"),
    ("Delhi", "Delhi", "IN", "Asia/Kolkata"),
    ("Hyderabad", "Telangana", "IN", "Asia/Kolkata"),
    ("Chennai", "Tamil Nadu", "IN", "Asia/Kolkata"),
    ("Pune", "Maharashtra", "IN", "Asia/Kolkata"),
]
GULF = [
    ("Dubai", "Dubai", "AE", "Asia/Dubai"),
    ("Abu Dhabi", "Abu Dhabi", "AE", "Asia/Dubai"),
    ("Sharjah", "Sharjah", "AE", "Asia/Dubai"),
]
LONDON = ("London", "England", "GB", "Europe/London")

NAME_FIRST = [
    "Spice",
    "Tandoor",
    "Biryani",
    "Dosa",
    "Saffron",
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
]
NAME_SECOND = ["House", "Kitchen", "Junction", "Café", "Dhaba", "Bistro", "Grill", "Palace", "Express", "Table"]
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
]
CONTACT_NAMES = [
    "Ramesh",
    "Sunita",
    "Vikram",
    "Anjali",
    "Imran",
    "Deepa",
    "Karthik",
    "Neha",
    "Salim",
    "Lakshmi",
    "Ahmed",
    "Noura",
    "Joseph",
    "Farah",
    "Arjun",
    "Pooja",
]
LOST_REASONS = [
    "Chose a competitor on price",
    "Restaurant closed down",
    "Buys from a local wholesaler",
    "Credit terms not acceptable",
]

# Per KAM: the statuses of their 25 accounts and, for won ones, the ordering pattern.
PORTFOLIO = (
    [("won", "steady")] * 5
    + [("won", "growing")] * 3
    + [("won", "declining")] * 3
    + [("won", "stopped")] * 2
    + [("won", "new")] * 2
    + [("negotiation", None)] * 2
    + [("qualified", None)] * 2
    + [("contacted", None)] * 2
    + [("new", None)] * 2
    + [("lost", None)] * 2
)
HISTORY_DAYS = 182


class Command(BaseCommand):
    help = "Load demo users, restaurants, contacts, calls and orders (safe to run again)."

    def handle(self, *args, **options):
        now = timezone.now()
        rng = random.Random(2026)
        with transaction.atomic():
            users = self._users()
            created = 0
            for username, *_ in PEOPLE:
                user = users[username]
                if user.role != Role.KAM or user.leads.exists():
                    continue
                created += self._portfolio(user, now=now, rng=rng)
        call_plans_recompute()
        performance_recompute()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new restaurants)."))
        self.stdout.write(f"Sign in at http://127.0.0.1:8000/ with any of these (password: {DEMO_PASSWORD}):")
        for username, _first, _last, role, tz, manager in PEOPLE:
            team = f", team of {manager}" if manager else ""
            self.stdout.write(f"  {username:<8} {Role(role).label}, {tz}{team}")

    def _users(self):
        User = get_user_model()
        users = {}
        for username, first, last, role, tz, manager in PEOPLE:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@kam.example",
                    "role": role,
                    "time_zone": tz,
                    "manager": users.get(manager),
                    "is_active": True,
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user_sync_role_groups(user=user)
            users[username] = user
        return users

    def _portfolio(self, kam, *, now, rng) -> int:
        places = GULF if kam.time_zone == "Asia/Dubai" else INDIA
        leads = []
        for index, (status, pattern) in enumerate(PORTFOLIO):
            city, state, country, tz = rng.choice(places)
            if kam.username == "aarav" and index == 0:
                city, state, country, tz = GULF[0]  # an Indian KAM with a Dubai account
            if kam.username == "priya" and index == 1:
                city, state, country, tz = LONDON  # and one with daylight saving time
            created_at = now - dt.timedelta(
                days=HISTORY_DAYS + rng.randint(0, 60) if status == "won" else rng.randint(3, 150)
            )
            if pattern == "new":
                created_at = now - dt.timedelta(days=rng.randint(25, 40))
            if status == "new":
                # A new lead waits for its first call for days, not months: KAMs call new leads quickly.
                created_at = now - dt.timedelta(days=rng.randint(0, 4), hours=rng.randint(0, 12))
            lead = Lead(
                name=f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)} {kam.first_name[0]}{index + 1:02d}",
                legal_name=f"{rng.choice(NAME_FIRST)} Foods Pvt Ltd",
                segment=rng.choice(SEGMENTS),
                address=f"{rng.randint(1, 300)}, {rng.choice(['MG Road', 'Main Street', 'Ring Road', 'Market Lane'])}",
                city=city,
                state=state,
                country=country,
                time_zone=tz,
                source=rng.choice(LeadSource.values),
                status=status,
                lost_reason=rng.choice(LOST_REASONS) if status == "lost" else "",
                owner=kam,
                call_frequency_days=rng.choice([3, 7, 7, 14]) if status != "lost" else None,
                closed_weekday=rng.choice([None, None, None, 0, 1]),
                created_at=created_at,
            )
            lead._seed_pattern = pattern
            leads.append(lead)
        Lead.objects.bulk_create(leads)

        contacts, calls, orders, changes, assignments = [], [], [], [], []
        for lead in leads:
            assignments.append(
                LeadAssignment(lead=lead, to_owner=kam, assigned_by=kam, assigned_at=lead.created_at, reason="Created")
            )
            changes.extend(self._status_history(lead, kam, now=now))
            lead_contacts = self._contacts(lead, rng)
            contacts.extend(lead_contacts)
            calls.extend(self._calls(lead, kam, lead_contacts, now=now, rng=rng))
            if lead.status == LeadStatus.WON:
                orders.extend(self._orders(lead, kam, lead._seed_pattern, now=now, rng=rng))
        Contact.objects.bulk_create(contacts)
        Interaction.objects.bulk_create(calls, batch_size=1000)
        Order.objects.bulk_create(orders, batch_size=1000)
        # A first version of each record, so later changes show as old → new in the History.
        for contact in contacts:
            contact._history_date = contact.lead.created_at
        for model, records in ((Lead, leads), (Contact, contacts), (Order, orders)):
            for record in records:
                record._history_date = getattr(record, "_history_date", record.created_at)
            model.history.bulk_history_create(records, default_user=kam, batch_size=1000)
        LeadStatusChange.objects.bulk_create(changes)
        LeadAssignment.objects.bulk_create(assignments)
        return len(leads)

    def _status_history(self, lead, kam, *, now):
        path = ["new", "contacted", "qualified", "negotiation", "won"]
        steps = path[: path.index(lead.status) + 1] if lead.status in path else ["new", "contacted", "lost"]
        span = (now - lead.created_at) / (len(steps) + 1)
        previous = ""
        for i, status in enumerate(steps):
            note = "Created" if i == 0 else (lead.lost_reason if status == "lost" else "")
            yield LeadStatusChange(
                lead=lead,
                from_status=previous,
                to_status=status,
                changed_by=kam,
                changed_at=lead.created_at + span * i,
                note=note,
            )
            previous = status

    def _contacts(self, lead, rng):
        count = rng.randint(1, 4)
        roles = rng.sample(ContactRole.values, count)
        prefix = "+9715" if lead.country == "AE" else ("+447" if lead.country == "GB" else "+919")
        digits = 8 if lead.country in ("AE", "GB") else 9
        people = []
        for i, role in enumerate(roles):
            name = rng.choice(CONTACT_NAMES)
            people.append(
                Contact(
                    lead=lead,
                    name=f"{name} {rng.choice(['Kumar', 'Sharma', 'Reddy', 'Das', 'Hassan', 'Pillai'])}",
                    role=role,
                    phone=prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits)),
                    email=f"{name.lower()}.{lead.pk}@example.com" if rng.random() < 0.6 else "",
                    prefers_whatsapp=rng.random() < 0.5,
                    is_primary=i == 0,
                )
            )
        return people

    def _calls(self, lead, kam, contacts, *, now, rng):
        if lead.status == LeadStatus.NEW:
            return []
        frequency = lead.call_frequency_days or 14
        # Leave some accounts overdue, some due today and most planned ahead, so Today has a real mix.
        last_gap = rng.choice([frequency + 3, frequency, frequency - 1, max(frequency // 2, 1), 1])
        moment = now - dt.timedelta(days=last_gap, hours=rng.randint(0, 5))
        start = max(lead.created_at, now - dt.timedelta(days=HISTORY_DAYS))
        outcomes = [CallOutcome.CONNECTED] * 6 + [CallOutcome.NO_ANSWER, CallOutcome.BUSY]
        calls = []
        first = True
        while moment > start:
            outcome = CallOutcome.CONNECTED if first else rng.choice(outcomes)
            calls.append(
                Interaction(
                    lead=lead,
                    contact=rng.choice(contacts),
                    performed_by=kam,
                    kind=InteractionKind.CALL,
                    occurred_at=moment,
                    outcome=outcome,
                    duration_minutes=rng.randint(2, 15) if outcome == CallOutcome.CONNECTED else 0,
                    notes=rng.choice(
                        [
                            "Discussed weekly needs",
                            "Asked about new rice prices",
                            "Owner busy; quick check",
                            "Shared the festive offer",
                            "",
                        ]
                    ),
                    created_at=moment,
                )
            )
            if rng.random() < 0.15:
                calls.append(
                    Interaction(
                        lead=lead,
                        contact=rng.choice(contacts),
                        performed_by=kam,
                        kind=rng.choice([InteractionKind.VISIT, InteractionKind.WHATSAPP, InteractionKind.MEETING]),
                        occurred_at=moment - dt.timedelta(days=1),
                        notes="Dropped by with samples",
                        created_at=moment,
                    )
                )
            first = False
            moment -= dt.timedelta(days=frequency + rng.randint(-1, 2))
        return calls

    def _orders(self, lead, kam, pattern, *, now, rng):
        base = Decimal(rng.choice([8000, 15000, 25000, 40000]))
        interval = rng.choice([3, 4, 5, 7])
        start = now - dt.timedelta(days=40 if pattern == "new" else HISTORY_DAYS)
        end = now - dt.timedelta(days=rng.randint(35, 60)) if pattern == "stopped" else now
        orders = []
        moment = start + dt.timedelta(days=rng.randint(0, interval))
        while moment < end:
            progress = (moment - start) / (now - start)  # 0 at the start of the history, 1 today
            factor = Decimal("1")
            gap = interval
            if pattern == "growing":
                factor = Decimal(str(round(0.6 + 0.9 * progress, 3)))
            elif pattern == "declining":
                factor = Decimal(str(round(1.3 - 0.9 * progress, 3)))
                gap = interval + round(progress * interval * 2)
            noise = Decimal(str(round(rng.uniform(0.85, 1.15), 3)))
            orders.append(
                Order(
                    lead=lead,
                    placed_at=min(now, moment.replace(hour=rng.randint(4, 12), minute=rng.randint(0, 59))),
                    amount=(base * factor * noise).quantize(Decimal("1.00")),
                    item_count=rng.randint(5, 60),
                    external_ref=f"DEMO-{lead.pk}-{len(orders) + 1}",
                    recorded_by=kam,
                    credited_to=kam,
                    created_at=moment,
                )
            )
            moment += dt.timedelta(days=max(1, gap + rng.randint(-1, 1)))
        return orders
