"""Issue 14 §7: no input reaches a 500, on the pages and htmx fragments as on the API (schemathesis covers that).

Every page of the access table (each object URL, with and without htmx) and the list pages get query strings and
form posts built from the inputs that used to break them: Unicode digits (`"²".isdigit()` is true, `int("²")`
fails), dates at the ends of the calendar, numbers past any column, deep JSON, control characters.
"""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.tests.test_access import OBJECT_URLS, Action, ManagerPage, Page, world  # noqa: F401 (the fixture)

NASTY = st.one_of(
    st.sampled_from(
        [
            "²",
            "١٢٣",
            "⁵",
            "9999-12-31",
            "0001-01-01",
            "99999999999999999999999",
            "-1",
            "0",
            "1e309",
            "NaN",
            "[" * 2000 + "]" * 2000,
            '{"a": ' * 500 + "1" + "}" * 500,
            "\x00",
            "today",
            "overdue",
            "slipping",
            "2026-02-30",
            "25:99",
            "<script>",
        ]
    ),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
PARAMS = [
    "kam", "day", "offset", "more", "page", "before", "origin", "status", "owner", "ordering", "search", "city",
    "classification", "archived", "due", "quick", "amount", "placed_on", "item_count", "occurred_at", "callback_at",
    "outcome", "duration_minutes", "call_frequency_days", "calling_windows", "window_1_start", "window_1_end",
    "closed_weekday", "time_zone", "country", "name", "phone", "email", "is_primary", "to", "reason", "ids", "tab",
    "edit_token", "confirm_duplicates", "contact",
]  # fmt: skip
QUERIES = st.dictionaries(st.sampled_from(PARAMS), NASTY, max_size=6)

LIST_PAGES = ["home", "today", "leads:list", "leads:create", "performance:index"]


def _pages(w):
    urls = [(reverse(name), True) for name in LIST_PAGES]
    for name, entry in OBJECT_URLS.items():
        if isinstance(entry, Page | Action | ManagerPage):
            urls.append((reverse(name, kwargs=entry.kwargs(w)), not isinstance(entry, Action)))
    return urls


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES, htmx=st.booleans())
def test_no_query_or_form_input_gives_a_500_on_a_page(world, manager, query, htmx):  # noqa: F811
    for user in (world.lead.owner, manager):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        for url, takes_get in _pages(world):
            if takes_get:
                response = client.get(url, query, **headers)
                assert response.status_code < 500, (url, query, response.status_code)
            response = client.post(url, query, **headers)
            assert response.status_code < 500, ("POST", url, query, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/today/", {"kam": "²"}),
        ("/today/", {"more": "due", "offset": "²"}),
        ("/admin/leads/lead/reassign/", {"ids": "1,²,³"}),
        ("/admin/kam/user/deactivate/", {"ids": "²"}),
    ],
)
def test_unicode_digits_in_ids_are_not_ids(admin_client_kam, url, query):
    """The bug: "²".isdigit() is True and int("²") raises, so these answered 500."""
    response = admin_client_kam.get(url, query, HTTP_HX_REQUEST="true" if "more" in query else "")
    assert response.status_code in (200, 302, 404)


@pytest.mark.django_db
def test_logging_from_a_today_row_of_a_far_day_saves_once_and_answers(client_a, kam_a):
    """The bug: day=9999-12-31 overflowed while answering, after the call was saved (so the retry saved twice)."""
    from interactions.models import Interaction
    from leads.tests.factories import LeadFactory

    lead = LeadFactory(owner=kam_a)
    url = reverse("interactions:log", kwargs={"lead_pk": lead.pk, "kind": "call"})
    response = client_a.post(
        url, {"origin": "today", "day": "9999-12-31", "outcome": "connected"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert Interaction.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_on_the_api_and_a_form_error_in_admin(api_a, admin_client_kam, kam_a):
    from leads.tests.factories import LeadFactory

    deep = "[" * 100_000 + "]" * 100_000
    response = api_a.post("/api/v1/leads/", deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"

    lead = LeadFactory(owner=kam_a, calling_windows=[["09:00", "11:00"]])
    change = reverse("admin:leads_lead_change", args=[lead.pk])
    form = admin_client_kam.get(change).context["adminform"].form
    data = {name: form[name].value() or "" for name in ("name", "city", "country", "time_zone", "source")}
    data.update({f"{p}-{n}": "0" for p in ("assignments", "status_changes") for n in ("TOTAL_FORMS", "INITIAL_FORMS")})
    for bad in (deep, '{"a": 1}', '[["10:00"]]', '[["12:00", "10:00"]]', "7", '[["ab", "cd"]]'):
        answer = admin_client_kam.post(change, {**data, "calling_windows": bad})
        assert answer.status_code == 200, bad
        assert "calling_windows" in answer.context["adminform"].form.errors, bad
    lead.refresh_from_db()
    assert lead.calling_windows == [["09:00", "11:00"]]
    assert admin_client_kam.get(reverse("leads:detail", args=[lead.pk])).status_code == 200


@pytest.mark.django_db
def test_calling_windows_of_the_wrong_shape_are_refused_on_every_path(kam_a):
    """Validated where written (the model field), so services, admin and imports all refuse it alike."""
    from django.core.exceptions import ValidationError

    from leads.services import lead_create, lead_update
    from leads.tests.factories import LeadFactory

    with pytest.raises(ValidationError) as excinfo:
        lead_create(by=kam_a, name="X", city="Pune", calling_windows={"mon": "10-12"})
    assert "calling_windows" in excinfo.value.message_dict
    lead = LeadFactory(owner=kam_a)
    for bad in ([["10:00"]], [[1, 2]], "10:00-12:00", [["10:00", "12:00"]] * 13):
        with pytest.raises(ValidationError):
            lead_update(lead=lead, by=kam_a, calling_windows=bad)
