"""Django admin as managers use it: the Managers group, their team's accounts only, reassignment in a minute."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import ContactFactory
from interactions.tests.factories import InteractionFactory, OrderFactory
from kam.models import Role
from kam.services import MANAGER_PERMISSIONS, MANAGERS_GROUP
from kam.tests.factories import UserFactory
from leads.models import Lead, LeadAssignment
from leads.tests.factories import LeadFactory
from performance.models import Classification
from performance.tests.factories import AccountPerformanceFactory

CHANGELIST = reverse("admin:leads_lead_changelist")
REASSIGN = reverse("admin:leads_lead_reassign")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team_leads(kam_a, teammate):
    soon = timezone.now() + dt.timedelta(days=1)
    spice = LeadFactory(owner=kam_a, name="Spice House", city="Pune", next_call_at=soon, next_call_date=soon.date())
    dosa = LeadFactory(owner=kam_a, name="Dosa Corner", city="Chennai")
    tandoor = LeadFactory(owner=teammate, name="Tandoor Table", city="Pune")
    AccountPerformanceFactory(lead=spice, classification=Classification.AT_RISK)
    ContactFactory(lead=spice, phone="+919812345678", is_primary=True)
    return spice, dosa, tandoor


@pytest.fixture
def gulf_lead(kam_b):
    lead = LeadFactory(owner=kam_b, name="Desert Grill", city="Dubai", time_zone="Asia/Dubai", country="AE")
    ContactFactory(lead=lead, phone="+971501234567")
    InteractionFactory(lead=lead)
    OrderFactory(lead=lead)
    AccountPerformanceFactory(lead=lead)
    return lead


def rows(response):
    return {str(lead.name) for lead in response.context["cl"].result_list}


# --- The Managers group ----------------------------------------------------------------------------------------------


def test_managers_group_holds_exactly_what_managers_need(db):
    group = Group.objects.get(name=MANAGERS_GROUP)
    granted = {(p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")}
    assert granted == {(app, codename) for app, codenames in MANAGER_PERMISSIONS.items() for codename in codenames}
    assert not any(app == "kam" for app, _ in granted)  # never users: a manager could make themselves admin


def test_a_manager_has_the_groups_permissions_and_a_kam_none(manager, kam_a):
    assert manager.groups.filter(name=MANAGERS_GROUP).exists()
    assert manager.has_perm("leads.reassign_lead") and manager.has_perm("leads.view_lead")
    assert not manager.has_perm("kam.change_user") and not manager.has_perm("leads.delete_lead")
    assert not kam_a.has_perm("leads.reassign_lead")


def test_a_kam_cannot_open_admin(client_a):
    response = client_a.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- The lead changelist -------------------------------------------------------------------------------------------


def test_a_manager_sees_their_teams_accounts_only(manager_client, team_leads, gulf_lead):
    response = manager_client.get(CHANGELIST)
    assert response.status_code == 200
    assert rows(response) == {"Spice House", "Dosa Corner", "Tandoor Table"}
    html = response.content.decode()
    assert "Desert Grill" not in html and "Dubai" not in html  # nor another team's cities in the filter


def test_an_admin_sees_every_account(admin_client_kam, team_leads, gulf_lead):
    assert rows(admin_client_kam.get(CHANGELIST)) == {"Spice House", "Dosa Corner", "Tandoor Table", "Desert Grill"}


def test_changelist_shows_owner_status_city_class_and_next_due(manager_client, team_leads, kam_a):
    html = manager_client.get(CHANGELIST).content.decode()
    spice = team_leads[0]
    assert str(kam_a) in html and "At risk" in html and "Pune" in html and "New" in html
    assert spice.next_call_date.strftime("%Y") in html


def test_filters_offer_only_the_team(manager_client, team_leads, gulf_lead, kam_a, kam_b):
    response = manager_client.get(CHANGELIST)
    filters = {spec.title: spec for spec in response.context["cl"].filter_specs}
    owners = {label for _value, label in filters["KAM"].lookup_choices}
    assert str(kam_a) in owners and str(kam_b) not in owners
    assert {value for value, _label in filters["city"].lookup_choices} == {"Pune", "Chennai"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"city": "Pune"}, {"Spice House", "Tandoor Table"}),
        ({"class": "at_risk"}, {"Spice House"}),
        ({"class": "none"}, {"Dosa Corner", "Tandoor Table"}),
        ({"status__exact": "new"}, {"Spice House", "Dosa Corner", "Tandoor Table"}),
    ],
)
def test_filters(manager_client, team_leads, params, expected):
    assert rows(manager_client.get(CHANGELIST, params)) == expected


def test_owner_filter(manager_client, team_leads, teammate):
    assert rows(manager_client.get(CHANGELIST, {"owner": teammate.pk})) == {"Tandoor Table"}


@pytest.mark.parametrize("term", ["Spice", "chennai", "98123 45678", "+91 98123-45678", "919812345678"])
def test_search_by_name_city_or_phone_in_any_format(manager_client, team_leads, term):
    expected = {"Dosa Corner"} if term == "chennai" else {"Spice House"}
    assert rows(manager_client.get(CHANGELIST, {"q": term})) == expected


def test_search_never_reaches_another_team(manager_client, team_leads, gulf_lead):
    assert rows(manager_client.get(CHANGELIST, {"q": "971501234567"})) == set()
    assert rows(manager_client.get(CHANGELIST, {"q": "Desert"})) == set()


@pytest.mark.parametrize("count", [1, 10])
def test_changelist_query_count_does_not_grow_with_rows(django_assert_num_queries, manager, kam_a, count):
    for lead in LeadFactory.create_batch(count, owner=kam_a):
        AccountPerformanceFactory(lead=lead)
    client = signed_in(manager)
    client.get(CHANGELIST)  # warm the session and content types
    with django_assert_num_queries(9):
        assert client.get(CHANGELIST).status_code == 200


# --- Another team's account does not exist for a manager --------------------------------------------------------------


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_teams_account_is_out_of_reach(manager_client, gulf_lead, view):
    url = reverse(f"admin:leads_lead_{view}", args=[gulf_lead.pk])
    response = manager_client.get(url)
    assert response.status_code in (302, 403, 404)  # delete: managers may not delete at all
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
    assert "Desert Grill" not in response.content.decode()


def test_another_teams_history_versions_are_out_of_reach(manager_client, gulf_lead):
    version = gulf_lead.history.latest()
    url = reverse("admin:leads_lead_simple_history", args=[gulf_lead.pk, version.history_id])
    assert manager_client.get(url).status_code == 404


def test_manager_cannot_change_another_teams_account(manager_client, gulf_lead):
    url = reverse("admin:leads_lead_change", args=[gulf_lead.pk])
    response = manager_client.post(url, {"name": "Hijacked", "city": "Dubai"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=gulf_lead.pk).name == "Desert Grill"


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:contacts_contact",
        "admin:interactions_interaction",
        "admin:interactions_order",
        "admin:performance_accountperformance",
        "admin:leads_leadassignment",
    ],
)
def test_rows_that_belong_to_an_account_are_scoped_through_it(manager_client, team_leads, gulf_lead, url_name):
    spice = team_leads[0]
    InteractionFactory(lead=spice)
    OrderFactory(lead=spice)
    LeadAssignment.objects.create(lead=spice, to_owner=spice.owner, reason="Created")
    LeadAssignment.objects.create(lead=gulf_lead, to_owner=gulf_lead.owner, reason="Created")
    response = manager_client.get(reverse(f"{url_name}_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown and all(row.lead.owner.manager_id != gulf_lead.owner.manager_id for row in shown)
    other = response.context["cl"].model.objects.filter(lead=gulf_lead).first()
    detail = manager_client.get(reverse(f"{url_name}_change", args=[other.pk]))
    assert detail.status_code == 302  # admin's "does not exist" redirect; nothing of it is shown


def test_contact_history_of_another_team_is_404(manager_client, gulf_lead):
    contact = gulf_lead.contacts.get()
    assert manager_client.get(reverse("admin:contacts_contact_history", args=[contact.pk])).status_code == 404


# --- Editing an account in admin --------------------------------------------------------------------------------------


def test_admin_edits_go_through_the_service_and_never_move_the_owner(manager_client, manager, team_leads, kam_b):
    spice = team_leads[0]
    url = reverse("admin:leads_lead_change", args=[spice.pk])
    form = manager_client.get(url).context["adminform"].form
    assert "owner" not in form.fields and "status" not in form.fields
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(
        {
            "name": "Spice House Indiranagar",
            "calling_windows": '[["10:00", "12:00"]]',
            "closed_weekday": "",
            "owner": kam_b.pk,
            "assignments-TOTAL_FORMS": 0,
            "assignments-INITIAL_FORMS": 0,
            "status_changes-TOTAL_FORMS": 0,
            "status_changes-INITIAL_FORMS": 0,
        }
    )
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data["is_archived"] = ""
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    spice.refresh_from_db()
    assert spice.name == "Spice House Indiranagar" and spice.owner.username == "kam_a"
    assert spice.history.latest().history_user == manager


def test_audit_trail_is_read_only_in_admin(admin_client_kam, team_leads):
    assignment = LeadAssignment.objects.create(lead=team_leads[0], to_owner=team_leads[0].owner, reason="Created")
    assert admin_client_kam.get(reverse("admin:leads_leadassignment_add")).status_code == 403
    response = admin_client_kam.post(
        reverse("admin:leads_leadassignment_change", args=[assignment.pk]), {"reason": "Rewritten"}
    )
    assert response.status_code == 403
    assert LeadAssignment.objects.get(pk=assignment.pk).reason == "Created"


# --- Reassignment: the action, the confirmation page, the change page's button ---------------------------------------


def test_reassign_action_shows_a_confirmation_page(manager_client, team_leads, teammate, kam_b):
    spice, dosa, _ = team_leads
    response = manager_client.post(CHANGELIST, {"action": "reassign_selected", "_selected_action": [spice.pk, dosa.pk]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 accounts" in html and "1 planned call" in html
    assert "Spice House" in html and "Dosa Corner" in html
    choices = set(response.context["form"].fields["to"].queryset)
    assert choices == {teammate}  # the manager's team, minus the current owner; never kam_b
    assert set(response.context["ids"].split(",")) == {str(spice.pk), str(dosa.pk)}
    assert Lead.objects.get(pk=spice.pk).owner.username == "kam_a"  # nothing moved yet


def test_confirming_moves_the_accounts_and_mails_both_kams(
    manager_client, manager, team_leads, kam_a, teammate, django_capture_on_commit_callbacks
):
    spice, dosa, _ = team_leads
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            REASSIGN,
            {
                "ids": f"{spice.pk},{dosa.pk}",
                "to": teammate.pk,
                "reason": "Aarav leaves on Friday",
                "handover_note": "Spice House wants a tasting",
            },
        )
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert set(Lead.objects.filter(owner=teammate).values_list("name", flat=True)) == {
        "Spice House",
        "Dosa Corner",
        "Tandoor Table",
    }
    assignments = LeadAssignment.objects.filter(to_owner=teammate, assigned_by=manager)
    assert assignments.count() == 2 and {a.from_owner for a in assignments} == {kam_a}
    assert {m.to[0] for m in mail.outbox} == {kam_a.email, teammate.email}
    followed = manager_client.get(CHANGELIST)
    assert "Moved 2 accounts (1 planned call) to" in followed.content.decode()


def test_a_refused_reassignment_keeps_the_form(manager_client, team_leads, kam_a, kam_b):
    spice, dosa, _ = team_leads
    response = manager_client.post(
        REASSIGN, {"ids": f"{spice.pk},{dosa.pk}", "to": kam_b.pk, "reason": "Grab", "handover_note": "keep me"}
    )
    assert response.status_code == 200 and "to" in response.context["form"].errors
    assert "keep me" in response.content.decode()
    assert Lead.objects.filter(owner=kam_a).count() == 2


def test_same_owner_is_refused_on_the_form(manager_client, team_leads, teammate):
    spice, _, tandoor = team_leads
    response = manager_client.post(REASSIGN, {"ids": f"{spice.pk},{tandoor.pk}", "to": teammate.pk, "reason": "r"})
    assert response.status_code == 200
    assert "already owns Tandoor Table" in str(response.context["form"].errors["to"])
    assert Lead.objects.get(pk=spice.pk).owner.username == "kam_a"


def test_ids_of_another_team_are_ignored(manager_client, gulf_lead, teammate):
    response = manager_client.post(REASSIGN, {"ids": str(gulf_lead.pk), "to": teammate.pk, "reason": "Grab"})
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert Lead.objects.get(pk=gulf_lead.pk).owner.username == "kam_b"
    assert "Desert Grill" not in manager_client.get(REASSIGN, {"ids": gulf_lead.pk}).content.decode()


def test_change_page_has_a_reassign_button_to_the_same_page(manager_client, team_leads, teammate):
    spice = team_leads[0]
    html = manager_client.get(reverse("admin:leads_lead_change", args=[spice.pk])).content.decode()
    link = f"{REASSIGN}?ids={spice.pk}"
    assert link in html
    page = manager_client.get(link)
    assert page.status_code == 200 and "1 account" in page.content.decode()
    response = manager_client.post(REASSIGN, {"ids": str(spice.pk), "to": teammate.pk, "reason": "Territory"})
    assert response["Location"] == reverse("admin:leads_lead_change", args=[spice.pk])
    assert Lead.objects.get(pk=spice.pk).owner == teammate


def test_an_admin_reassigns_across_teams(admin_client_kam, team_leads, kam_b):
    spice = team_leads[0]
    page = admin_client_kam.get(REASSIGN, {"ids": spice.pk})
    assert kam_b in set(page.context["form"].fields["to"].queryset)
    admin_client_kam.post(REASSIGN, {"ids": str(spice.pk), "to": kam_b.pk, "reason": "Moved to the Gulf"})
    assert Lead.objects.get(pk=spice.pk).owner == kam_b


def test_without_the_permission_there_is_no_reassign(db, manager, team_leads, teammate):
    manager.groups.clear()
    client = signed_in(manager)
    assert client.get(REASSIGN, {"ids": team_leads[0].pk}).status_code == 403
    client.post(REASSIGN, {"ids": str(team_leads[0].pk), "to": teammate.pk, "reason": "r"})
    assert Lead.objects.get(pk=team_leads[0].pk).owner.username == "kam_a"


def test_history_in_admin_shows_who_moved_it(manager_client, manager, team_leads, teammate):
    spice = team_leads[0]
    manager_client.post(REASSIGN, {"ids": str(spice.pk), "to": teammate.pk, "reason": "Territory"})
    response = manager_client.get(reverse("admin:leads_lead_history", args=[spice.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reassigned: Territory" in html and str(manager) in html


def test_a_manager_with_many_accounts_moves_them_in_one_go(manager_client, kam_a, teammate):
    LeadFactory.create_batch(120, owner=kam_a)
    page = manager_client.post(
        CHANGELIST, {"action": "reassign_selected", "select_across": 1, "_selected_action": [0], "index": 0}
    )
    assert page.status_code == 200 and "120 accounts" in page.content.decode()
    response = manager_client.post(REASSIGN, {"ids": page.context["ids"], "to": teammate.pk, "reason": "Leaving"})
    assert response.status_code == 302
    assert Lead.objects.filter(owner=teammate).count() == 120


def test_another_managers_kam_is_not_offered_as_new_owner(db, other_manager, kam_a, kam_b):
    UserFactory(role=Role.KAM, manager=other_manager, username="gulf_two")
    lead = LeadFactory(owner=kam_b)
    client = signed_in(other_manager)
    page = client.get(REASSIGN, {"ids": lead.pk})
    assert {u.username for u in page.context["form"].fields["to"].queryset} == {"gulf_two"}
