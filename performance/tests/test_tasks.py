"""The nightly and hourly jobs through a real Celery worker on Redis (the broker a deployment uses).

The tests wait for the work's effect in the database rather than for a task result, so they do not depend on a
result backend.
"""

import pytest
from django.core import mail
from django.utils import timezone

from kam.models import Role
from kam.tests.factories import UserFactory
from kam.tests.waiting import wait_for
from performance.models import AccountPerformance, Classification, ClassificationChange, ManagerReport
from performance.tasks import recompute_performance, refresh_account_performance, send_manager_reports
from performance.tests.factories import AccountPerformanceFactory, place_orders, won_account
from performance.tests.shapes import SHAPES

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_producer_pool():
    """An earlier test may have pooled a connection to memory://; `.delay()` must publish to the worker's Redis."""
    from kam.celery import app

    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def test_nightly_recompute_runs_on_a_real_worker(celery_worker):
    now = timezone.now()
    kam = UserFactory(role=Role.KAM)
    steady, stopped = won_account(owner=kam, now=now), won_account(owner=kam, now=now)
    place_orders(steady, SHAPES["steady"], now=now)
    place_orders(stopped, SHAPES["stopped"], now=now)

    recompute_performance.delay()

    assert wait_for(lambda: AccountPerformance.objects.count() == 2)
    classes = dict(AccountPerformance.objects.values_list("lead_id", "classification"))
    assert classes == {steady.pk: Classification.STEADY, stopped.pk: Classification.UNDERPERFORMING}
    assert ClassificationChange.objects.count() == 2


def test_one_account_refresh_and_the_hourly_reports_run_on_a_real_worker(celery_worker):
    now = timezone.now()
    kam = UserFactory(role=Role.KAM)
    lead = won_account(owner=kam, now=now)
    place_orders(lead, [(1, 5000)], now=now)
    refresh_account_performance.delay(lead.pk)
    assert wait_for(lambda: AccountPerformance.objects.filter(lead=lead, orders_total=1).exists())

    # A manager whose local hour is 8 right now, with a team that has something to report.
    manager = UserFactory(role=Role.MANAGER, time_zone=_zone_at_8(now))
    kam.manager = manager
    kam.save()
    slipping = won_account(owner=kam, now=now)
    AccountPerformanceFactory(lead=slipping, classification=Classification.AT_RISK)
    send_manager_reports.delay()
    assert wait_for(lambda: ManagerReport.objects.filter(manager=manager).exists())
    assert [m.to for m in mail.outbox] == [[manager.email]]


def _zone_at_8(now) -> str:
    """An IANA zone whose local hour is 8 at `now` (Etc/GMT±N has the sign the other way round)."""
    offset = 8 - now.hour
    offset = (offset + 12) % 24 - 12
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
