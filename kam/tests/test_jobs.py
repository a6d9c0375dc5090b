"""Issue 14 §8: long jobs in idempotent chunks; e-mails per recipient, retried, never twice."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from kam.chunks import id_ranges
from kam.models import Delivery, Role
from kam.tests.factories import UserFactory
from leads.models import Lead
from leads.services import leads_reassign
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance, Classification, ManagerReport
from performance.tests.factories import AccountPerformanceFactory, ClassificationChangeFactory

pytestmark = pytest.mark.django_db


class RefusesSome(EmailBackend):
    """The locmem backend with a mail server that refuses some addresses (for a while)."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"mailbox unavailable")})
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesSome"
    RefusesSome.refused = set()
    yield RefusesSome
    RefusesSome.refused = set()


def test_id_ranges_cover_every_row_once_in_chunks_of_the_size():
    leads = LeadFactory.create_batch(7)
    ranges = id_ranges(Lead.objects.all(), size=3)
    assert [len(Lead.objects.filter(pk__range=r)) for r in ranges] == [3, 3, 1]
    assert sorted(pk for r in ranges for pk in Lead.objects.filter(pk__range=r).values_list("pk", flat=True)) == sorted(
        lead.pk for lead in leads
    )


def test_the_nightly_performance_job_is_one_idempotent_task_per_chunk(settings, django_capture_on_commit_callbacks):
    from performance import tasks

    leads = LeadFactory.create_batch(5)
    settings.NIGHTLY_CHUNK_SIZE = 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.recompute_performance() == 3
    assert len(callbacks) == 4  # three chunks, then the VACUUM
    assert AccountPerformance.objects.count() == 5
    # A chunk delivered again (its worker was killed after committing) changes nothing and records no new change.
    now = dt.datetime.now(dt.UTC).isoformat()
    first = tasks.recompute_performance_chunk(leads[0].pk, leads[1].pk, now)
    again = tasks.recompute_performance_chunk(leads[0].pk, leads[1].pk, now)
    assert first == again == {"accounts": 2, "class_changes": 0}


def test_one_managers_failing_mailbox_does_not_stop_the_others_and_a_retry_sends_only_theirs(
    flaky_mail, django_capture_on_commit_callbacks
):
    """The bug: the hourly job stopped at the first SMTP error, so every manager after it got no report."""
    from performance.tasks import send_manager_report, send_manager_reports

    managers = [UserFactory(role=Role.MANAGER, username=f"m{n}", time_zone="Asia/Kolkata") for n in range(3)]
    at_8 = dt.datetime(2026, 3, 17, 2, 35, tzinfo=dt.UTC)
    for manager in managers:
        lead = LeadFactory(owner=UserFactory(role=Role.KAM, manager=manager))
        AccountPerformanceFactory(lead=lead, classification=Classification.AT_RISK)
        ClassificationChangeFactory(lead=lead, changed_at=at_8 - dt.timedelta(hours=6))
    flaky_mail.refused = {managers[0].email}
    with time_machine.travel(at_8, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert send_manager_reports() == 3  # one task each; the first one's raises and would be retried
        assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in managers[1:])
        assert not ManagerReport.objects.filter(manager=managers[0]).exists()

        flaky_mail.refused = set()
        assert send_manager_report(managers[0].pk) is True  # the retry
        assert send_manager_report(managers[1].pk) is False  # a duplicate delivery sends nothing
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in managers)
    assert ManagerReport.objects.count() == 3


def test_the_report_task_retries_on_a_mail_server_error():
    from performance.tasks import send_manager_report

    assert smtplib.SMTPException in send_manager_report.autoretry_for
    assert send_manager_report.max_retries >= 3


def test_reassignment_emails_go_per_recipient_once_and_a_retry_sends_only_the_missing_one(
    flaky_mail, manager, kam_a, teammate
):
    from leads.notifications import EmailsNotSent, reassignment_emails_send

    lead = LeadFactory(owner=kam_a)
    result = leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory")
    ids = [a.pk for a in result.assignments]
    flaky_mail.refused = {teammate.email}
    with pytest.raises(EmailsNotSent):
        reassignment_emails_send(assignment_ids=ids)
    assert [m.to for m in mail.outbox] == [[kam_a.email]]

    flaky_mail.refused = set()
    assert reassignment_emails_send(assignment_ids=ids) == 1  # the retry: only the incoming KAM's
    assert reassignment_emails_send(assignment_ids=ids) == 0  # delivered again by the broker: nothing
    assert sorted(m.to[0] for m in mail.outbox) == sorted([kam_a.email, teammate.email])
    assert Delivery.objects.filter(kind="reassignment").count() == 2


# --- §9 owner choices on create ---------------------------------------------------------------------------------


def test_a_new_account_cannot_go_to_someone_deactivated_or_no_longer_a_kam(api_manager, manager, kam_a, teammate):
    teammate.is_active = False
    teammate.save()
    promoted = UserFactory(role=Role.MANAGER, manager=manager)
    for owner in (teammate, promoted):
        response = api_manager.post("/api/v1/leads/", {"name": "X", "city": "Pune", "owner": owner.pk}, format="json")
        assert response.status_code == 400, owner
        assert "owner" in response.json()["error"]["fields"]
    assert not Lead.objects.exists()
    created = api_manager.post("/api/v1/leads/", {"name": "X", "city": "Pune", "owner": kam_a.pk}, format="json")
    assert created.status_code == 201 and created.json()["owner"] == kam_a.pk


def test_the_new_lead_page_offers_only_active_kams(manager_client, manager, kam_a, teammate):
    teammate.is_active = False
    teammate.save()
    choices = manager_client.get("/leads/new/").context["form"].fields["owner"].queryset
    assert list(choices) == [kam_a]


def test_the_service_refuses_an_owner_who_is_not_an_active_kam(manager, teammate):
    from django.core.exceptions import ValidationError

    from leads.services import lead_create

    teammate.is_active = False
    teammate.save()
    with pytest.raises(ValidationError) as excinfo:
        lead_create(by=manager, owner=teammate, name="X", city="Pune")
    assert "owner" in excinfo.value.message_dict
