"""The lead's owner and archive flag copied onto its performance row (issue 9).

The performance pages and API scope and filter on the copies, so a copy that lags behind the lead is a leak (the
old KAM still sees the account) or a hole (the new KAM does not). Every service that changes the lead's columns
writes the copies in the same transaction, and every recompute writes them again.
"""

import datetime as dt
import importlib
import threading

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from kam.models import Role
from kam.tests.factories import UserFactory
from leads.models import Lead
from leads.services import lead_archive, lead_restore, leads_reassign
from leads.tests.factories import LeadFactory
from performance import services
from performance.models import AccountPerformance, Classification
from performance.services import account_performance_refresh, performance_recompute
from performance.tests.factories import AccountPerformanceFactory, place_orders, won_account
from performance.tests.shapes import NOW, SHAPES

pytestmark = pytest.mark.django_db
INDEX = reverse("performance:index")
API = "/api/v1/performance/"


def out_of_step():
    """Performance rows whose copies differ from their lead's columns (none, if the services did their job)."""
    return list(
        AccountPerformance.objects.filter(
            ~Q(owner_id=F("lead__owner_id")) | ~Q(is_archived=F("lead__is_archived"))
        ).values_list("lead_id", flat=True)
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client, url=INDEX) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [row.lead.name for row in response.context["accounts"]]


def team_accounts(client) -> dict:
    return {str(row.kam): row.accounts for row in client.get(INDEX).context["team_rows"]}


# --- Written by the recompute ---------------------------------------------------------------------------------------


def test_the_recompute_writes_the_leads_owner_and_archive_flag(kam_a, teammate):
    live = won_account(owner=kam_a, now=NOW)
    archived = won_account(owner=teammate, now=NOW, is_archived=True)
    place_orders(live, SHAPES["steady"], now=NOW)

    performance_recompute(now=NOW)

    rows = {row.lead_id: (row.owner_id, row.is_archived) for row in AccountPerformance.objects.all()}
    assert rows == {live.pk: (kam_a.pk, False), archived.pk: (teammate.pk, True)}


def test_the_recompute_repairs_a_copy_that_fell_out_of_step(kam_a, teammate):
    lead = won_account(owner=kam_a, now=NOW)
    performance_recompute(now=NOW)
    AccountPerformance.objects.filter(lead=lead).update(owner=teammate, is_archived=True)
    assert out_of_step() == [lead.pk]

    account_performance_refresh(lead_id=lead.pk, now=NOW)

    assert out_of_step() == []


def test_a_reassignment_committed_while_the_chunk_is_computed_is_kept(monkeypatch, manager, kam_a, teammate):
    """The chunk of leads is read before its transaction; the copies must come from a read after the lock."""
    lead = won_account(owner=kam_a, now=NOW)
    place_orders(lead, SHAPES["steady"], now=NOW)
    performance_recompute(now=NOW)
    compute_chunk = services._recompute_chunk

    def reassigned_meanwhile(chunk, **kwargs):
        assert chunk[0]["owner_id"] == kam_a.pk  # the chunk still says kam_a
        leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change")
        return compute_chunk(chunk, **kwargs)

    monkeypatch.setattr(services, "_recompute_chunk", reassigned_meanwhile)
    performance_recompute(now=NOW + dt.timedelta(hours=1))

    assert AccountPerformance.objects.get(lead=lead).owner == teammate


@pytest.mark.postgresql
def test_a_reassignment_during_an_accounts_first_computation_reaches_its_new_row(transactional_db):
    """A new performance row has no row lock of its own, and a reassignment's UPDATE cannot see it until it is
    committed: the recompute must hold the lead, so the reassignment waits and then moves the new row too."""
    from leads.tests.test_reassign import _run, _wait_until_someone_waits_for_a_lock

    manager = UserFactory(role=Role.MANAGER)
    kam, successor = UserFactory(role=Role.KAM, manager=manager), UserFactory(role=Role.KAM, manager=manager)
    lead = won_account(owner=kam, now=NOW)
    place_orders(lead, SHAPES["steady"], now=NOW)
    assert not AccountPerformance.objects.filter(lead=lead).exists()
    holding, moved, errors, saw_waiter = threading.Event(), threading.Event(), [], []
    compute = services._metrics

    def computing_slowly(*args, **kwargs):
        if not holding.is_set():
            holding.set()  # inside the chunk's transaction, the new row not yet written
            saw_waiter.append(_wait_until_someone_waits_for_a_lock(timeout=10))
        return compute(*args, **kwargs)

    def recompute():
        services._metrics = computing_slowly
        try:
            performance_recompute(now=NOW)
        finally:
            services._metrics = compute

    def reassign():
        leads_reassign(leads=[lead.pk], to=successor, by=manager, reason="Territory change")
        moved.set()

    one = _run(recompute, errors)
    assert holding.wait(20)
    two = _run(reassign, errors)
    one.join(30)
    two.join(30)

    assert errors == [] and saw_waiter == [True] and moved.is_set()
    assert AccountPerformance.objects.get(lead=lead).owner == successor
    assert out_of_step() == []


def test_the_recompute_runs_the_same_queries_per_chunk_with_the_copies(kam_a):
    def queries_for(accounts):
        AccountPerformance.objects.all().delete()
        for _ in range(accounts):
            won_account(owner=kam_a, now=NOW)
        with CaptureQueriesContext(connection) as captured:
            performance_recompute(now=NOW)
        return len(captured.captured_queries)

    assert queries_for(1) == queries_for(10)


# --- Written by the reassignment ------------------------------------------------------------------------------------


def test_reassigning_moves_the_copy_of_the_owner_and_nothing_else(manager, kam_a, teammate):
    moved = AccountPerformanceFactory(lead=LeadFactory(owner=kam_a))
    stays = AccountPerformanceFactory(lead=LeadFactory(owner=kam_a))

    leads_reassign(leads=[moved.lead], to=teammate, by=manager, reason="Territory change")

    assert AccountPerformance.objects.get(pk=moved.pk).owner == teammate
    assert AccountPerformance.objects.get(pk=stays.pk).owner == kam_a
    assert out_of_step() == []


def test_after_a_reassignment_the_account_is_on_the_new_kams_performance_page_only(client_a, manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a, name="Handover Cafe")
    AccountPerformanceFactory(lead=lead, classification=Classification.AT_RISK)
    incoming = signed_in(teammate)
    api_incoming, api_outgoing = APIClient(), APIClient()
    api_incoming.force_authenticate(teammate)
    api_outgoing.force_authenticate(kam_a)
    assert listed(client_a) == ["Handover Cafe"] and listed(incoming) == []

    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change")

    assert listed(client_a) == []
    assert listed(incoming) == ["Handover Cafe"]
    assert team_accounts(client_a) == {str(kam_a): 0}
    assert team_accounts(incoming) == {str(teammate): 1}
    api_rows = api_incoming.get(API).json()["results"]
    assert [(row["lead_name"], row["owner"]) for row in api_rows] == [("Handover Cafe", teammate.pk)]
    assert api_outgoing.get(API).json()["results"] == []
    # The manager's view counts it under its new KAM.
    assert team_accounts(signed_in(manager)) == {str(kam_a): 0, str(teammate): 1}


@pytest.mark.postgresql  # SQLite splits a bulk write into batches of its 999 parameters, so its count differs
def test_reassigning_500_accounts_with_performance_runs_9_queries(django_assert_num_queries, manager, kam_a, teammate):
    leads = LeadFactory.create_batch(500, owner=kam_a)
    AccountPerformance.objects.bulk_create(AccountPerformance(lead=lead, owner=kam_a) for lead in leads)
    # Eight for the reassignment itself, one for the e-mails' outbox row (kam.outbox).
    with django_assert_num_queries(9):
        leads_reassign(leads=leads, to=teammate, by=manager, reason="Territory change")
    assert AccountPerformance.objects.filter(owner=teammate).count() == 500
    assert out_of_step() == []


def test_a_reassignment_that_is_refused_moves_no_copy(manager, kam_a, kam_b, teammate):
    mine = AccountPerformanceFactory(lead=LeadFactory(owner=kam_a))
    other_team = AccountPerformanceFactory(lead=LeadFactory(owner=kam_b))
    with pytest.raises(Exception, match="not yours"):
        leads_reassign(leads=[mine.lead, other_team.lead], to=teammate, by=manager, reason="Territory change")
    assert AccountPerformance.objects.get(pk=mine.pk).owner == kam_a
    assert out_of_step() == []


# --- Written by archive and restore ---------------------------------------------------------------------------------


def test_archive_and_restore_move_the_copy_and_the_account_on_and_off_the_pages(manager_client, kam_a, teammate):
    lead = LeadFactory(owner=kam_a, name="Seasonal Shack")
    AccountPerformanceFactory(lead=lead)
    AccountPerformanceFactory(lead=LeadFactory(owner=teammate, name="Open All Year"))
    assert listed(manager_client) == ["Open All Year", "Seasonal Shack"]

    lead_archive(lead=lead, by=kam_a)

    assert AccountPerformance.objects.get(lead=lead).is_archived
    assert out_of_step() == []
    assert listed(manager_client) == ["Open All Year"]
    assert team_accounts(manager_client) == {str(kam_a): 0, str(teammate): 1}

    lead_restore(lead=lead, by=kam_a)

    assert not AccountPerformance.objects.get(lead=lead).is_archived
    assert out_of_step() == []
    assert listed(manager_client) == ["Open All Year", "Seasonal Shack"]
    assert team_accounts(manager_client) == {str(kam_a): 1, str(teammate): 1}


def test_archiving_an_account_without_performance_yet_is_fine(kam_a):
    lead = LeadFactory(owner=kam_a)
    lead_archive(lead=lead, by=kam_a)
    assert Lead.objects.get(pk=lead.pk).is_archived and not AccountPerformance.objects.exists()


# --- Scope: the same as the lead's ----------------------------------------------------------------------------------


def test_performance_scope_on_the_copy_is_the_leads_scope_for_everyone(
    manager, other_manager, kam_a, kam_b, teammate, admin_user
):
    inactive = UserFactory(role=Role.MANAGER, is_active=False)
    for owner in (kam_a, kam_b, teammate, manager):
        AccountPerformanceFactory(lead=LeadFactory(owner=owner))
        AccountPerformanceFactory(lead=LeadFactory(owner=owner, is_archived=True))
    for user in (kam_a, kam_b, teammate, manager, other_manager, admin_user, inactive):
        by_copy = set(AccountPerformance.objects.visible_to(user).values_list("pk", flat=True))
        by_lead = set(
            AccountPerformance.objects.filter(lead__in=Lead.objects.visible_to(user)).values_list("pk", flat=True)
        )
        assert by_copy == by_lead, user


# --- The migration's fill -------------------------------------------------------------------------------------------


def test_the_migrations_fill_copies_every_leads_owner_and_archive_flag(kam_a, teammate):
    rows = [
        AccountPerformanceFactory(lead=LeadFactory(owner=kam_a)),
        AccountPerformanceFactory(lead=LeadFactory(owner=teammate, is_archived=True)),
    ]
    AccountPerformance.objects.update(owner=kam_a, is_archived=False)
    assert out_of_step() == [rows[1].pk]
    fill = importlib.import_module("performance.migrations.0003_performance_owner_is_archived").FILL

    with connection.cursor() as cursor:
        cursor.execute(fill)

    assert out_of_step() == []
