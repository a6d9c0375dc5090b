import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from kam.templatetags.kam import both_zones, relative, zone_label, zoned

INSTANT = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)  # 11:30 in Kolkata, 10:00 in Dubai


@pytest.fixture(autouse=True)
def user_in_kolkata():
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        yield


def test_zoned_names_the_zone():
    assert ">24 Nov 2026, 11:30 <span" in zoned(INSTANT)
    assert ">IST</span>" in zoned(INSTANT)
    assert ">24 Nov 2026, 10:00 <span" in zoned(INSTANT, "Asia/Dubai")
    assert ">UTC+4</span>" in zoned(INSTANT, "Asia/Dubai")
    assert zoned(None) == "—"


@pytest.mark.parametrize(
    ("zone", "label"),
    [("Asia/Kolkata", "IST"), ("Asia/Dubai", "UTC+4"), ("Asia/Kathmandu", "UTC+5:45"), ("America/Sao_Paulo", "UTC-3")],
)
def test_zone_labels_are_readable(zone, label):
    assert zone_label(INSTANT.astimezone(ZoneInfo(zone))) == label


def test_both_zones_shows_the_restaurants_clock_only_when_it_differs():
    assert "at the restaurant" not in both_zones(INSTANT, "Asia/Kolkata")
    html = both_zones(INSTANT, "Asia/Dubai")
    assert "Tue 24 Nov, 11:30" in html and "· 10:00 UTC+4 at the restaurant" in html
    # Another day on the restaurant's clock: the date is spelled out too.
    late = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)  # Wed 01:30 in Kolkata, Tue 16:00 in São Paulo
    assert "Tue 24 Nov, 17:00 UTC-3 at the restaurant" in both_zones(late, "America/Sao_Paulo")


def test_relative_times_with_the_exact_time_on_hover():
    now = INSTANT
    past = relative(now - dt.timedelta(days=3), now)
    assert ">3\xa0days ago</time>" in past and 'title="Sat 21 Nov 2026, 11:30 IST"' in past
    assert ">in 2\xa0hours</time>" in relative(now + dt.timedelta(hours=2), now)
    overdue = relative(now - dt.timedelta(days=3), now, overdue=True)
    assert "3\xa0days overdue" in overdue and "text-danger" in overdue
    assert "text-danger" not in relative(now + dt.timedelta(days=1), now, overdue=True)
    assert relative(None) == "—"


def test_sort_header_keeps_filters_drops_the_page_and_flips_the_order():
    template = Template('{% load kam %}{% sort_header "name" "Restaurant" %}|{% sort_state "name" %}')
    request = RequestFactory().get("/leads/", {"city": "Pune", "page": "3", "ordering": "name"})
    html = template.render(Context({"request": request}))
    assert 'href="?city=Pune&amp;ordering=-name"' in html
    assert html.endswith("|ascending")
