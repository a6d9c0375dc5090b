"""The morning team report: who gets it when, what it says, and that it goes once."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from interactions.models import CallOutcome
from interactions.tests.factories import InteractionFactory
from leads.tests.factories import LeadFactory
from performance.models import Classification, ManagerReport
from performance.services import manager_report_send, manager_reports_send, managers_due_for_report
from performance.tests.factories import AccountPerformanceFactory, ClassificationChangeFactory, place_orders

pytestmark = pytest.mark.django_db

# 02:35 UTC is 08:05 in Kolkata (manager) and 06:35 in Dubai (other_manager).
KOLKATA_8AM = dt.datetime(2026, 3, 17, 2, 35, tzinfo=dt.UTC)
DUBAI_8AM = dt.datetime(2026, 3, 17, 4, 5, tzinfo=dt.UTC)
# Yesterday in Kolkata is 16 March: 15 March 18:30 UTC to 16 March 18:30 UTC.
YESTERDAY = dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def known_team(manager, kam_a, teammate):
    """kam_a and teammate with yesterday's calls, orders and one account that became at risk."""
    kam_a.first_name, kam_a.last_name = "Aarav", "Shah"
    kam_a.save()
    teammate.first_name, teammate.last_name = "Priya", "Nair"
    teammate.save()
    spice = LeadFactory(owner=kam_a, name="Spice House", city="Pune", call_frequency_days=1)
    LeadFactory(owner=teammate, name="Quiet Place", call_frequency_days=2)
    AccountPerformanceFactory(
        lead=spice,
        classification=Classification.AT_RISK,
        value_at_risk=Decimal("75000"),
        value_30d=Decimal("40000"),
        reasons=["orders every 4 days as a rule", "15 days since the last order, 3.8× its usual gap"],
    )
    ClassificationChangeFactory(lead=spice, changed_at=KOLKATA_8AM - dt.timedelta(hours=6))
    royal = LeadFactory(owner=teammate, name="Royal Grill", call_frequency_days=7)
    AccountPerformanceFactory(lead=royal, classification=Classification.WELL_PERFORMING, value_30d=Decimal("250000"))
    InteractionFactory(lead=spice, performed_by=kam_a, occurred_at=YESTERDAY)
    InteractionFactory(lead=spice, performed_by=kam_a, occurred_at=YESTERDAY, outcome=CallOutcome.NO_ANSWER)
    InteractionFactory(lead=spice, performed_by=kam_a, occurred_at=YESTERDAY - dt.timedelta(days=1))  # day before
    place_orders(royal, [(0, Decimal("12345.60"))], now=YESTERDAY)
    return {"spice": spice, "royal": royal}


def test_the_email_for_a_known_team(manager, known_team):
    record = manager_report_send(manager=manager, now=KOLKATA_8AM)
    assert record is not None and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [manager.email]
    # 1 call planned a day for Spice House (every day), ½ for Quiet Place, 1/7 for Royal Grill: 1.64 → 2.
    assert message.subject == "Team report for Mon 16 Mar: 2 of 2 planned calls made, 1 account slipping"
    body = message.body
    assert "CALLS YESTERDAY: 2 made of 2 planned (100%)" in body
    assert "ORDERS YESTERDAY: 1, worth 12,346 (credited to the KAM who owned each account when it ordered)" in body
    assert "- Aarav Shah: 2 calls of 1 planned (1 connected); 0 orders, 0; 1 accounts, 1 slipping" in body
    assert "- Priya Nair: 0 calls of 1 planned (0 connected); 1 order, 12,346; 1 accounts, 0 slipping" in body
    assert "BECAME AT RISK OR UNDERPERFORMING SINCE THE LAST REPORT (1)" in body
    assert "- Spice House (Pune, Aarav Shah): At risk, 75,000 a month at risk" in body
    assert "orders every 4 days as a rule; 15 days since the last order, 3.8× its usual gap" in body
    assert f"{settings.SITE_URL}{known_team['spice'].get_absolute_url()}" in body
    assert "- Royal Grill (Priya Nair): 250,000, well performing" in body
    html = message.alternatives[0][0]
    assert "Spice House" in html and "<table" in html
    assert record.summary["became_slipping"] == [known_team["spice"].pk]
    assert (record.report_date, record.period_end) == (dt.date(2026, 3, 17), KOLKATA_8AM)


def test_an_empty_report_is_not_sent(manager):
    assert manager_report_send(manager=manager, now=KOLKATA_8AM) is None
    assert mail.outbox == [] and not ManagerReport.objects.exists()


def test_a_second_run_the_same_hour_sends_nothing(manager, known_team):
    assert manager_reports_send(now=KOLKATA_8AM) == 1
    assert manager_reports_send(now=KOLKATA_8AM + dt.timedelta(minutes=20)) == 0
    assert len(mail.outbox) == 1 and ManagerReport.objects.count() == 1


def test_only_managers_whose_local_hour_is_8_are_picked(manager, other_manager):
    assert managers_due_for_report(now=KOLKATA_8AM) == [manager]
    assert managers_due_for_report(now=DUBAI_8AM) == [other_manager]
    assert managers_due_for_report(now=KOLKATA_8AM - dt.timedelta(hours=1)) == []


def test_the_hourly_task_reads_the_clock_at_the_edge_of_the_hour(
    manager, known_team, django_capture_on_commit_callbacks
):
    from performance.tasks import send_manager_reports

    # The hourly task queues one task per manager due (run in-process here); a second run in the hour sends nothing.
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return send_manager_reports()

    with time_machine.travel(dt.datetime(2026, 3, 17, 2, 29, 59, tzinfo=dt.UTC), tick=False):  # 07:59:59 IST
        assert run() == 0
    with time_machine.travel(dt.datetime(2026, 3, 17, 2, 30, tzinfo=dt.UTC), tick=False):  # 08:00 IST
        assert run() == 1
    with time_machine.travel(dt.datetime(2026, 3, 17, 3, 29, tzinfo=dt.UTC), tick=False):  # 08:59 IST
        assert run() == 1
    assert len(mail.outbox) == 1


def test_the_next_report_lists_only_what_changed_since_the_last_one(manager, known_team, kam_a):
    manager_report_send(manager=manager, now=KOLKATA_8AM)
    next_morning = KOLKATA_8AM + dt.timedelta(days=1)
    later = LeadFactory(owner=kam_a, name="Dosa Corner")
    AccountPerformanceFactory(lead=later, classification=Classification.UNDERPERFORMING, reasons=["no order"])
    ClassificationChangeFactory(lead=later, to_classification="underperforming", changed_at=next_morning)
    manager_report_send(manager=manager, now=next_morning + dt.timedelta(minutes=1))
    body = mail.outbox[1].body
    assert "SINCE THE LAST REPORT (1)" in body and "Dosa Corner" in body
    assert "Spice House (Pune" not in body


def test_managers_without_a_team_or_an_address_get_nothing(manager, other_manager, known_team):
    other_manager.email = ""
    other_manager.save()
    assert manager_reports_send(now=DUBAI_8AM) == 0


def test_the_command_sends_one_managers_report_now(manager, known_team, capsys):
    call_command("send_manager_reports", "--manager", manager.username)
    assert "Report sent to" in capsys.readouterr().out
    call_command("send_manager_reports", "--manager", manager.username)
    assert "already sent today" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No active manager"):
        call_command("send_manager_reports", "--manager", "nobody")
