import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from contacts.tests.factories import ContactFactory
from leads.services import lead_create

KOLKATA, DUBAI, LONDON = ZoneInfo("Asia/Kolkata"), ZoneInfo("Asia/Dubai"), ZoneInfo("Europe/London")


def at(zone, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


# Wednesday 18 November 2026, 09:00 in Bengaluru: an ordinary working day (24 Nov is a public holiday).
CREATED = at(KOLKATA, 2026, 11, 18, 9)


@pytest.fixture
def make_lead(kam_a):
    """A lead created through the service (so it has its first call plan), by default kam_a's in Bengaluru."""

    def _make(*, by=None, now=CREATED, **fields):
        fields = {
            "name": "Spice House",
            "city": "Bengaluru",
            "state": "Karnataka",
            "country": "IN",
            "time_zone": "Asia/Kolkata",
            "call_frequency_days": 7,
            **fields,
        }
        owner = fields.pop("owner", None) or kam_a
        return lead_create(by=by or owner, owner=owner, now=now, **fields)

    return _make


@pytest.fixture
def lead(make_lead):
    return make_lead()


@pytest.fixture
def primary(lead):
    return ContactFactory(lead=lead, name="Ramesh Kumar", is_primary=True, phone="+919812345678")
