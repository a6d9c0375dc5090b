"""The morning digest: who gets it, when, what it says, and never twice."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from interactions.models import MorningDigest
from interactions.services import DigestsNotSent, morning_digests_send
from interactions.tests.conftest import DUBAI, KOLKATA, at
from kam.tests.factories import UserFactory
from leads.tests.factories import LeadFactory

EIGHT_IN_KOLKATA = at(KOLKATA, 2026, 11, 19, 8, 5)  # 06:35 in Dubai
EIGHT_IN_DUBAI = at(DUBAI, 2026, 11, 19, 8, 5)  # 09:35 in Kolkata


def due(owner, when, name, **fields):
    return LeadFactory(owner=owner, name=name, next_call_at=when, next_call_date=when.date(), **fields)


@pytest.fixture
def calls(kam_a, kam_b):
    due(kam_a, at(KOLKATA, 2026, 11, 17, 10), "Overdue Dhaba")
    due(kam_a, at(KOLKATA, 2026, 11, 19, 15), "Dosa Junction")
    due(kam_a, at(DUBAI, 2026, 11, 19, 10), "Karak Corner", time_zone="Asia/Dubai", country="AE")
    due(kam_a, at(KOLKATA, 2026, 11, 20, 10), "Tomorrow Thali")
    due(kam_b, at(DUBAI, 2026, 11, 19, 11), "Shawarma Grill", time_zone="Asia/Dubai", country="AE")


def test_each_kam_gets_todays_calls_at_eight_in_their_own_zone(calls, kam_a, kam_b, settings):
    settings.SITE_URL = "https://kam.example.com"
    assert morning_digests_send(now=EIGHT_IN_KOLKATA) == 1
    (message,) = mail.outbox
    assert message.to == [kam_a.email]
    assert message.subject == "Your calls for Thu 19 Nov: 1 overdue, 2 due today"
    assert "Overdue Dhaba" in message.body and "2 days overdue" in message.body
    assert "Dosa Junction" in message.body and "from 15:00" in message.body
    assert "Karak Corner" in message.body and "from 11:30 (10:00 in Asia/Dubai)" in message.body
    assert "Tomorrow Thali" not in message.body and "Shawarma Grill" not in message.body
    assert "https://kam.example.com/today/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://kam.example.com/today/"' in html and "https://kam.example.com/leads/" in html
    assert MorningDigest.objects.get(kam=kam_a).day == dt.date(2026, 11, 19)

    assert morning_digests_send(now=EIGHT_IN_DUBAI) == 1
    assert mail.outbox[1].to == [kam_b.email] and "Shawarma Grill" in mail.outbox[1].body


def test_running_again_in_the_same_hour_sends_nothing_twice(calls):
    assert morning_digests_send(now=EIGHT_IN_KOLKATA) == 1
    assert morning_digests_send(now=EIGHT_IN_KOLKATA + dt.timedelta(minutes=40)) == 0
    assert len(mail.outbox) == 1
    # The next morning is a new day.
    assert morning_digests_send(now=EIGHT_IN_KOLKATA + dt.timedelta(days=1)) == 1


def test_other_hours_send_nothing(calls):
    for hour in (7, 9, 20):
        assert morning_digests_send(now=at(KOLKATA, 2026, 11, 19, hour, 0)) == 0
    assert mail.outbox == []


def test_a_kam_with_nothing_due_gets_no_email(kam_a):
    due(kam_a, at(KOLKATA, 2026, 11, 20, 10), "Tomorrow only")
    assert morning_digests_send(now=EIGHT_IN_KOLKATA) == 0
    assert mail.outbox == [] and not MorningDigest.objects.exists()


def test_managers_inactive_kams_and_kams_without_an_address_get_none(manager):
    due(manager, at(KOLKATA, 2026, 11, 19, 10), "A manager's own account")
    for fields in ({"is_active": False}, {"email": ""}):
        kam = UserFactory(time_zone="Asia/Kolkata", **fields)
        due(kam, at(KOLKATA, 2026, 11, 19, 10), "Due")
    assert morning_digests_send(now=EIGHT_IN_KOLKATA) == 0


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


def test_a_failed_email_is_not_recorded_so_a_retry_sends_it(calls, kam_a, teammate, settings):
    due(teammate, at(KOLKATA, 2026, 11, 19, 12), "Teammate's call")
    settings.EMAIL_BACKEND = "interactions.tests.test_digests.FailingBackend"
    with pytest.raises(DigestsNotSent, match="not sent to: kam_a, teammate"):
        morning_digests_send(now=EIGHT_IN_KOLKATA)
    assert not MorningDigest.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert morning_digests_send(now=EIGHT_IN_KOLKATA + dt.timedelta(minutes=5)) == 2


def test_admins_can_see_who_got_a_digest(calls, admin_client_kam):
    from django.urls import reverse

    morning_digests_send(now=EIGHT_IN_KOLKATA)
    response = admin_client_kam.get(reverse("admin:interactions_morningdigest_changelist"))
    assert response.status_code == 200 and "19 Nov" in response.content.decode().replace("Nov.", "Nov")
