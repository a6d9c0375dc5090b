import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.models import Role
from kam.tests.factories import UserFactory
from leads.tests.factories import LeadFactory
from performance.models import AccountPerformance, Classification, Trend
from performance.selectors import LIST_COLUMNS, TeamRow, list_rows, percent_change, team_table, whole
from performance.services import performance_recompute
from performance.tests.factories import (
    AccountPerformanceFactory,
    ClassificationChangeFactory,
    place_orders,
    won_account,
)
from performance.tests.shapes import SHAPES

pytestmark = pytest.mark.django_db
INDEX = reverse("performance:index")
CSV = reverse("performance:report_csv")


def account(owner, classification=Classification.STEADY, name=None, **fields):
    lead = LeadFactory(owner=owner, **({"name": name} if name else {}))
    return AccountPerformanceFactory(lead=lead, classification=classification, **fields)


def listed(response) -> list[str]:
    return [row.lead.name for row in response.context["accounts"]]


def test_a_kam_sees_their_own_accounts_and_their_own_numbers(client_a, kam_a, teammate):
    mine = account(kam_a, Classification.AT_RISK, name="Mine", reasons=["value −30% against the previous 4 weeks"])
    account(teammate, name="Not mine")
    response = client_a.get(INDEX)
    assert response.status_code == 200
    assert listed(response) == ["Mine"]
    assert not response.context["is_team_view"]
    assert [row.kam for row in response.context["team_rows"]] == [kam_a]
    html = response.content.decode()
    assert "Value −30% against the previous 4 weeks" in html and "Not mine" not in html
    assert mine.lead.get_absolute_url() in html


def test_a_manager_sees_a_row_per_kam_of_the_team_and_no_other_team(manager_client, kam_a, teammate, kam_b):
    account(kam_a, Classification.AT_RISK, name="A's")
    account(teammate, Classification.WELL_PERFORMING, name="Teammate's")
    account(kam_b, Classification.UNDERPERFORMING, name="Other team's")
    response = manager_client.get(INDEX)
    assert response.context["is_team_view"]
    assert {row.kam for row in response.context["team_rows"]} == {kam_a, teammate}
    assert listed(response) == ["A's", "Teammate's"]  # the accounts that need attention first
    assert "Other team&#x27;s" not in response.content.decode()
    assert response.context["chart"]["data"]["labels"] == sorted([str(kam_a), str(teammate)])


def test_filters_by_class_owner_and_search(manager_client, kam_a, teammate):
    account(kam_a, Classification.AT_RISK, name="Spice House", value_at_risk=Decimal("10"))
    account(kam_a, Classification.UNDERPERFORMING, name="Dosa Corner", value_at_risk=Decimal("20"))
    account(teammate, Classification.AT_RISK, name="Biryani Hub")
    account(teammate, Classification.WELL_PERFORMING, name="Royal Grill")
    slipping = manager_client.get(INDEX + "?classification=at_risk&classification=underperforming")
    assert listed(slipping) == ["Dosa Corner", "Spice House", "Biryani Hub"]  # then by value at risk
    assert slipping.context["tab"] == "slipping"
    assert listed(manager_client.get(INDEX, {"owner": teammate.pk})) == ["Biryani Hub", "Royal Grill"]
    assert listed(manager_client.get(INDEX, {"search": "spice"})) == ["Spice House"]
    by_name = manager_client.get(INDEX, {"ordering": "name"})
    assert listed(by_name) == ["Biryani Hub", "Dosa Corner", "Royal Grill", "Spice House"]


def test_another_teams_kam_is_not_a_filter_and_leaks_nothing(manager_client, kam_b):
    account(kam_b, name="Other team's")
    response = manager_client.get(INDEX, {"owner": kam_b.pk})
    assert response.status_code == 200
    assert "Other team&#x27;s" not in response.content.decode()
    assert "Some filters were not understood" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?owner=abc", "?classification=great", "?ordering=password", "?search=" + "x" * 500, "?page=999"]
)
def test_bad_filters_never_give_a_500(client_a, kam_a, query):
    account(kam_a)
    assert client_a.get(INDEX + query).status_code in (200, 404)


def query_count(client, url=INDEX) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_page_runs_the_same_queries_with_1_and_10_accounts_for_a_kam(client_a, kam_a):
    account(kam_a, Classification.AT_RISK)
    one = query_count(client_a)
    for classification in (list(Classification) * 2)[:9]:
        account(kam_a, classification)
    assert query_count(client_a) == one


def test_the_page_runs_the_same_queries_with_1_and_10_accounts_for_a_manager(manager_client, manager, kam_a, teammate):
    third = UserFactory(role=Role.KAM, manager=manager)
    filtered = INDEX + f"?classification=at_risk&classification=steady&owner={kam_a.pk}&search=Restaurant"
    account(kam_a, Classification.AT_RISK)
    one, one_filtered = query_count(manager_client), query_count(manager_client, filtered)
    for i in range(9):
        account((kam_a, teammate, third)[i % 3], list(Classification)[i % 5])
        account(kam_a, (Classification.AT_RISK, Classification.STEADY)[i % 2])
    assert query_count(manager_client) == one
    assert query_count(manager_client, filtered) == one_filtered


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    counts = 'SELECT COUNT(*) AS "__count" FROM "performance_accountperformance"'
    return sum(q["sql"].startswith(counts) for q in captured.captured_queries)


def test_without_a_filter_the_page_count_comes_from_the_team_table(manager_client, manager, kam_a, teammate, kam_b):
    for i in range(52):
        account((kam_a, teammate)[i % 2], list(Classification)[i % 5])
    account(manager, name="The manager's own")
    account(kam_b, name="Another team's")
    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a, is_archived=True))

    for url in (INDEX, INDEX + "?ordering=-score", INDEX + "?owner=abc", INDEX + "?page=2"):
        response = manager_client.get(url)
        assert response.context["paginator"].count == 53, url
        assert count_queries(manager_client, url) == 0, url
    assert "Page 1 of 2 · 53 accounts" in manager_client.get(INDEX).content.decode()
    assert len(manager_client.get(INDEX + "?page=2").context["accounts"]) == 3
    # A filter that takes rows away counts them.
    assert manager_client.get(INDEX, {"owner": teammate.pk}).context["paginator"].count == 26
    assert manager_client.get(INDEX, {"search": "manager's own"}).context["paginator"].count == 1
    assert count_queries(manager_client, INDEX + "?classification=at_risk") == 1


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (INDEX, CSV):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_report_csv_for_a_manager(manager_client, manager, kam_a, teammate):
    now = timezone.now()
    became = account(
        kam_a, Classification.AT_RISK, name="=HYPERLINK(1)", value_at_risk=Decimal("1200"), reasons=["r1", "r2"]
    )
    ClassificationChangeFactory(lead=became.lead, changed_at=now - dt.timedelta(hours=1))
    account(teammate, Classification.WELL_PERFORMING, name="Royal Grill", value_30d=Decimal("90000"))
    response = manager_client.get(CSV)
    assert response["Content-Disposition"].startswith('attachment; filename="kam-team-report-')
    rows = read_csv(response)
    yesterday = (timezone.localtime(now, manager.zone).date() - dt.timedelta(days=1)).isoformat()
    assert rows[0] == ["KAM team report", str(manager), yesterday, "Asia/Kolkata"]
    team = [r for r in rows if r and r[0] == "Team"]
    assert sorted(r[1] for r in team) == sorted([str(kam_a), str(teammate)])
    slipping = [r for r in rows if r and r[0].startswith("Became at risk")]
    assert len(slipping) == 1
    # A name that looks like a formula is kept as text.
    assert slipping[0][1:5] == ["'=HYPERLINK(1)", "Bengaluru", str(kam_a), "At risk"]
    assert slipping[0][6] == "1200.00" and slipping[0][8] == "r1; r2"
    top = [r for r in rows if r and r[0] == "Top accounts by 30-day value"]
    assert top[0][1] == "Royal Grill"


def test_report_csv_is_scoped_to_the_user(client_b, kam_a, kam_b):
    account(kam_a, Classification.WELL_PERFORMING, name="A's best", value_30d=Decimal("5"))
    account(kam_b, Classification.WELL_PERFORMING, name="B's best", value_30d=Decimal("5"))
    rows = read_csv(client_b.get(CSV))
    names = {cell for row in rows for cell in row}
    assert "B's best" in names and "A's best" not in names
    assert [r[1] for r in rows if r and r[0] == "Team"] == [str(kam_b)]


def test_the_lead_page_shows_the_class_reasons_and_charts(client_a, kam_a):
    now = timezone.now()
    lead = won_account(owner=kam_a, now=now)
    place_orders(lead, SHAPES["stopped"], now=now)
    performance_recompute(now=now)
    html = client_a.get(lead.get_absolute_url()).content.decode()
    assert "Why underperforming" in html
    assert "40 days since the last order, 10.0× its usual gap" in html
    assert "vendor/chart.js/chart.umd.min.js" in html
    # The charts and the class history come when scrolled to: a fragment for htmx, a page of their own without it.
    ordering = reverse("performance:lead_ordering", args=[lead.pk])
    assert f'hx-get="{ordering}" hx-trigger="revealed"' in html and 'data-kam-chart="weekly"' not in html
    fragment = client_a.get(ordering, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and f'id="ordering-pattern-{lead.pk}"' in fragment
    assert 'data-kam-chart="weekly"' in fragment and "Class history" in fragment
    whole = client_a.get(ordering).content.decode()
    assert "<html" in whole and 'data-kam-chart="weekday"' in whole and "Why underperforming" in whole


def test_the_lead_page_of_an_account_without_orders_says_so(client_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    html = client_a.get(lead.get_absolute_url()).content.decode()
    assert "No orders yet" in html and "chart.umd.min.js" not in html


def test_another_kam_gets_404_for_the_lead_and_its_performance(client_b, kam_a):
    performance = account(kam_a, Classification.AT_RISK, reasons=["secret reason"])
    response = client_b.get(performance.lead.get_absolute_url())
    assert response.status_code == 404
    assert "secret reason" not in client_b.get(INDEX).content.decode()


def test_the_today_page_shows_the_owners_slipping_accounts_with_their_reasons(client_a, kam_a, teammate):
    account(
        kam_a,
        Classification.UNDERPERFORMING,
        name="Quiet Kitchen",
        value_at_risk=Decimal("75000"),
        reasons=["orders every 4 days as a rule", "40 days since the last order, 10.0× its usual gap"],
    )
    account(teammate, Classification.AT_RISK, name="Not mine")
    html = client_a.get(reverse("today")).content.decode()
    assert "Slipping accounts" in html and "Quiet Kitchen" in html and "Not mine" not in html
    assert "40 days since the last order, 10.0× its usual gap" in html and "Underperforming" in html


# The list's rows are printed from list_rows: the same markup as the template's own filters and tags gave.
OLD_ROW = Template(
    "{% load kam humanize %}"
    '<a href="{{ account.lead.get_absolute_url }}">{{ account.lead.name }}</a> {{ account.lead.city }}|'
    "{{ account.lead.owner }}|"
    "{% badge account.classification_choice %}{% with trend=account.trend_choice %}{% if trend %} "
    '<span class="text-{{ trend.colour }}" title="{{ trend.label }} since the previous day">{{ trend.arrow }}'
    '<span class="visually-hidden"> {{ trend.label }}</span></span>{% endif %}{% endwith %}|'
    '{{ account.score|default_if_none:"—" }}|'
    "{{ account.value_30d|floatformat:0|intcomma }}{% if account.value_trend_pct is not None %} "
    "{% if account.value_trend_pct >= 0 %}+{% endif %}{{ account.value_trend_pct|floatformat:0 }}%{% endif %}|"
    "{% if account.value_at_risk %}{{ account.value_at_risk|floatformat:0|intcomma }}{% else %}—{% endif %}|"
    "{{ account.reasons_text|capfirst }}"
)
NEW_ROW = Template(
    '<a href="{{ row.url }}">{{ row.lead.name }}</a> {{ row.lead.city }}|{{ row.kam }}|{{ row.class_html }}|'
    "{{ row.score }}|{{ row.value_30d }}{% if row.value_trend %} {{ row.value_trend }}{% endif %}|"
    "{{ row.value_at_risk }}|{{ row.reasons }}"
)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"trend": Trend.UP, "score": 0, "value_30d": Decimal("1234567.50"), "value_trend_pct": 12.5},
        {"trend": Trend.DOWN, "score": None, "value_30d": Decimal("0.49"), "value_trend_pct": -0.4},
        {"trend": Trend.FLAT, "value_trend_pct": -30.5, "value_at_risk": Decimal("999.5"), "reasons": []},
        {"trend": "", "value_trend_pct": 0.0, "value_at_risk": Decimal("0"), "reasons": ["<b>x</b> & y", "z"]},
        {"value_trend_pct": 1234.5, "value_at_risk": Decimal("12345678901.49"), "score": 100},
    ],
)
def test_list_rows_print_what_the_template_filters_printed(kam_a, fields):
    lead = LeadFactory(owner=kam_a, name="O'Brien & Sons <Grill>", city="Pune")
    AccountPerformanceFactory(lead=lead, **fields)
    account = AccountPerformance.objects.select_related("lead__owner").only(*LIST_COLUMNS).get()
    (row,) = list_rows([account])
    assert NEW_ROW.render(Context({"row": row})) == OLD_ROW.render(Context({"account": account}))


@pytest.mark.parametrize(
    "value", [0, 0.4, -0.4, 0.5, -0.5, 1.5, 2.5, -2.5, 999.5, 1234.49, -98765.5, 12.345, Decimal("1000000.5")]
)
def test_whole_and_percent_change_are_the_template_filters(value):
    assert whole(value) == intcomma(floatformat(value, 0))
    assert percent_change(value) == ("+" if value >= 0 else "") + floatformat(value, 0) + "%"


def test_the_list_reads_only_the_columns_it_shows(client_a, kam_a):
    account(kam_a, Classification.AT_RISK, reasons=["no order for 40 days"])
    with CaptureQueriesContext(connection) as captured:
        response = client_a.get(INDEX)
    assert "No order for 40 days" in response.content.decode()
    page = [q["sql"] for q in captured.captured_queries if '"performance_accountperformance"."reasons"' in q["sql"]]
    assert len(page) == 1
    assert '"factors"' not in page[0] and '"calling_windows"' not in page[0] and '"password"' not in page[0]


OLD_TEAM_ROW = Template(
    "{% load humanize %}"
    '<a href="?owner={{ row.kam.pk }}">{{ row.kam }}</a>|{{ row.accounts }}|'
    "{% for cls, count in row.class_counts %}{% if count %}"
    '<span class="badge text-bg-{{ cls.colour }} me-1">{{ count }} {{ cls.label|lower }}</span>{% endif %}{% endfor %}|'
    "{{ row.calls_made }} / {{ row.calls_planned_rounded }}{% if row.calls_pct is not None %} ({{ row.calls_pct }}%)"
    "{% endif %}|{{ row.order_value|floatformat:0|intcomma }} ({{ row.orders }} order{{ row.orders|pluralize }})"
)
NEW_TEAM_ROW = Template(
    '<a href="?owner={{ row.kam.pk }}">{{ row.name }}</a>|{{ row.accounts }}|{{ row.classes_html }}|'
    "{{ row.calls }}{% if row.calls_pct %} ({{ row.calls_pct }}%){% endif %}|{{ row.order_value }} ({{ row.orders }})"
)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"classes": {Classification.AT_RISK: 3, Classification.STEADY: 0, Classification.NO_ORDERS: 1}, "accounts": 4},
        {"calls_planned": 4.4, "calls_made": 0, "orders": 1, "order_value": Decimal("1234.5")},
        {"calls_planned": 0.4, "calls_made": 7, "orders": 2, "order_value": Decimal("9876543.49")},
        {"calls_planned": 10.5, "calls_made": 21, "orders": 0},
    ],
)
def test_the_team_table_prints_what_the_template_filters_printed(kam_a, fields):
    kam_a.first_name, kam_a.last_name = "Zoë", "O'Neil <the first>"
    row = TeamRow(kam=kam_a, **fields)
    (ready,) = team_table([row])
    assert NEW_TEAM_ROW.render(Context({"row": ready})) == OLD_TEAM_ROW.render(Context({"row": row}))


def test_the_kam_select_keeps_the_chosen_kam(manager_client, kam_a, teammate):
    html = manager_client.get(INDEX, {"owner": teammate.pk}).content.decode()
    assert f'<option value="{teammate.pk}" selected>' in html
    assert f'<option value="{kam_a.pk}">' in html
