"""Load a realistic large dataset for benchmarks (issue 9).

The reference size (the defaults): 200 KAMs in 10 teams with their managers and an admin, 100,000 restaurants,
300,000 contacts, 10 million interactions and 10 million orders over three years, with steady, growing,
declining, stopped and seasonal ordering patterns. The first KAM (kam001) owns 500 accounts and the first team
(manager01) is the largest, for the benchmark. PostgreSQL loads with COPY; other databases with batched inserts.
"""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from contacts.models import Contact
from interactions.models import Interaction, Order
from kam.database import vacuum_analyze
from kam.dataset import rows
from kam.dataset.checks import dataset_problems
from kam.dataset.load import loader_for
from kam.dataset.plan import DatasetSize, plan_leads, plan_users
from leads.models import Lead, LeadAssignment, LeadStatusChange
from performance.models import AccountPerformance

DATASET_PASSWORD = "kam-bench-2026"


def _first_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class Command(BaseCommand):
    help = "Generate a realistic large dataset (users, restaurants, contacts, interactions, orders) for benchmarks."

    def add_arguments(self, parser):
        defaults = DatasetSize()
        parser.add_argument("--restaurants", type=int, default=defaults.restaurants)
        parser.add_argument("--kams", type=int, default=defaults.kams)
        parser.add_argument("--teams", type=int, default=defaults.teams)
        parser.add_argument("--contacts-per-lead", type=float, default=defaults.contacts_per_lead)
        parser.add_argument("--interactions", type=int, default=defaults.interactions)
        parser.add_argument("--orders", type=int, default=defaults.orders)
        parser.add_argument("--years", type=float, default=defaults.years)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--truncate",
            action="store_true",
            help="Empty every user, restaurant, contact, interaction, order and performance table first.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="After loading, check every row against the model's rules (slow at the reference size).",
        )
        parser.add_argument(
            "--skip-performance",
            action="store_true",
            help="Do not compute account performance after loading (the benchmark times that job itself).",
        )

    def handle(self, *args, **options):
        size = DatasetSize(
            restaurants=options["restaurants"],
            kams=options["kams"],
            teams=options["teams"],
            contacts_per_lead=options["contacts_per_lead"],
            interactions=options["interactions"],
            orders=options["orders"],
            years=options["years"],
            seed=options["seed"],
        )
        problems = size.problems()
        if problems:
            raise CommandError(" ".join(problems))
        began = time.perf_counter()
        self.log(f"Generating {size} on {connection.vendor} ({connection.settings_dict['NAME']})")
        results = []
        with transaction.atomic():
            if options["truncate"]:
                self._truncate()
            elif Lead.objects.exists():
                raise CommandError("The database already has restaurants; pass --truncate to replace them.")
            users = plan_users(size)
            taken = get_user_model().objects.filter(username__in=[u.username for u in users])
            if taken.exists():
                raise CommandError(f"Users already exist ({taken.first().username}, …); pass --truncate.")
            started = time.perf_counter()
            user_ids = self._create_users(users, size)
            now = int(time.time())
            first = {model: _first_id(model) for model in (Lead, Contact, Interaction, Order)}
            plan = plan_leads(
                size,
                users=users,
                user_ids=user_ids,
                now=now,
                first_id=first[Lead],
                first_contact_id=first[Contact],
            )
            self.log(f"Planned {len(users)} users and {len(plan.leads):,} restaurants in {self._since(started)}")

            clock = rows.Clock(plan.start - 10 * rows.DAY, now + 400 * rows.DAY)
            loader = loader_for(connection, self.log)
            tables = [
                (Lead, rows.LEAD_COLUMNS, lambda c: rows.lead_lines(plan, clock, c)),
                (Contact, rows.CONTACT_COLUMNS, lambda c: rows.contact_lines(plan, clock, c, size.seed)),
                (
                    Interaction,
                    rows.INTERACTION_COLUMNS,
                    lambda c: rows.interaction_lines(plan, clock, c, size.seed, first[Interaction]),
                ),
                (Order, rows.ORDER_COLUMNS, lambda c: rows.order_lines(plan, clock, c, size.seed, first[Order])),
                (
                    LeadStatusChange,
                    rows.STATUS_CHANGE_COLUMNS,
                    lambda c: rows.status_change_lines(plan, clock, c, _first_id(LeadStatusChange)),
                ),
                (
                    LeadAssignment,
                    rows.ASSIGNMENT_COLUMNS,
                    lambda c: rows.assignment_lines(plan, clock, c, _first_id(LeadAssignment)),
                ),
            ]
            loader.prepare([model for model, *_ in tables])
            self.log(f"{'table':<28} {'rows':>12} {'seconds':>9} {'rows/s':>11}")
            for model, columns, lines in tables:
                counter = rows.Counter()
                seconds = loader.copy(model, columns, lines(counter), counter)
                results.append((model._meta.db_table, counter.rows, seconds))
                self.log(
                    f"{model._meta.db_table:<28} {counter.rows:>12,} {seconds:>9.1f} {counter.rows / seconds:>11,.0f}"
                )
                if "calls" in counter.extra:
                    self.log(f"{'  of which calls':<28} {counter.extra['calls']:>12,}")
            loader.finish()
            started = time.perf_counter()
            history = self._history_rows(first_lead=first[Lead], first_contact=first[Contact])
            self.log(
                f"History rows (one creation row per restaurant and contact): {history:,} in {self._since(started)}"
            )
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, *_ in tables]):
                    cursor.execute(sql)
        started = time.perf_counter()
        vacuum_analyze([model for model, *_ in tables] + [Lead.history.model, Contact.history.model])
        self.log(f"VACUUM (ANALYZE) in {self._since(started)}")
        if not options["skip_performance"]:
            self._performance()
        if options["check"]:
            started = time.perf_counter()
            problems = dataset_problems()
            if problems:
                raise CommandError(f"The generated data breaks rules: {problems}")
            self.log(f"Consistency checks passed in {self._since(started)}")
        total = time.perf_counter() - began
        loaded = sum(r for _, r, _ in results)
        self.log(self.style.SUCCESS(f"Done: {loaded:,} rows in {total:.0f} s ({loaded / total:,.0f} rows/s overall)."))
        self.log(
            "Sign in as kam001 (500 accounts), manager01 (the largest team) or bench-admin; "
            f"password {DATASET_PASSWORD}"
        )

    def log(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    @staticmethod
    def _since(started: float) -> str:
        return f"{time.perf_counter() - started:.1f} s"

    def _truncate(self) -> None:
        User = get_user_model()
        models = [
            AccountPerformance,
            Interaction,
            Order,
            Order.history.model,
            Contact,
            Contact.history.model,
            LeadStatusChange,
            LeadAssignment,
            Lead,
            Lead.history.model,
            User,
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
                cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                cursor.execute("DELETE FROM django_admin_log")
                for model in models:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        self.log("Emptied the user, restaurant, contact, interaction, order and performance tables")

    def _create_users(self, users, size) -> dict[str, int]:
        User = get_user_model()
        password = make_password(DATASET_PASSWORD)
        joined = dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=int(size.years * 365) + 30)

        def build(spec, manager=None):
            return User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@kam.example",
                role=spec.role,
                time_zone=spec.time_zone,
                manager=manager,
                password=password,
                date_joined=joined,
            )

        leaders = [spec for spec in users if spec.role != "kam"]
        User.objects.bulk_create([build(spec) for spec in leaders])
        managers = {u.team: User.objects.get(username=u.username) for u in leaders if u.role == "manager"}
        User.objects.bulk_create(
            [build(spec, managers[spec.team]) for spec in users if spec.role == "kam"], batch_size=500
        )
        return dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id"))

    def _history_rows(self, *, first_lead: int, first_contact: int) -> int:
        """A creation row in each lead's and contact's history, as the application's own writes leave."""
        total = 0
        with connection.cursor() as cursor:
            for model, first, user in (
                (Lead, first_lead, "owner_id"),
                (Contact, first_contact, "(SELECT owner_id FROM leads_lead WHERE leads_lead.id = lead_id)"),
            ):
                history = model.history.model
                columns = [f.column for f in history._meta.concrete_fields if not f.column.startswith("history_")]
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                cursor.execute(
                    f"INSERT INTO {history._meta.db_table} ({quoted}, history_date, history_change_reason, "
                    f"history_type, history_user_id) "
                    f"SELECT {quoted}, created_at, NULL, '+', {user} FROM {model._meta.db_table} WHERE id >= %s",
                    [first],
                )
                total += cursor.rowcount
        return total

    def _performance(self) -> None:
        try:
            from performance.services import performance_recompute
        except ImportError:
            self.log("Account performance: performance.services.performance_recompute does not exist yet; skipped.")
            return
        started = time.perf_counter()
        result = performance_recompute()  # which also analyses the tables it rewrote
        self.log(f"Account performance computed ({result}) and analysed in {self._since(started)}")
