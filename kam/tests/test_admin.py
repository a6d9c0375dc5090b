"""The User admin: role groups on save, deactivation refused while accounts remain, and the one-step handover."""

import pytest
from django.core import mail
from django.urls import reverse

from kam.models import Role, User
from kam.services import MANAGERS_GROUP
from leads.models import Lead
from leads.tests.factories import LeadFactory

CHANGELIST = reverse("admin:kam_user_changelist")
DEACTIVATE = reverse("admin:kam_user_deactivate")


def change_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "time_zone": user.time_zone,
        "role": user.role,
        "manager": user.manager_id or "",
        "is_active": "on" if user.is_active else "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_managers_cannot_open_the_user_admin(manager_client, kam_a):
    assert manager_client.get(CHANGELIST).status_code == 403
    assert manager_client.get(reverse("admin:kam_user_change", args=[kam_a.pk])).status_code == 403
    assert manager_client.post(DEACTIVATE, {"ids": str(kam_a.pk), "reason": "x"}).status_code == 403
    assert User.objects.get(pk=kam_a.pk).is_active


def test_saving_a_role_puts_the_user_in_the_right_group(admin_client_kam, kam_a):
    url = reverse("admin:kam_user_change", args=[kam_a.pk])
    response = admin_client_kam.post(url, change_data(kam_a, role=Role.MANAGER, manager=""))
    assert response.status_code == 302
    assert kam_a.groups.filter(name=MANAGERS_GROUP).exists()

    response = admin_client_kam.post(url, change_data(User.objects.get(pk=kam_a.pk), role=Role.KAM))
    assert response.status_code == 302
    assert not kam_a.groups.filter(name=MANAGERS_GROUP).exists()


def test_unticking_active_is_refused_while_they_own_accounts(admin_client_kam, kam_a):
    LeadFactory.create_batch(3, owner=kam_a)
    url = reverse("admin:kam_user_change", args=[kam_a.pk])
    response = admin_client_kam.post(url, change_data(kam_a, is_active="", first_name="Renamed"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["is_active"]
    assert "still owns 3 accounts" in errors[0] and "Deactivate and hand accounts to" in errors[0]
    fresh = User.objects.get(pk=kam_a.pk)
    assert fresh.is_active and fresh.first_name != "Renamed"


def test_unticking_active_works_once_they_own_nothing(admin_client_kam, kam_a):
    url = reverse("admin:kam_user_change", args=[kam_a.pk])
    response = admin_client_kam.post(url, change_data(kam_a, is_active=""))
    assert response.status_code == 302
    assert not User.objects.get(pk=kam_a.pk).is_active


def test_deactivate_and_hand_accounts_to_in_one_step(
    admin_client_kam, kam_a, teammate, django_capture_on_commit_callbacks
):
    soon = LeadFactory.create_batch(2, owner=kam_a)
    Lead.objects.filter(pk=soon[0].pk).update(next_call_date="2026-12-01", next_call_at="2026-12-01T05:00Z")
    page = admin_client_kam.post(CHANGELIST, {"action": "deactivate_with_successor", "_selected_action": [kam_a.pk]})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 accounts" in html and "1 with a planned call" in html
    assert kam_a not in set(page.context["form"].fields["successor"].queryset)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_kam.post(
            DEACTIVATE,
            {"ids": page.context["ids"], "successor": teammate.pk, "reason": "Resigned", "handover_note": "All good"},
        )
    assert response.status_code == 302
    assert not User.objects.get(pk=kam_a.pk).is_active
    assert Lead.objects.filter(owner=teammate).count() == 2
    assert [m.to for m in mail.outbox] == [[teammate.email]]
    assert "handed to" in admin_client_kam.get(CHANGELIST).content.decode()


def test_the_one_step_handover_needs_a_successor_when_there_are_accounts(admin_client_kam, kam_a):
    LeadFactory(owner=kam_a)
    response = admin_client_kam.post(DEACTIVATE, {"ids": str(kam_a.pk), "successor": "", "reason": "Resigned"})
    assert response.status_code == 200
    assert "still owns 1 account" in str(response.context["form"].errors["successor"])
    assert User.objects.get(pk=kam_a.pk).is_active


@pytest.mark.parametrize("leaving", [1, 2])
def test_several_people_can_leave_together(admin_client_kam, kam_a, teammate, kam_b, leaving):
    LeadFactory(owner=kam_a)
    LeadFactory(owner=teammate)
    ids = [kam_a.pk, teammate.pk][:leaving]
    # kam_b is in another team, but an admin may choose any active KAM.
    response = admin_client_kam.post(
        DEACTIVATE, {"ids": ",".join(map(str, ids)), "successor": kam_b.pk, "reason": "Team closed"}
    )
    assert response.status_code == 302
    assert User.objects.filter(pk__in=ids, is_active=False).count() == leaving
    assert Lead.objects.filter(owner=kam_b).count() == leaving


def test_someone_inactive_is_never_a_successor(admin_client_kam, kam_a, teammate):
    User.objects.filter(pk=teammate.pk).update(is_active=False)
    LeadFactory(owner=kam_a)
    page = admin_client_kam.get(DEACTIVATE, {"ids": kam_a.pk})
    assert teammate not in set(page.context["form"].fields["successor"].queryset)
    response = admin_client_kam.post(DEACTIVATE, {"ids": str(kam_a.pk), "successor": teammate.pk, "reason": "x"})
    assert "successor" in response.context["form"].errors
    assert User.objects.get(pk=kam_a.pk).is_active
