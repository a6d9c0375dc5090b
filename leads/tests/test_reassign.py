"""KAM change: the reassignment service, the lead page's reassign view, access afterwards, e-mails, concurrency."""

import datetime as dt
import threading
import time
from decimal import Decimal
from urllib.parse import quote, unquote

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import ContactFactory
from interactions.models import CallOutcome, InteractionKind
from interactions.services import interaction_log
from interactions.tests.factories import InteractionFactory, OrderFactory
from kam.models import Role
from kam.tests.factories import UserFactory
from leads.models import Lead, LeadAssignment
from leads.services import ReassignmentNotAllowed, leads_reassign
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance
from performance.tests.factories import AccountPerformanceFactory

NOW = dt.datetime(2026, 11, 24, 6, 30, tzinfo=dt.UTC)


def planned_lead(owner, **kwargs):
    """An account with a call planned, a follow-up, performance, a past call and an order by `owner`."""
    lead = LeadFactory(
        owner=owner,
        next_call_at=NOW + dt.timedelta(days=2),
        next_call_date=(NOW + dt.timedelta(days=2)).date(),
        follow_up_at=NOW + dt.timedelta(days=2),
        last_call_at=NOW - dt.timedelta(days=5),
        **kwargs,
    )
    AccountPerformanceFactory(lead=lead)
    InteractionFactory(lead=lead, performed_by=owner, occurred_at=NOW - dt.timedelta(days=5))
    OrderFactory(lead=lead, credited_to=owner, recorded_by=owner, placed_at=NOW - dt.timedelta(days=3))
    ContactFactory(lead=lead, name="Ramesh Kumar", phone="+919812345678", is_primary=True)
    return lead


# --- The service ---------------------------------------------------------------------------------------------------


def test_reassign_moves_the_owner_and_records_who_when_and_why(manager, kam_a, teammate):
    leads = [planned_lead(kam_a), planned_lead(kam_a)]

    result = leads_reassign(
        leads=leads, to=teammate, by=manager, reason="Territory change", handover_note="Call Ramesh after 4pm", now=NOW
    )

    assert result.count == 2 and result.planned_calls == 2 and result.to == teammate
    assert set(Lead.objects.filter(owner=teammate).values_list("pk", flat=True)) == {lead.pk for lead in leads}
    rows = LeadAssignment.objects.filter(lead__in=leads, to_owner=teammate)
    assert rows.count() == 2
    for row in rows:
        assert (row.from_owner, row.assigned_by, row.assigned_at) == (kam_a, manager, NOW)
        assert (row.reason, row.handover_note) == ("Territory change", "Call Ramesh after 4pm")


def test_field_history_shows_who_moved_the_account(manager, kam_a, teammate):
    with time_machine.travel(NOW - dt.timedelta(days=1)):  # history is stamped with the clock: before the move
        lead = LeadFactory(owner=kam_a)
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change", now=NOW)

    latest, before = lead.history.order_by("-history_date", "-history_id")[:2]
    assert (latest.owner_id, latest.history_user, latest.history_date) == (teammate.pk, manager, NOW)
    assert latest.history_type == "~" and "Territory change" in latest.history_change_reason
    delta = latest.diff_against(before)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("owner", kam_a.pk, teammate.pk)]


def test_everything_else_stays_with_the_account(manager, kam_a, teammate):
    lead = planned_lead(kam_a)
    before = Lead.objects.get(pk=lead.pk)

    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change", now=NOW)

    after = Lead.objects.get(pk=lead.pk)
    for name in ("next_call_at", "next_call_date", "follow_up_at", "last_call_at", "status", "call_frequency_days"):
        assert getattr(after, name) == getattr(before, name), name
    assert AccountPerformance.objects.filter(lead=lead).count() == 1
    assert set(lead.interactions.values_list("performed_by", flat=True)) == {kam_a.pk}
    assert set(lead.orders.values_list("credited_to", flat=True)) == {kam_a.pk}
    assert lead.contacts.count() == 1


@pytest.mark.parametrize("count", [1, 50])
def test_reassigning_runs_a_constant_number_of_queries(django_assert_num_queries, manager, kam_a, teammate, count):
    leads = LeadFactory.create_batch(count, owner=kam_a)
    for lead in leads:
        AccountPerformanceFactory(lead=lead)
    # Savepoint, lock the new owner, lock the leads, one UPDATE each for the leads and their performance rows,
    # one INSERT each for assignments and field history, one for the e-mails' outbox row, release: the same for one
    # account or five hundred. (SQLite alone splits a bulk INSERT into batches of 999 values.)
    expected = 9
    if connection.vendor == "sqlite":
        history_columns = len(Lead.history.model._meta.concrete_fields)
        expected += -(-count // (999 // history_columns)) - 1
    with django_assert_num_queries(expected):
        leads_reassign(leads=leads, to=teammate, by=manager, reason="Territory change")
    assert Lead.objects.filter(owner=teammate).count() == count
    assert AccountPerformance.objects.filter(owner=teammate).count() == count


def test_accepts_a_queryset_or_ids(manager, kam_a, teammate):
    first, second = LeadFactory.create_batch(2, owner=kam_a)
    leads_reassign(leads=Lead.objects.filter(pk=first.pk), to=teammate, by=manager, reason="r")
    leads_reassign(leads=[second.pk], to=teammate, by=manager, reason="r")
    assert Lead.objects.filter(owner=teammate).count() == 2


def test_an_admin_moves_any_account_to_any_kam(admin_user, kam_a, kam_b):
    lead = LeadFactory(owner=kam_a)
    leads_reassign(leads=[lead], to=kam_b, by=admin_user, reason="Moved to the Gulf team")
    lead.refresh_from_db()
    assert lead.owner == kam_b


def test_a_kam_may_never_reassign(kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    with pytest.raises(PermissionDenied):
        leads_reassign(leads=[lead], to=teammate, by=kam_a, reason="Too busy")
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("kam_b", "not_in_team"),
        ("inactive_teammate", "inactive_owner"),
        ("kam_a", "same_owner"),
        ("other_manager", "not_a_kam"),
    ],
)
def test_conflicts_are_refused_and_change_nothing(request, manager, kam_a, kam_b, target, code):
    request.getfixturevalue("kam_b")
    if target == "inactive_teammate":
        to = UserFactory(role=Role.KAM, manager=manager, is_active=False)
    else:
        to = request.getfixturevalue(target)
    lead = LeadFactory(owner=kam_a)

    with pytest.raises(ReassignmentNotAllowed) as excinfo:
        leads_reassign(leads=[lead], to=to, by=manager, reason="Territory change")

    assert excinfo.value.code == code
    assert Lead.objects.get(pk=lead.pk).owner == kam_a
    assert not LeadAssignment.objects.filter(lead=lead).exists()


def test_a_manager_cannot_move_another_teams_accounts(manager, kam_b, teammate):
    lead = LeadFactory(owner=kam_b)
    with pytest.raises(ReassignmentNotAllowed) as excinfo:
        leads_reassign(leads=[lead], to=teammate, by=manager, reason="Grab")
    assert excinfo.value.code == "out_of_scope"
    assert Lead.objects.get(pk=lead.pk).owner == kam_b


def test_missing_reason_or_accounts_is_a_validation_error(manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    with pytest.raises(ValidationError) as excinfo:
        leads_reassign(leads=[lead], to=teammate, by=manager, reason="   ")
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        leads_reassign(leads=Lead.objects.none(), to=teammate, by=manager, reason="Territory")
    assert "leads" in excinfo.value.message_dict
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


# --- E-mails after commit -------------------------------------------------------------------------------------------


def test_emails_go_only_after_commit(django_capture_on_commit_callbacks, manager, kam_a, teammate):
    lead = planned_lead(kam_a, name="Spice House")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change", handover_note="Owner: Ramesh")
    assert len(callbacks) == 1 and mail.outbox == []

    callbacks[0]()

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {kam_a.email, teammate.email}
    incoming, outgoing = by_recipient[teammate.email], by_recipient[kam_a.email]

    link = f"{settings.SITE_URL}{reverse('leads:detail', args=[lead.pk])}"
    assert link.startswith("http") and link in incoming.body
    assert "Spice House" in incoming.body and "Owner: Ramesh" in incoming.body and "Territory change" in incoming.body
    wa_prefix = "https://wa.me/919812345678?text="
    wa_link = next(word for word in incoming.body.split() if word.startswith(wa_prefix))
    text = unquote(wa_link.removeprefix(wa_prefix))
    assert text.startswith("Hello Ramesh, this is ") and teammate.get_full_name() in text and "Spice House" in text
    assert quote(text, safe="") == wa_link.removeprefix(wa_prefix)  # nothing left unencoded
    html = incoming.alternatives[0][0]
    assert f'href="{link}"' in html and "https://wa.me/919812345678?text=Hello%20Ramesh" in html

    assert "Spice House" in outgoing.body and teammate.get_full_name() in outgoing.subject
    assert settings.SITE_URL in outgoing.body


def test_no_email_when_the_transaction_rolls_back(django_capture_on_commit_callbacks, manager, kam_a, teammate):
    lead = planned_lead(kam_a)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change")
        raise RuntimeError("something later in the same request failed")
    assert callbacks == [] and mail.outbox == []
    assert Lead.objects.get(pk=lead.pk).owner == kam_a
    assert not LeadAssignment.objects.filter(lead=lead, to_owner=teammate).exists()


def test_one_email_per_side_for_many_accounts(django_capture_on_commit_callbacks, manager, kam_a, teammate):
    leads = [planned_lead(kam_a) for _ in range(3)]
    LeadFactory(owner=kam_a)  # no primary contact: listed, with no WhatsApp link
    leads.append(Lead.objects.filter(owner=kam_a).exclude(pk__in=[lead.pk for lead in leads]).get())
    with django_capture_on_commit_callbacks(execute=True):
        leads_reassign(leads=leads, to=teammate, by=manager, reason="Territory change")
    assert sorted(len(m.to) for m in mail.outbox) == [1, 1]
    incoming = next(m for m in mail.outbox if m.to == [teammate.email])
    assert incoming.subject.startswith("4 accounts handed over to you")
    assert incoming.body.count("https://wa.me/") == 3 and "No primary contact yet" in incoming.body


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_emails_are_sent_by_the_real_worker(celery_worker, manager, kam_a, teammate):
    lead = planned_lead(kam_a, name="Worker Bistro")
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change")
    deadline = time.monotonic() + 30
    while len(mail.outbox) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert {m.to[0] for m in mail.outbox} == {kam_a.email, teammate.email}
    assert all("Worker Bistro" in m.body for m in mail.outbox)


# --- Access afterwards -----------------------------------------------------------------------------------------------


def test_outgoing_kam_loses_access_at_once_and_incoming_kam_gains_it(client_a, manager, kam_a, teammate):
    from django.test import Client

    lead = planned_lead(kam_a, name="Handover Cafe")
    detail = reverse("leads:detail", args=[lead.pk])
    assert client_a.get(detail).status_code == 200
    incoming = Client()
    incoming.force_login(teammate)
    assert incoming.get(detail).status_code == 404

    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change", handover_note="Owner: Ramesh")

    assert client_a.get(detail).status_code == 404
    assert "Handover Cafe" not in client_a.get(reverse("leads:list")).content.decode()
    page = incoming.get(detail)
    assert page.status_code == 200
    assert "Handover Cafe" in incoming.get(reverse("leads:list")).content.decode()
    html = page.content.decode()
    assert 'id="handover-note"' in html and "Owner: Ramesh" in html


def test_the_planned_call_moves_from_one_today_list_to_the_other_at_once(client_a, manager, kam_a, teammate):
    from django.test import Client

    lead = LeadFactory(owner=kam_a, name="Overdue Dhaba")
    lead.next_call_at = timezone.now() - dt.timedelta(days=2)
    lead.next_call_date = lead.next_call_at.date()
    lead.save()
    incoming = Client()
    incoming.force_login(teammate)
    assert "Overdue Dhaba" in client_a.get(reverse("today")).content.decode()
    assert "Overdue Dhaba" not in incoming.get(reverse("today")).content.decode()

    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change")

    assert "Overdue Dhaba" not in client_a.get(reverse("today")).content.decode()
    assert "Overdue Dhaba" in incoming.get(reverse("today")).content.decode()
    lead.refresh_from_db()
    assert lead.next_call_at < timezone.now()  # the due date travelled with the account


# --- The lead page's reassign view -----------------------------------------------------------------------------------


def test_manager_reassigns_from_the_lead_page(manager_client, manager, kam_a, teammate, kam_b):
    lead = planned_lead(kam_a)
    url = reverse("leads:reassign", args=[lead.pk])

    page = manager_client.get(url)
    assert page.status_code == 200
    choices = {str(choice) for choice in page.context["form"].fields["to"].queryset}
    assert choices == {str(teammate)}  # their team, without the current owner; never another team's KAM

    response = manager_client.post(url, {"to": teammate.pk, "reason": "Territory change", "handover_note": "Hi"})
    assert response.status_code == 302 and response["Location"] == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.owner == teammate
    assert LeadAssignment.objects.filter(lead=lead, assigned_by=manager, handover_note="Hi").exists()
    followed = manager_client.get(response["Location"])
    assert "Moved 1 account (1 planned call) to" in followed.content.decode()


def test_bad_input_keeps_what_was_typed(manager_client, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    response = manager_client.post(
        reverse("leads:reassign", args=[lead.pk]), {"to": teammate.pk, "reason": "", "handover_note": "Keep me"}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert "Keep me" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


def test_manager_cannot_pick_a_kam_outside_the_team(manager_client, kam_a, kam_b):
    lead = LeadFactory(owner=kam_a)
    response = manager_client.post(reverse("leads:reassign", args=[lead.pk]), {"to": kam_b.pk, "reason": "r"})
    assert response.status_code == 200 and "to" in response.context["form"].errors
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


def test_a_kam_gets_403_even_on_their_own_account(client_a, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    url = reverse("leads:reassign", args=[lead.pk])
    assert client_a.get(url).status_code == 403
    assert client_a.post(url, {"to": teammate.pk, "reason": "mine"}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


def test_a_manager_outside_the_team_gets_404(other_manager, kam_a, kam_b):
    from django.test import Client

    lead = LeadFactory(owner=kam_a)
    client = Client()
    client.force_login(other_manager)
    url = reverse("leads:reassign", args=[lead.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"to": kam_b.pk, "reason": "Grab"}).status_code == 404
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


def test_a_stranger_is_sent_to_sign_in(client, kam_a):
    lead = LeadFactory(owner=kam_a)
    response = client.get(reverse("leads:reassign", args=[lead.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- Concurrency: a call logged while the account changes hands -----------------------------------------------------


def _wait_until_someone_waits_for_a_lock(timeout=20.0) -> bool:
    """Poll PostgreSQL until another session is blocked on a row lock (the other thread's statement)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps serving the first snapshot of the statistics; drop it each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _run(target, errors):
    def wrapper():
        try:
            target()
        except Exception as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=wrapper)
    thread.start()
    return thread


@pytest.mark.postgresql
@pytest.mark.parametrize("first", ["reassignment", "call"])
def test_a_reassignment_and_a_call_at_the_same_moment_both_survive(transactional_db, first):
    manager = UserFactory(role=Role.MANAGER)
    kam, successor = UserFactory(role=Role.KAM, manager=manager), UserFactory(role=Role.KAM, manager=manager)
    lead = LeadFactory(owner=kam, call_frequency_days=7, created_at=timezone.now() - dt.timedelta(days=30))
    holding, errors, saw_waiter = threading.Event(), [], []

    def reassign():
        with transaction.atomic():
            leads_reassign(leads=[lead.pk], to=successor, by=manager, reason="Territory change")
            if first == "reassignment":
                holding.set()
                saw_waiter.append(_wait_until_someone_waits_for_a_lock())

    def log_call():
        with transaction.atomic():
            interaction_log(
                lead=Lead.objects.get(pk=lead.pk), by=kam, kind=InteractionKind.CALL, outcome=CallOutcome.CONNECTED
            )
            if first == "call":
                holding.set()
                saw_waiter.append(_wait_until_someone_waits_for_a_lock())

    first_fn, second_fn = (reassign, log_call) if first == "reassignment" else (log_call, reassign)
    one = _run(first_fn, errors)
    assert holding.wait(20)
    two = _run(second_fn, errors)
    one.join(30)
    two.join(30)

    assert errors == [] and saw_waiter == [True]
    lead.refresh_from_db()
    assert lead.owner == successor  # the reassignment survived
    assert lead.last_call_at is not None and lead.last_connected_call_at is not None  # and so did the call
    assert lead.next_call_at is not None and lead.status == "contacted"
    assert lead.interactions.get().performed_by == kam
    assert LeadAssignment.objects.filter(lead=lead, to_owner=successor).count() == 1


# --- Orders credited across a change ----------------------------------------------------------------------------------


def test_an_order_after_the_change_is_credited_to_the_new_kam(manager, kam_a, teammate):
    from interactions.services import order_record

    lead = planned_lead(kam_a)
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change")
    order, _ = order_record(lead=Lead.objects.get(pk=lead.pk), by=teammate, amount=Decimal("900"))
    assert order.credited_to == teammate
    assert set(lead.orders.values_list("credited_to", flat=True)) == {kam_a.pk, teammate.pk}
