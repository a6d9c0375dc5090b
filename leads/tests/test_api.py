"""/api/v1/leads/: the lead list with the page's FilterSet, create, read, edit, archive, restore, transition and
reschedule — through the same services as the pages, within the requester's scope."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kam.tests.factories import UserFactory
from leads.models import Lead, LeadStatus
from leads.tests.factories import LeadFactory
from performance.tests.factories import AccountPerformanceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"


def detail(lead):
    return f"{URL}{lead.pk}/"


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


# --- list ----------------------------------------------------------------------------------------------------


def test_list_is_the_requesters_scope(api_a, api_manager, api_admin, kam_a, teammate, kam_b):
    LeadFactory(owner=kam_a, name="A's")
    LeadFactory(owner=teammate, name="Teammate's")
    LeadFactory(owner=kam_b, name="B's")
    assert names(api_a.get(URL)) == ["A's"]
    assert names(api_manager.get(URL)) == ["A's", "Teammate's"]
    assert names(api_admin.get(URL)) == ["A's", "B's", "Teammate's"]


def test_list_is_paginated(api_a, kam_a):
    LeadFactory.create_batch(3, owner=kam_a)
    body = api_a.get(f"{URL}?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert body["next"].endswith("page=2&page_size=2")
    second = api_a.get(body["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_list_fields(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, name="Spice Route", city="Pune", status=LeadStatus.CONTACTED)
    AccountPerformanceFactory(lead=lead, classification="at_risk")
    row = api_a.get(URL).json()["results"][0]
    assert row["id"] == lead.pk
    assert row["name"] == "Spice Route"
    assert row["city"] == "Pune"
    assert row["status"] == "contacted"
    assert row["owner"] == kam_a.pk
    assert row["time_zone"] == "Asia/Kolkata"
    assert row["call_frequency_days"] == 7
    assert row["allowed_transitions"] == ["qualified", "lost"]
    assert row["classification"] == "at_risk"
    assert {"last_call_at", "next_call_due", "next_call_date"} <= set(row)


def test_filters_status_city_owner_search_ordering(api_manager, kam_a, teammate):
    LeadFactory(owner=kam_a, name="Alpha", city="Pune", status=LeadStatus.NEW)
    LeadFactory(owner=kam_a, name="Bravo", city="Mumbai", status=LeadStatus.WON)
    LeadFactory(owner=teammate, name="Charlie", city="Pune", status=LeadStatus.LOST, lost_reason="price")
    assert names(api_manager.get(f"{URL}?status=new&status=won")) == ["Alpha", "Bravo"]
    assert names(api_manager.get(f"{URL}?city=pune")) == ["Alpha", "Charlie"]
    assert names(api_manager.get(f"{URL}?owner={teammate.pk}")) == ["Charlie"]
    assert names(api_manager.get(f"{URL}?search=brav")) == ["Bravo"]
    ordered = api_manager.get(f"{URL}?ordering=-name").json()["results"]
    assert [row["name"] for row in ordered] == ["Charlie", "Bravo", "Alpha"]


def test_owner_filter_outside_scope_is_400(api_a, kam_b):
    response = api_a.get(f"{URL}?owner={kam_b.pk}")
    assert response.status_code == 400
    assert "owner" in response.json()["error"]["fields"]


def test_due_filter_in_the_users_zone(api_a, kam_a):
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # 17:30 in Kolkata
    LeadFactory(owner=kam_a, name="Overdue", next_call_at=now - dt.timedelta(days=2))
    LeadFactory(owner=kam_a, name="Today", next_call_at=now + dt.timedelta(hours=3))  # 20:30 local
    LeadFactory(owner=kam_a, name="Tomorrow", next_call_at=now + dt.timedelta(hours=8))  # 01:30 local, next day
    LeadFactory(owner=kam_a, name="No plan", next_call_at=None)
    with time_machine.travel(now, tick=False):
        assert names(api_a.get(f"{URL}?due=overdue")) == ["Overdue"]
        assert names(api_a.get(f"{URL}?due=today")) == ["Overdue", "Today"]
        assert names(api_a.get(f"{URL}?due=week")) == ["Overdue", "Today", "Tomorrow"]
        assert names(api_a.get(f"{URL}?due=none")) == ["No plan"]


def test_archived_leads_are_left_out_unless_asked_for(api_a, kam_a):
    LeadFactory(owner=kam_a, name="Active")
    LeadFactory(owner=kam_a, name="Archived", is_archived=True)
    assert names(api_a.get(URL)) == ["Active"]
    assert names(api_a.get(f"{URL}?archived=only")) == ["Archived"]
    assert names(api_a.get(f"{URL}?archived=all")) == ["Active", "Archived"]


def test_list_query_count_does_not_grow_with_rows(api_manager, kam_a, teammate, django_assert_num_queries):
    def count_queries(rows):
        Lead.objects.all().delete()
        for i in range(rows):
            lead = LeadFactory(owner=kam_a if i % 2 else teammate)
            if i % 3 == 0:
                AccountPerformanceFactory(lead=lead)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = api_manager.get(URL)
        assert len(response.json()["results"]) == rows
        return len(queries)

    one, ten = count_queries(1), count_queries(10)
    assert one == ten
    with django_assert_num_queries(one):
        api_manager.get(URL)


# --- create ----------------------------------------------------------------------------------------------------


def test_create_returns_201_with_location(api_a, kam_a):
    body = {
        "name": "Spice Route",
        "city": "Pune",
        "state": "Maharashtra",
        "time_zone": "Asia/Kolkata",
        "call_frequency_days": 14,
        "calling_windows": [["09:30", "11:00"]],
        "closed_weekday": 0,
        "source": "referral",
    }
    response = api_a.post(URL, body, format="json")
    assert response.status_code == 201
    data = response.json()
    lead = Lead.objects.get(pk=data["id"])
    assert response["Location"] == f"http://testserver{detail(lead)}"
    assert lead.owner == kam_a
    assert lead.status == LeadStatus.NEW
    assert lead.calling_windows == [["09:30", "11:00"]]
    assert data["next_call_due"] is not None  # the service planned the first call
    assert lead.status_changes.count() == 1 and lead.assignments.count() == 1


def test_a_manager_may_create_for_a_team_member(api_manager, kam_a):
    response = api_manager.post(URL, {"name": "X", "city": "Pune", "owner": kam_a.pk}, format="json")
    assert response.status_code == 201
    assert Lead.objects.get(pk=response.json()["id"]).owner == kam_a


def test_a_kam_may_not_create_for_someone_else(api_a, teammate, kam_b):
    for other in (teammate, kam_b):
        response = api_a.post(URL, {"name": "X", "city": "Pune", "owner": other.pk}, format="json")
        assert response.status_code == 400
        assert "owner" in response.json()["error"]["fields"]
    assert not Lead.objects.exists()


def test_status_cannot_be_set_on_create(api_a):
    response = api_a.post(URL, {"name": "X", "city": "Pune", "status": "won"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "new"


def test_overlapping_calling_windows_are_400(api_a):
    windows = [["10:00", "12:00"], ["11:00", "13:00"]]
    response = api_a.post(URL, {"name": "X", "city": "Pune", "calling_windows": windows}, format="json")
    assert response.status_code == 400
    assert "overlap" in response.json()["error"]["fields"]["calling_windows"][0]


def test_call_frequency_outside_1_to_365_is_400(api_a):
    for value in (0, 366, -1):
        response = api_a.post(URL, {"name": "X", "city": "Pune", "call_frequency_days": value}, format="json")
        assert response.status_code == 400
        assert "call_frequency_days" in response.json()["error"]["fields"]


# --- read, edit, archive -----------------------------------------------------------------------------------


def test_read(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    response = api_a.get(detail(lead))
    assert response.status_code == 200
    assert response.json()["id"] == lead.pk


def test_patch_edits_through_the_service(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, call_frequency_days=7)
    response = api_a.patch(detail(lead), {"call_frequency_days": 30, "city": "Goa"}, format="json")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.call_frequency_days, lead.city) == (30, "Goa")
    assert response.json()["call_frequency_days"] == 30
    assert lead.history.first().history_user == kam_a


def test_patch_refuses_status_and_owner(api_a, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    response = api_a.patch(detail(lead), {"status": "won", "owner": teammate.pk}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "transition" in fields["status"][0]
    assert "reassign" in fields["owner"][0]
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (LeadStatus.NEW, kam_a)
    # Sending back the values it already has (a GET-modify-PATCH client) is fine.
    same = api_a.patch(detail(lead), {"status": "new", "owner": kam_a.pk, "name": "Renamed"}, format="json")
    assert same.status_code == 200


def test_patch_with_bad_values_is_400_and_changes_nothing(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, name="Before")
    response = api_a.patch(detail(lead), {"name": "After", "time_zone": "Nowhere/City"}, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()["error"]["fields"]
    lead.refresh_from_db()
    assert lead.name == "Before"


def test_delete_archives(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    response = api_a.delete(detail(lead))
    assert response.status_code == 204
    assert response.content == b""
    lead.refresh_from_db()
    assert lead.is_archived and lead.archived_at is not None
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert names(api_a.get(URL)) == []
    assert api_a.get(detail(lead)).json()["is_archived"] is True


def test_restore(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, is_archived=True, archived_at=timezone.now())
    response = api_a.post(f"{detail(lead)}restore/")
    assert response.status_code == 200
    assert response.json()["is_archived"] is False


# --- transition ---------------------------------------------------------------------------------------------


def test_transition(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.NEW)
    response = api_a.post(f"{detail(lead)}transition/", {"status": "contacted", "note": "Spoke"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    change = lead.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "new",
        "contacted",
        kam_a,
        "Spoke",
    )


def test_a_transition_the_pipeline_refuses_is_409(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, status=LeadStatus.NEW)
    response = api_a.post(f"{detail(lead)}transition/", {"status": "won"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_lost_needs_a_reason(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    url = f"{detail(lead)}transition/"
    response = api_a.post(url, {"status": "lost"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    response = api_a.post(url, {"status": "lost", "reason": "Chose a competitor"}, format="json")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.lost_reason == "Chose a competitor"


def test_transition_to_an_unknown_status_is_400(api_a, kam_a):
    lead = LeadFactory(owner=kam_a)
    response = api_a.post(f"{detail(lead)}transition/", {"status": "archived"}, format="json")
    assert response.status_code == 400


# --- reschedule ------------------------------------------------------------------------------------------------


def test_reschedule_moves_the_next_call_to_the_first_window_that_day(api_a, kam_a):
    now = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        lead = LeadFactory(owner=kam_a, call_frequency_days=7, closed_weekday=None, created_at=now)
        response = api_a.post(f"{detail(lead)}reschedule/", {"day": "2026-11-27"}, format="json")
    assert response.status_code == 200
    assert response.json()["next_call_date"] == "2026-11-27"
    assert response.json()["next_call_due"] == "2026-11-27T04:30:00Z"  # 10:00 in Kolkata


def test_reschedule_to_the_past_or_without_a_plan_is_400(api_a, kam_a):
    lead = LeadFactory(owner=kam_a, call_frequency_days=7)
    past = (timezone.now() - dt.timedelta(days=3)).date().isoformat()
    response = api_a.post(f"{detail(lead)}reschedule/", {"day": past}, format="json")
    assert response.status_code == 400
    assert "day" in response.json()["error"]["fields"]
    no_plan = LeadFactory(owner=kam_a, call_frequency_days=None)
    future = (timezone.now() + dt.timedelta(days=3)).date().isoformat()
    assert api_a.post(f"{detail(no_plan)}reschedule/", {"day": future}, format="json").status_code == 400


# --- scope -----------------------------------------------------------------------------------------------------


def test_another_kam_gets_404_on_every_lead_endpoint(api_b, kam_a):
    lead = LeadFactory(owner=kam_a, name="Mine")
    assert api_b.get(detail(lead)).status_code == 404
    assert api_b.patch(detail(lead), {"name": "Stolen"}, format="json").status_code == 404
    assert api_b.delete(detail(lead)).status_code == 404
    for action, body in (
        ("transition", {"status": "contacted"}),
        ("restore", {}),
        ("reschedule", {"day": "2030-01-01"}),
    ):
        assert api_b.post(f"{detail(lead)}{action}/", body, format="json").status_code == 404
    lead.refresh_from_db()
    assert (lead.name, lead.status, lead.is_archived) == ("Mine", LeadStatus.NEW, False)


def test_a_manager_works_on_the_teams_leads_but_not_another_teams(api_manager, kam_a, kam_b):
    own_team = LeadFactory(owner=kam_a)
    other_team = LeadFactory(owner=kam_b)
    assert api_manager.patch(detail(own_team), {"city": "Goa"}, format="json").status_code == 200
    assert api_manager.patch(detail(other_team), {"city": "Goa"}, format="json").status_code == 404


def test_an_inactive_user_sees_nothing(kam_a):
    from rest_framework.test import APIClient

    lead = LeadFactory(owner=kam_a)
    ghost = UserFactory(username="ghost", is_active=False)
    client = APIClient()
    client.force_authenticate(ghost)
    assert client.get(detail(lead)).status_code == 404


# --- reassign ----------------------------------------------------------------------------------------------------


def test_a_manager_reassigns_within_the_team(api_manager, manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    body = {"kam": teammate.pk, "reason": "Territory change", "handover_note": "Prefers WhatsApp"}
    response = api_manager.post(f"{detail(lead)}reassign/", body, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == teammate.pk
    lead.refresh_from_db()
    assert lead.owner == teammate
    assignment = lead.assignments.first()
    assert (assignment.from_owner, assignment.to_owner, assignment.assigned_by) == (kam_a, teammate, manager)
    assert assignment.handover_note == "Prefers WhatsApp"


def test_the_old_kam_loses_access_at_once(api_manager, api_a, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    assert api_a.get(detail(lead)).status_code == 200
    api_manager.post(f"{detail(lead)}reassign/", {"kam": teammate.pk, "reason": "Leave"}, format="json")
    assert api_a.get(detail(lead)).status_code == 404


def test_a_kam_gets_403_on_reassign_whatever_the_id(api_a, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    for url in (f"{detail(lead)}reassign/", f"{URL}999999999/reassign/"):
        response = api_a.post(url, {"kam": teammate.pk, "reason": "Mine now"}, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    lead.refresh_from_db()
    assert lead.owner == kam_a


def test_another_teams_manager_gets_404(kam_a, other_manager, kam_b):
    from rest_framework.test import APIClient

    lead = LeadFactory(owner=kam_a)
    client = APIClient()
    client.force_authenticate(other_manager)
    response = client.post(f"{detail(lead)}reassign/", {"kam": kam_b.pk, "reason": "Grab"}, format="json")
    assert response.status_code == 404


def test_reassign_to_someone_outside_the_team_does_not_exist(api_manager, kam_a, kam_b, manager):
    lead = LeadFactory(owner=kam_a)
    for someone in (kam_b, manager):
        response = api_manager.post(f"{detail(lead)}reassign/", {"kam": someone.pk, "reason": "x"}, format="json")
        assert response.status_code == 400
        assert "does not exist" in response.json()["error"]["fields"]["kam"][0]


def test_reassign_conflicts_are_409(api_manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    same = api_manager.post(f"{detail(lead)}reassign/", {"kam": kam_a.pk, "reason": "x"}, format="json")
    assert same.status_code == 409
    assert same.json()["error"]["code"] == "same_owner"
    teammate.is_active = False
    teammate.save()
    inactive = api_manager.post(f"{detail(lead)}reassign/", {"kam": teammate.pk, "reason": "x"}, format="json")
    assert inactive.status_code == 409
    assert inactive.json()["error"]["code"] == "inactive_owner"


def test_reassign_needs_a_reason(api_manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a)
    response = api_manager.post(f"{detail(lead)}reassign/", {"kam": teammate.pk, "reason": "  "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_an_admin_reassigns_across_teams(api_admin, kam_a, kam_b):
    lead = LeadFactory(owner=kam_a)
    response = api_admin.post(f"{detail(lead)}reassign/", {"kam": kam_b.pk, "reason": "Reorg"}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == kam_b.pk


# --- history -------------------------------------------------------------------------------------------------


def test_history_shows_status_changes_reassignments_and_field_changes(api_manager, manager, kam_a, teammate):
    lead = LeadFactory(owner=kam_a, call_frequency_days=7)
    api_manager.patch(detail(lead), {"call_frequency_days": 14}, format="json")
    api_manager.post(f"{detail(lead)}transition/", {"status": "contacted", "note": "Spoke"}, format="json")
    body = {"kam": teammate.pk, "reason": "Territory change", "handover_note": "Prefers WhatsApp"}
    api_manager.post(f"{detail(lead)}reassign/", body, format="json")

    history = api_manager.get(f"{detail(lead)}history/").json()
    change = history["status_changes"][0]
    assert (change["from_status"], change["to_status"], change["note"]) == ("new", "contacted", "Spoke")
    assert change["changed_by"] == {"id": manager.pk, "name": str(manager)}
    assignment = history["assignments"][0]
    assert (assignment["from_owner"]["id"], assignment["to_owner"]["id"]) == (kam_a.pk, teammate.pk)
    assert assignment["reason"] == "Territory change"
    assert history["handover"]["handover_note"] == "Prefers WhatsApp"
    labels = [c["label"] for entry in history["changes"] for c in entry["changes"]]
    assert any("frequency" in label.lower() for label in labels)


def test_history_of_another_kams_lead_is_404(api_b, kam_a):
    assert api_b.get(f"{detail(LeadFactory(owner=kam_a))}history/").status_code == 404
