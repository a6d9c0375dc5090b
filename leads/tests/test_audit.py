"""The lead page's History: field changes (who, when, old → new) on the account, its contacts and orders,
the KAM changes, and the handover note for the KAM who has the account now."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contacts.services import contact_create, contact_remove, contact_update
from interactions.services import order_record
from leads.selectors import lead_audit
from leads.services import lead_create, lead_transition, lead_update, leads_reassign

NOW = dt.datetime(2026, 11, 24, 6, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    # Field history is stamped with the clock, and the services here are given dates around NOW: keep the two in
    # step, or a change made "today" sorts after one made on NOW + 1 day once today is past it.
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def lead(kam_a):
    return lead_create(by=kam_a, name="Spice House", city="Pune", call_frequency_days=7, now=NOW - dt.timedelta(days=9))


def changes(entry):
    return [(c.label, c.old, c.new) for c in entry.changes]


def test_field_changes_show_who_and_old_to_new(lead, kam_a, manager, teammate):
    lead_update(lead=lead, by=kam_a, city="Mumbai", call_frequency_days=14)
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory change", now=NOW + dt.timedelta(days=1))

    history = lead_audit(lead=lead)["audit_history"]

    moved, edited, created = history[0], history[1], history[-1]
    assert (moved.subject, moved.action, moved.by) == ("Account", "changed", manager)
    assert changes(moved) == [("KAM", str(kam_a), str(teammate))]
    assert moved.reason == "Reassigned: Territory change"
    assert (edited.by, edited.action) == (kam_a, "changed")
    assert sorted(changes(edited)) == [("Call frequency days", "7", "14"), ("City", "Pune", "Mumbai")]
    assert (created.subject, created.action) == ("Account", "created")


def test_contact_and_order_changes_are_in_the_history(lead, kam_a):
    contact = contact_create(lead=lead, by=kam_a, name="Ramesh Kumar", phone="+919812345678")
    contact_update(contact=contact, by=kam_a, phone="+919800000000")
    order, _ = order_record(lead=lead, by=kam_a, amount=Decimal("1200"), external_ref="PO-1")
    order.amount = Decimal("1250.00")
    order._history_user = kam_a
    order.save()
    contact_remove(contact=contact, by=kam_a)

    history = lead_audit(lead=lead)["audit_history"]
    summary = [(e.subject, e.action) for e in history]
    assert ("Contact Ramesh Kumar", "deleted") in summary and ("Contact Ramesh Kumar", "created") in summary
    phone = next(e for e in history if e.subject == "Contact Ramesh Kumar" and e.action == "changed")
    assert changes(phone) == [("Phone", "+91 98123 45678", "+91 98000 00000")]
    amount = next(e for e in history if e.subject == "Order PO-1")
    assert changes(amount) == [("Amount", "1200.00", "1250.00")]
    # An order's creation is on the activity timeline already; the History lists only edits to it.
    assert ("Order PO-1", "created") not in summary


def test_assignments_and_the_handover_note_for_the_current_kam(lead, manager, kam_a, teammate):
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Leave", handover_note="Owner likes mornings", now=NOW)
    audit = lead_audit(lead=lead)
    assert audit["audit_handover"].handover_note == "Owner likes mornings"
    assert [(a.from_owner, a.to_owner) for a in audit["audit_assignments"]] == [(kam_a, teammate)]

    leads_reassign(leads=[lead], to=kam_a, by=manager, reason="Back from leave", now=NOW + dt.timedelta(days=1))
    audit = lead_audit(lead=lead)
    assert audit["audit_handover"] is None  # the last handover had no note; the older one is history
    assert len(audit["audit_assignments"]) == 2


@pytest.mark.parametrize("edits", [1, 12])
def test_audit_runs_a_fixed_number_of_queries(django_assert_num_queries, lead, kam_a, manager, teammate, edits):
    contact = contact_create(lead=lead, by=kam_a, name="Ramesh Kumar", phone="+919812345678")
    order, _ = order_record(lead=lead, by=kam_a, amount=Decimal("1200"), external_ref="PO-1")
    for i in range(edits):
        lead_update(lead=lead, by=kam_a, segment=f"Segment {i}")
        contact_update(contact=contact, by=kam_a, title=f"Title {i}")
        order.item_count = i + 1
        order.save()
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Leave")
    # Assignments, lead history, contact history, order history, names of people in changed fields.
    with django_assert_num_queries(5):
        audit = lead_audit(lead=lead)
    assert len(audit["audit_history"]) + audit["audit_history_more"] >= 3 * edits


def test_the_lead_page_shows_history_and_handover_to_the_new_kam(lead, manager, kam_a, teammate):
    from django.test import Client

    lead_update(lead=lead, by=kam_a, city="Mumbai")
    lead_transition(lead=lead, to="contacted", by=kam_a)
    leads_reassign(leads=[lead], to=teammate, by=manager, reason="Territory", handover_note="Call after 4pm", now=NOW)
    client = Client()
    client.force_login(teammate)
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "History" in page and "Call after 4pm" in page and 'id="handover-note"' in page
    assert reverse("leads:reassign", args=[lead.pk]) not in page  # a KAM gets no reassign button
    # The rest of the History comes when scrolled to (htmx), or as a page of its own without JavaScript.
    history_url = reverse("leads:history", args=[lead.pk])
    assert f'hx-get="{history_url}" hx-trigger="revealed"' in page and 'id="field-history"' not in page
    fragment = client.get(history_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="field-history"' in fragment
    assert "Pune" in fragment and "Mumbai" in fragment  # old → new
    assert 'id="assignment-history"' in fragment and str(kam_a) in fragment
    whole = client.get(history_url).content.decode()
    assert "<html" in whole and 'id="field-history"' in whole and "Call after 4pm" in whole


def test_a_manager_sees_the_reassign_button(lead, manager_client):
    html = manager_client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert reverse("leads:reassign", args=[lead.pk]) in html
