"""Smoke tests of `generate_dataset` and `benchmark` at a small size: the commands run and the data keeps the
model's rules. No timing is asserted anywhere (speed is what the benchmark reports, not what tests check)."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from contacts.models import Contact
from interactions.models import Interaction, Order
from interactions.services import call_plans_recompute
from kam.benchmark import nightly
from kam.benchmark.measure import percentile
from kam.dataset import load
from kam.dataset.checks import dataset_problems
from kam.models import Role, User
from leads.models import Lead, LeadAssignment, LeadStatus, LeadStatusChange
from leads.tests.factories import LeadFactory

SMALL = {
    "restaurants": 300,
    "kams": 6,
    "teams": 2,
    "contacts_per_lead": 3,
    "interactions": 6_000,
    "orders": 6_000,
    "years": 1,
    "seed": 7,
}


def generate(**overrides):
    call_command("generate_dataset", **(SMALL | {"truncate": True, "skip_performance": True} | overrides))


def test_small_dataset_has_the_asked_size_and_shape(db):
    generate()

    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert User.objects.filter(role=Role.MANAGER).count() == 2
    assert User.objects.filter(role=Role.KAM).count() == 6
    assert Lead.objects.count() == 300
    # The benchmark's KAM: the largest portfolio (500 at the reference size, half the accounts when smaller).
    assert Lead.objects.filter(owner__username="kam001").count() == 150
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    # Sizes are targets the generator spreads over the accounts, met closely rather than exactly.
    assert 750 <= Contact.objects.count() <= 1_050
    assert 5_000 <= Interaction.objects.count() <= 7_000
    assert 5_000 <= Order.objects.count() <= 7_000
    assert Interaction.objects.exclude(kind="call").exists()
    # Every lead has its history rows: a status change per step and an assignment per owner.
    assert not Lead.objects.filter(status_changes__isnull=True).exists()
    assert not Lead.objects.filter(assignments__isnull=True).exists()
    assert LeadStatusChange.objects.count() >= 300
    assert LeadAssignment.objects.count() >= 300
    assert Lead.history.count() == 300
    # Sequences continue after the explicit ids, so the application can insert again.
    lead = LeadFactory()
    assert lead.pk > max(Lead.objects.exclude(pk=lead.pk).values_list("pk", flat=True))


def test_small_dataset_keeps_every_rule(db):
    generate()

    assert dataset_problems() == {}
    # The call plan stored on each lead is what the nightly recompute derives from its calls.
    assert call_plans_recompute() == 0


def test_checks_catch_a_broken_row(db):
    """The consistency checks are not vacuous: break one rule and it is reported."""
    generate()
    order = Order.objects.first()
    stranger = User.objects.filter(role=Role.KAM).exclude(pk=order.credited_to_id).first()
    Order.objects.filter(pk=order.pk).update(credited_to=stranger)
    lead = Lead.objects.filter(status=LeadStatus.NEW).first()
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.WON)

    problems = dataset_problems(phones=False)

    assert problems["orders not credited to the owner when placed"] == 1
    assert problems["leads whose status is not their latest status change"] == 1
    assert problems["won accounts without an order"] == 1


def test_the_batch_insert_fallback_loads_the_same_rules(db, monkeypatch):
    """The path SQLite takes (batched inserts from the COPY lines), exercised on the test database."""
    monkeypatch.setattr(
        "kam.management.commands.generate_dataset.loader_for", lambda conn, log: load.BatchLoader(conn, log)
    )
    generate(restaurants=120, interactions=2_000, orders=2_000)

    assert Lead.objects.count() == 120
    assert dataset_problems() == {}
    assert call_plans_recompute() == 0


def test_the_same_seed_gives_the_same_restaurants(db):
    generate(restaurants=50, interactions=500, orders=500)
    first = list(Lead.objects.order_by("pk").values_list("name", "city", "status", "call_frequency_days"))
    generate(restaurants=50, interactions=500, orders=500)

    assert list(Lead.objects.order_by("pk").values_list("name", "city", "status", "call_frequency_days")) == first


def test_refuses_a_database_with_restaurants_unless_told_to_truncate(db):
    LeadFactory()

    with pytest.raises(CommandError, match="--truncate"):
        call_command("generate_dataset", **SMALL)
    assert Lead.objects.count() == 1


def test_refuses_impossible_sizes(db):
    with pytest.raises(CommandError, match="--teams cannot exceed --kams"):
        call_command("generate_dataset", **(SMALL | {"teams": 9}))


def test_a_failed_load_leaves_the_schema_as_it_was(db, monkeypatch):
    """Indexes and foreign keys are dropped for the load; a failure mid-way must not lose them."""

    def indexes():
        with connection.cursor() as cursor:
            return sorted(connection.introspection.get_constraints(cursor, "interactions_order"))

    before = indexes()

    def broken(*args, **kwargs):
        yield "not\ta\tvalid\trow\n"

    monkeypatch.setattr("kam.dataset.rows.order_lines", broken)
    with pytest.raises(Exception):  # noqa: B017 — whichever error the database raises for the bad row
        generate(restaurants=40, interactions=200, orders=200)

    assert indexes() == before


def test_benchmark_runs_and_writes_its_json(db, tmp_path):
    generate()
    out = tmp_path / "bench.json"

    call_command("benchmark", requests=3, json_out=str(out), skip_nightly=True, quiet_explain=True)

    report = json.loads(out.read_text())
    assert set(report) >= {"machine", "dataset", "subjects", "pages", "nightly"}
    assert report["dataset"]["leads"] == 300
    assert report["subjects"]["kam"] == "kam001"
    assert report["subjects"]["manager_team"] == 3
    pages = {page["name"]: page for page in report["pages"]}
    assert {"today", "api_today", "lead_list", "api_lead_list", "lead_page", "performance"} <= set(pages)
    for page in pages.values():
        # Measured, or said plainly why not: never silently missing.
        assert page["p95_ms"] is not None or page["note"]
        if page["p95_ms"] is not None:
            assert page["requests"] == 3
            assert page["queries"] >= 1
            assert page["p50_ms"] <= page["p95_ms"] <= page["max_ms"]
            assert page["main_query_ms"] is not None
            plan = page["explain"][0]["plan"]
            assert "Execution Time" in plan if connection.vendor == "postgresql" else plan
    assert pages["lead_page"]["p95_ms"] is not None


def test_nightly_job_reports_time_and_memory(db):
    generate(restaurants=60, interactions=600, orders=600)

    outcome = nightly.run("call_plans", trace=True)

    assert outcome["available"] is True
    assert outcome["result"] == 0
    assert outcome["peak_rss_mb"] >= outcome["baseline_rss_mb"] > 0
    assert outcome["tracemalloc_peak_mb"] > 0


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0], 0.95) == 3.0
