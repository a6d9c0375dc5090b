import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from kam.models import Role
from kam.tests.factories import UserFactory
from leads.models import Lead, LeadStatus, LeadStatusChange
from leads.tests.factories import LeadFactory
from performance.tests.factories import AccountPerformanceFactory

LIST = reverse("leads:list")
NEW = reverse("leads:create")


def _row(owner, **kwargs):
    """A lead with everything a list row shows: a primary contact and a performance class."""
    lead = LeadFactory(owner=owner, **kwargs)
    ContactFactory(lead=lead, is_primary=True)
    ContactFactory(lead=lead)
    AccountPerformanceFactory(lead=lead)
    return lead


def _names(response):
    return [lead.name for lead in response.context["lead_list"]]


# --- The list -----------------------------------------------------------------------------------------------


def test_the_list_shows_only_the_users_accounts(client_a, kam_a, kam_b, teammate):
    mine = LeadFactory(owner=kam_a, name="Mine")
    LeadFactory(owner=kam_b, name="Other team")
    LeadFactory(owner=teammate, name="Teammate's")
    response = client_a.get(LIST)
    assert _names(response) == [mine.name]
    assertNotContains(response, "Teammate&#x27;s")


def test_a_manager_lists_the_team_and_can_filter_by_kam(manager_client, kam_a, teammate, kam_b):
    LeadFactory(owner=kam_a, name="A")
    LeadFactory(owner=teammate, name="T")
    LeadFactory(owner=kam_b, name="B")
    assert _names(manager_client.get(LIST)) == ["A", "T"]
    response = manager_client.get(LIST, {"owner": teammate.pk})
    assert _names(response) == ["T"]
    # The KAM choice list holds the team only.
    choices = {label for value, label in response.context["filter"].form.fields["owner"].choices if value}
    assert str(kam_b) not in choices and str(kam_a) in choices


def test_archived_leads_are_hidden_until_asked_for(client_a, kam_a):
    LeadFactory(owner=kam_a, name="Active")
    LeadFactory(owner=kam_a, name="Old", is_archived=True)
    assert _names(client_a.get(LIST)) == ["Active"]
    only = client_a.get(LIST, {"archived": "only"})
    assert _names(only) == ["Old"]
    assertContains(only, reverse("leads:restore", args=[Lead.objects.get(name="Old").pk]))
    assert _names(client_a.get(LIST, {"archived": "all"})) == ["Active", "Old"]


def test_status_chips_count_under_the_other_filters_and_filter_by_status(client_a, kam_a):
    LeadFactory(owner=kam_a, city="Pune", status=LeadStatus.NEW)
    LeadFactory(owner=kam_a, city="Pune", status=LeadStatus.CONTACTED, name="C1")
    LeadFactory(owner=kam_a, city="Pune", status=LeadStatus.CONTACTED, name="C2")
    LeadFactory(owner=kam_a, city="Delhi", status=LeadStatus.CONTACTED)

    response = client_a.get(LIST, {"city": "pune", "status": "contacted"})

    assert _names(response) == ["C1", "C2"]
    chips = {chip["status"].value: (chip["count"], chip["active"]) for chip in response.context["status_chips"]}
    assert chips["new"] == (1, False) and chips["contacted"] == (2, True) and chips["won"] == (0, False)
    assert response.context["total_count"] == 3
    # Each chip keeps the other filters and drops the page.
    assertContains(response, 'href="?city=pune&amp;status=qualified"')


def test_search_finds_a_restaurant_by_contact_name_and_phone(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, name="Dosa Plaza")
    ContactFactory(lead=lead, name="Ravi Menon", phone="+919876543210")
    LeadFactory(owner=kam_a, name="Elsewhere")
    for text in ("ravi", "98765 43210", "09876543210", "dosa"):
        assert _names(client_a.get(LIST, {"search": text})) == ["Dosa Plaza"], text


def test_columns_sort_both_ways_and_headers_link_the_reverse(client_a, kam_a):
    for name in ("Bravo", "Alpha", "Charlie"):
        LeadFactory(owner=kam_a, name=name)
    assert _names(client_a.get(LIST, {"ordering": "name"})) == ["Alpha", "Bravo", "Charlie"]
    response = client_a.get(LIST, {"ordering": "-name"})
    assert _names(response) == ["Charlie", "Bravo", "Alpha"]
    assertContains(response, 'href="?ordering=name"')
    assertContains(response, 'aria-sort="descending"')


def test_pages_keep_the_filters(client_a, kam_a):
    LeadFactory.create_batch(30, owner=kam_a, city="Pune")
    response = client_a.get(LIST, {"city": "Pune", "page": 2})
    assert len(response.context["lead_list"]) == 5
    assertContains(response, 'href="?city=Pune&amp;page=1"')


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus&ordering=xyz&page=abc",
        "page=999",
        "page=-1",
        "owner=abc",
        "due=soon",
        "classification=zzz",
        "archived=maybe",
        "search=" + "x" * 500,
        "ordering=name,-zzz",
        "city=" + "%00",
    ],
)
def test_garbage_in_the_address_is_ignored_and_said_so_never_an_error(client_a, kam_a, query):
    LeadFactory(owner=kam_a, name="Still here")
    response = client_a.get(f"{LIST}?{query}")
    assert response.status_code == 200
    if "page" not in query:
        assertContains(response, "were not understood")


def test_filtering_by_another_teams_kam_is_refused(client_a, kam_a, kam_b):
    LeadFactory(owner=kam_b)
    LeadFactory(owner=kam_a, name="Mine")
    response = client_a.get(LIST, {"owner": kam_b.pk})
    assert _names(response) == ["Mine"]
    assert "owner" in response.context["filter_errors"]


def test_an_empty_list_says_what_to_do(client_a):
    assertContains(client_a.get(LIST), "Add your first restaurant")
    assertContains(client_a.get(LIST, {"city": "Nowhere"}), "No lead matches these filters")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "search=urban",
        "search=urban&status=won",
        "status=won&status=new&city=pune",
        "status=bogus&search=urban",
        "archived=only",
        "archived=all&status=lost",
        "search=98111 22233&status=contacted",
    ],
)
def test_the_lists_length_is_the_selected_chips_sum_and_the_rows_really_there(manager_client, kam_a, teammate, query):
    # The page's count comes from the per-status counts, not a count of its own: it must still be the real one.
    for owner in (kam_a, teammate):
        for status in (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.WON, LeadStatus.WON):
            LeadFactory(owner=owner, status=status, name=f"Urban {status}", city="Pune")
            LeadFactory(owner=owner, status=status, legal_name="Urban Foods", city="Agra")
            LeadFactory(owner=owner, status=status, city="Pune")
        LeadFactory(owner=owner, status=LeadStatus.LOST, lost_reason="Closed", is_archived=True, name="Urban Gone")
    ContactFactory(lead=LeadFactory(owner=kam_a, status=LeadStatus.CONTACTED), phone="+919811122233")
    LeadFactory.create_batch(30, owner=kam_a, status=LeadStatus.WON, city="Pune")
    LeadFactory(name="Urban Elsewhere")

    response = manager_client.get(f"{LIST}?{query}")
    paginator = response.context["page_obj"].paginator
    assert paginator.count == response.context["filter"].qs.count()
    assert paginator.count == len(list(paginator.object_list))
    assert paginator.count > 0


# Pinned: session, user, status counts (which also give the list its length), cities, rows, primary contacts
# (+ the KAM choices for a manager).
QUERIES = {"kam_a": 6, "manager": 7}


@pytest.mark.parametrize("who", ["kam_a", "manager"])
def test_the_list_runs_the_same_queries_for_1_and_10_rows(request, who, kam_a, django_assert_num_queries):
    user = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)
    _row(kam_a)
    with django_assert_num_queries(QUERIES[who]):
        response = client.get(LIST)
    assert len(response.context["lead_list"]) == 1

    for _ in range(9):
        _row(kam_a, status=LeadStatus.CONTACTED)
    with django_assert_num_queries(QUERIES[who]):
        response = client.get(LIST)
    assert len(response.context["lead_list"]) == 10


# --- Create ---------------------------------------------------------------------------------------------------


def _lead_data(**overrides):
    data = {
        "name": "Dosa Plaza",
        "city": "Pune",
        "state": "Maharashtra",
        "country": "IN",
        "source": "referral",
        "time_zone": "Asia/Kolkata",
        "call_frequency_days": "10",
        "closed_weekday": "",
        "window_1_start": "10:00",
        "window_1_end": "12:30",
        "window_2_start": "16:00",
        "window_2_end": "18:00",
    }
    data.update(overrides)
    return data


def test_a_kam_creates_a_lead_they_own(client_a, kam_a):
    form = client_a.get(NEW).context["form"]
    assert "owner" not in form.fields and form.initial["time_zone"] == "Asia/Kolkata"
    assert "status" not in form.fields

    response = client_a.post(NEW, _lead_data(status="won", owner="999"))

    lead = Lead.objects.get()
    assertRedirects(response, lead.get_absolute_url(), fetch_redirect_response=False)
    assert (lead.owner, lead.status, lead.call_frequency_days) == (kam_a, LeadStatus.NEW, 10)
    assert lead.calling_windows == [["10:00", "12:30"], ["16:00", "18:00"]]
    assert lead.next_call_at is not None
    assert LeadStatusChange.objects.filter(lead=lead, to_status="new", changed_by=kam_a).exists()
    assertContains(client_a.get(lead.get_absolute_url()), "Dosa Plaza was added.")


def test_a_lead_can_come_with_its_first_contact(client_a, kam_a):
    client_a.post(NEW, _lead_data(contact_name="Ravi", contact_role="chef", contact_phone="098765 43210"))
    contact = Contact.objects.get()
    assert (contact.name, contact.role, contact.phone.as_e164, contact.is_primary) == (
        "Ravi",
        "chef",
        "+919876543210",
        True,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"city": "  "}, "city", "This field is required."),
        ({"call_frequency_days": "0"}, "call_frequency_days", "Call frequency is 1–365 days."),
        ({"call_frequency_days": "400"}, "call_frequency_days", "Call frequency is 1–365 days."),
        ({"call_frequency_days": "weekly"}, "call_frequency_days", "Give the number of days between calls"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"country": "ZZ"}, "country", "is not a country code"),
        ({"closed_weekday": "9"}, "closed_weekday", "Select a valid choice."),
        ({"window_1_end": "09:00"}, "window_1_end", "must end after it starts"),
        ({"window_2_start": "11:00"}, "window_2_start", "must not overlap"),
        ({"window_2_end": ""}, "window_2_end", "Give both a start and an end time."),
        ({"window_1_start": "25:00"}, "window_1_start", "Enter a valid time."),
        ({"contact_name": "Ravi", "contact_phone": "12345"}, "contact_phone", "Enter a valid phone number"),
        ({"contact_phone": "9876543210"}, "contact_name", "Give the contact's name"),
        ({"contact_name": "Ravi"}, "contact_phone", "Give a phone number or an e-mail address."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_keeps_what_was_typed_and_saves_nothing(client_a, changes, field, message):
    data = _lead_data(legal_name="Kept Pvt Ltd", **changes)
    response = client_a.post(NEW, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assertContains(response, 'value="Kept Pvt Ltd"')
    assert not Lead.objects.exists() and not Contact.objects.exists()


def test_a_manager_gives_the_lead_to_a_team_member_in_their_zone(manager_client, manager, kam_b):
    dubai_kam = UserFactory(role=Role.KAM, manager=manager, time_zone="Asia/Dubai")
    form = manager_client.get(NEW).context["form"]
    owners = set(form.fields["owner"].queryset)
    assert dubai_kam in owners and kam_b not in owners

    refused = manager_client.post(NEW, _lead_data(owner=kam_b.pk))
    assert "owner" in refused.context["form"].errors and not Lead.objects.exists()

    manager_client.post(NEW, _lead_data(owner=dubai_kam.pk, time_zone=""))
    lead = Lead.objects.get()
    assert (lead.owner, lead.time_zone) == (dubai_kam, "Asia/Dubai")


def test_a_manager_who_leaves_the_kam_empty_owns_the_lead(manager_client, manager):
    manager_client.post(NEW, _lead_data(time_zone=""))
    assert Lead.objects.get().owner == manager


def test_a_visible_duplicate_is_named_and_can_be_saved_anyway(client_a, kam_a):
    existing = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    response = client_a.post(NEW, _lead_data(name="dosa plaza"))
    assertContains(response, existing.get_absolute_url())
    assertContains(response, "Save anyway")
    assert Lead.objects.count() == 1

    response = client_a.post(NEW, _lead_data(name="dosa plaza", confirm_duplicates="1"))
    assert response.status_code == 302 and Lead.objects.count() == 2


def test_an_invisible_duplicate_warns_without_a_single_detail(client_a, kam_b):
    theirs = LeadFactory(owner=kam_b, name="Secret Kitchen", city="Pune", legal_name="Hidden Foods")
    ContactFactory(lead=theirs, phone="+919876543210", name="Their Contact")

    response = client_a.post(NEW, _lead_data(name="Fresh Name", contact_name="Ravi", contact_phone="98765 43210"))

    assertContains(response, "Another KAM's account already has this phone number")
    for secret in ("Secret Kitchen", "Hidden Foods", "Their Contact", str(kam_b), f"/leads/{theirs.pk}/"):
        assertNotContains(response, secret)
    assert Lead.objects.count() == 1


# --- Edit -----------------------------------------------------------------------------------------------------


def test_editing_saves_the_details_but_never_the_status(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.CONTACTED, calling_windows=[["09:00", "11:00"]])
    edit = reverse("leads:edit", args=[lead.pk])
    form = client_a.get(edit).context["form"]
    assert form.initial["window_1_start"] == dt.time(9) and "window_2_start" not in form.initial

    response = client_a.post(edit, _lead_data(name="Renamed", status="won", window_2_start="", window_2_end=""))

    assertRedirects(response, lead.get_absolute_url())
    lead.refresh_from_db()
    assert (lead.name, lead.status, lead.calling_windows) == ("Renamed", LeadStatus.CONTACTED, [["10:00", "12:30"]])


def test_a_bad_edit_keeps_the_typing_and_the_saved_lead(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, name="Saved name", call_frequency_days=7)
    response = client_a.post(
        reverse("leads:edit", args=[lead.pk]), _lead_data(name="Typed name", call_frequency_days="0")
    )
    assert "call_frequency_days" in response.context["form"].errors
    assertContains(response, 'value="Typed name"')
    assertContains(response, "Edit Saved name")
    lead.refresh_from_db()
    assert (lead.name, lead.call_frequency_days) == ("Saved name", 7)


def test_renaming_into_a_duplicate_warns(client_a, kam_a):
    LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    lead = LeadFactory(owner=kam_a, name="Other", city="Pune")
    response = client_a.post(reverse("leads:edit", args=[lead.pk]), _lead_data())
    assertContains(response, "the same name in the same city")
    lead.refresh_from_db()
    assert lead.name == "Other"


def test_an_unchanged_name_does_not_warn_again(client_a, kam_a):
    LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    lead = LeadFactory(owner=kam_a, name="Dosa Plaza", city="Pune")
    response = client_a.post(reverse("leads:edit", args=[lead.pk]), _lead_data(segment="Café"))
    assert response.status_code == 302


# --- Status transitions ------------------------------------------------------------------------------------------


def _transition(client, lead, **data):
    return client.post(reverse("leads:transition", args=[lead.pk]), data)


def test_the_page_offers_only_the_allowed_moves(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.NEW)
    response = client_a.get(lead.get_absolute_url())
    assertContains(response, 'name="status" value="contacted"')
    assertContains(response, 'name="status" value="lost"')
    for refused in ("qualified", "negotiation", "won", "new"):
        assertNotContains(response, f'name="status" value="{refused}"')


def test_a_move_is_recorded_and_confirmed(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.NEW)
    response = _transition(client_a, lead, status="contacted")
    assertRedirects(response, lead.get_absolute_url(), fetch_redirect_response=False)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    page = client_a.get(lead.get_absolute_url())
    assertContains(page, "is now contacted")
    assert [(c.from_status, c.to_status, c.changed_by) for c in page.context["status_history"]] == [
        ("new", "contacted", kam_a)
    ]


def test_lost_without_a_reason_shows_the_error_in_place(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.QUALIFIED)
    response = _transition(client_a, lead, status="lost", reason="   ")
    assert response.status_code == 200
    assert response.context["transition_form"].errors["reason"] == ["Say why the lead was lost; it helps the next KAM."]
    assertContains(response, 'class="lost-form" open')
    assertContains(response, "is-invalid")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED


def test_lost_with_a_reason_and_reopening(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.QUALIFIED)
    _transition(client_a, lead, status="lost", reason="Chose a competitor")
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "Chose a competitor")
    page = client_a.get(lead.get_absolute_url())
    assertContains(page, "Chose a competitor")
    assertContains(page, "Reopen as contacted")
    _transition(client_a, lead, status="contacted")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED


def test_a_refused_move_says_why(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.WON)
    response = _transition(client_a, lead, status="lost", reason="Too late")
    assertRedirects(response, lead.get_absolute_url(), fetch_redirect_response=False)
    assertContains(client_a.get(lead.get_absolute_url()), "A won lead cannot change status.")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


def test_an_unknown_status_is_a_form_error_not_a_crash(client_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    response = _transition(client_a, lead, status="bogus")
    assert response.status_code == 200
    assert "status" in response.context["transition_form"].errors


def test_the_transition_url_only_takes_posts(client_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    assert client_a.get(reverse("leads:transition", args=[lead.pk])).status_code == 405


# --- Archive and restore ----------------------------------------------------------------------------------------


def test_archive_asks_first_then_hides_the_lead_and_restore_brings_it_back(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, name="Dosa Plaza")
    archive = reverse("leads:archive", args=[lead.pk])
    assertContains(client_a.get(archive), "Archive Dosa Plaza?")
    lead.refresh_from_db()
    assert not lead.is_archived

    assertRedirects(client_a.post(archive), lead.get_absolute_url(), fetch_redirect_response=False)
    lead.refresh_from_db()
    assert lead.is_archived
    assert _names(client_a.get(LIST)) == []
    assertContains(client_a.get(lead.get_absolute_url()), "hidden from lists and call plans")

    restore = reverse("leads:restore", args=[lead.pk])
    assertContains(client_a.get(restore), "Restore Dosa Plaza?")
    client_a.post(restore)
    lead.refresh_from_db()
    assert not lead.is_archived
    assert _names(client_a.get(LIST)) == ["Dosa Plaza"]


# --- The lead page ------------------------------------------------------------------------------------------------


def test_the_lead_page_shows_times_in_both_zones_when_they_differ(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, time_zone="Asia/Dubai", name="Desert Grill")
    Lead.objects.filter(pk=lead.pk).update(
        last_call_at=dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC),
        next_call_at=dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC),
    )
    response = client_a.get(lead.get_absolute_url())
    # 06:00 UTC is 11:30 in Kolkata (the KAM) and 10:00 in Dubai (the restaurant).
    assertContains(response, "Fri 20 Nov, 11:30")
    assertContains(response, "10:00 UTC+4 at the restaurant")
    assertContains(response, "Fri 27 Nov, 11:30")
    assertContains(response, "Asia/Dubai")
    for panel in ("interactions/_lead_activity.html", "performance/_lead_panel.html", "leads/_lead_audit.html"):
        assertTemplateUsed(response, panel)
    # The History below the fold comes with htmx when scrolled to (the ordering charts too, when there are orders).
    assertContains(response, f'hx-get="/leads/{lead.pk}/history/" hx-trigger="revealed"')


def test_the_lead_page_shows_one_time_when_the_zones_agree(client_a, kam_a):
    lead = LeadFactory(owner=kam_a, time_zone="Asia/Kolkata")
    Lead.objects.filter(pk=lead.pk).update(last_call_at=dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC))
    response = client_a.get(lead.get_absolute_url())
    assertContains(response, "Fri 20 Nov, 11:30")
    assertNotContains(response, "at the restaurant")


def test_the_lead_page_offers_one_tap_call_and_whatsapp_for_the_primary_contact(client_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    ContactFactory(lead=lead, name="Other", phone="+919800000001")
    ContactFactory(lead=lead, name="Ravi", phone="+919876543210", is_primary=True)
    response = client_a.get(lead.get_absolute_url())
    assert response.context["primary_contact"].name == "Ravi"
    assertContains(response, 'href="tel:+919876543210"')
    assertContains(response, 'href="https://wa.me/919876543210"')


def test_sorting_by_a_date_puts_the_empty_ones_last_both_ways(client_a, kam_a):
    soon = LeadFactory(owner=kam_a, name="Soon")
    later = LeadFactory(owner=kam_a, name="Later")
    LeadFactory(owner=kam_a, name="No plan", call_frequency_days=None)
    Lead.objects.filter(pk=soon.pk).update(next_call_at=dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC))
    Lead.objects.filter(pk=later.pk).update(next_call_at=dt.datetime(2026, 12, 25, 5, 0, tzinfo=dt.UTC))
    Lead.objects.filter(name="No plan").update(next_call_at=None)
    assert _names(client_a.get(LIST, {"ordering": "next_call"})) == ["Soon", "Later", "No plan"]
    assert _names(client_a.get(LIST, {"ordering": "-next_call"})) == ["Later", "Soon", "No plan"]


def test_the_due_filter(client_a, kam_a):
    LeadFactory(owner=kam_a, name="Overdue")
    LeadFactory(owner=kam_a, name="Unplanned")
    Lead.objects.filter(name="Overdue").update(next_call_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    Lead.objects.filter(name="Unplanned").update(next_call_at=None)
    assert _names(client_a.get(LIST, {"due": "overdue"})) == ["Overdue"]
    assert _names(client_a.get(LIST, {"due": "none"})) == ["Unplanned"]
