"""The periodic jobs: once through a real Celery worker on Redis, and as management commands."""

import datetime as dt
import io

import pytest
from celery.result import EagerResult
from django.core import mail
from django.core.management import CommandError, call_command

from interactions import tasks
from interactions.models import CallOutcome, MorningDigest
from interactions.tests.conftest import KOLKATA, at
from interactions.tests.factories import InteractionFactory
from kam.schedule import BEAT_SCHEDULE
from kam.tests.waiting import wait_for
from leads.models import Lead
from leads.tests.factories import LeadFactory


def test_the_task_names_are_the_ones_the_schedule_uses():
    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {tasks.recompute_call_plans.name, tasks.send_morning_digests.name} <= names
    assert tasks.recompute_call_plans.name == "interactions.tasks.recompute_call_plans"
    assert tasks.send_morning_digests.name == "interactions.tasks.send_morning_digests"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_both_tasks_run_on_a_real_worker(celery_worker, kam_a):
    lead = LeadFactory(owner=kam_a, created_at=at(KOLKATA, 2026, 11, 1, 9))
    InteractionFactory(lead=lead, occurred_at=at(KOLKATA, 2026, 11, 17, 11), outcome=CallOutcome.CONNECTED)
    result = tasks.recompute_call_plans.delay()
    assert not isinstance(result, EagerResult)  # it crossed the broker
    assert result.get(timeout=30) == 1  # one chunk task queued (through the outbox), which the worker then runs
    assert wait_for(lambda: Lead.objects.get(pk=lead.pk).next_call_at == at(KOLKATA, 2026, 11, 25, 10))
    chunk = tasks.recompute_call_plans_chunk.delay(lead.pk, lead.pk)
    assert chunk.get(timeout=30) == 0  # idempotent: running a chunk again changes nothing

    Lead.objects.filter(pk=lead.pk).update(next_call_at=at(KOLKATA, 2026, 11, 19, 10))
    eight = at(KOLKATA, 2026, 11, 19, 8, 0).isoformat()
    assert tasks.send_morning_digests.delay(eight).get(timeout=30) == 1
    assert tasks.send_morning_digests.delay(eight).get(timeout=30) == 0  # safe to re-run
    assert [m.to for m in mail.outbox] == [[kam_a.email]]
    assert MorningDigest.objects.filter(kam=kam_a, day=dt.date(2026, 11, 19)).count() == 1


def test_the_commands_call_the_same_services(kam_a):
    lead = LeadFactory(owner=kam_a, created_at=at(KOLKATA, 2026, 11, 18, 9))
    out = io.StringIO()
    call_command("recompute_call_plans", stdout=out)
    assert "1 lead(s) changed" in out.getvalue()
    call_command("recompute_call_plans", "--lead", str(lead.pk), stdout=out)
    assert "0 lead(s) changed" in out.getvalue()
    call_command("send_morning_digests", "--at", "2026-11-18T02:40Z", stdout=out)  # 08:10 in Kolkata
    assert "Morning digests sent: 1." in out.getvalue()
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError, match="--at"):
        call_command("send_morning_digests", "--at", "yesterday-ish")


def test_the_digest_task_reads_a_naive_time_as_utc(kam_a):
    LeadFactory(owner=kam_a, next_call_at=at(KOLKATA, 2026, 11, 18, 10))
    assert tasks.send_morning_digests("2026-11-18T02:40:00") == 1
