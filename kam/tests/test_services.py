"""Users: the Managers group follows the role; someone leaving hands their accounts on first."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from kam.models import Role, User
from kam.services import MANAGERS_GROUP, user_deactivate, user_sync_role_groups
from kam.tests.factories import UserFactory
from leads.models import Lead, LeadAssignment
from leads.services import ReassignmentNotAllowed
from leads.tests.factories import LeadFactory


def in_managers(user) -> bool:
    return user.groups.filter(name=MANAGERS_GROUP).exists()


def test_role_decides_the_managers_group(kam_a):
    other = Group.objects.create(name="Trainers")
    kam_a.groups.add(other)
    assert not in_managers(kam_a)

    kam_a.role = Role.MANAGER
    kam_a.save()
    user_sync_role_groups(user=kam_a)
    assert in_managers(kam_a)

    kam_a.role = Role.ADMIN
    kam_a.save()
    user_sync_role_groups(user=kam_a)
    assert not in_managers(kam_a) and kam_a.groups.filter(name="Trainers").exists()  # others left alone


def test_the_group_is_rebuilt_if_it_went_missing(manager):
    Group.objects.filter(name=MANAGERS_GROUP).delete()
    user_sync_role_groups(user=manager)
    manager = User.objects.get(pk=manager.pk)  # fresh permission cache
    assert manager.has_perm("leads.reassign_lead") and manager.has_perm("performance.view_accountperformance")


def test_deactivating_someone_who_owns_accounts_is_refused(admin_user, kam_a):
    LeadFactory.create_batch(2, owner=kam_a)
    with pytest.raises(ValidationError) as excinfo:
        user_deactivate(user=kam_a, by=admin_user)
    assert "still owns 2 accounts" in excinfo.value.message_dict["successor"][0]
    assert User.objects.get(pk=kam_a.pk).is_active


def test_deactivating_with_a_successor_hands_everything_on_in_one_step(
    admin_user, kam_a, teammate, django_capture_on_commit_callbacks
):
    leads = LeadFactory.create_batch(3, owner=kam_a)
    archived = LeadFactory(owner=kam_a, is_archived=True)
    with django_capture_on_commit_callbacks(execute=True):
        result = user_deactivate(
            user=kam_a, by=admin_user, successor=teammate, reason="Resigned", handover_note="Good accounts"
        )
    assert result.count == 4
    assert not User.objects.get(pk=kam_a.pk).is_active and not kam_a.is_active
    assert set(Lead.objects.filter(owner=teammate)) == {*leads, archived}
    assert LeadAssignment.objects.filter(from_owner=kam_a, to_owner=teammate, reason="Resigned").count() == 4
    # The person leaving cannot sign in any more, so only the successor is e-mailed.
    assert [m.to for m in mail.outbox] == [[teammate.email]]


def test_deactivating_someone_without_accounts_needs_no_successor(admin_user, kam_a):
    assert user_deactivate(user=kam_a, by=admin_user) is None
    assert not User.objects.get(pk=kam_a.pk).is_active


def test_their_manager_may_deactivate_them_with_a_teammate_as_successor(manager, kam_a, teammate):
    LeadFactory(owner=kam_a)
    user_deactivate(user=kam_a, by=manager, successor=teammate, reason="Resigned")
    assert not User.objects.get(pk=kam_a.pk).is_active


@pytest.mark.parametrize("who", ["kam_a", "teammate", "other_manager"])
def test_only_an_admin_or_their_manager_may_deactivate(request, kam_a, who):
    with pytest.raises(PermissionDenied):
        user_deactivate(user=kam_a, by=request.getfixturevalue(who))
    assert User.objects.get(pk=kam_a.pk).is_active


@pytest.mark.parametrize("successor", ["kam_b", "inactive"])
def test_a_refused_successor_changes_nothing(request, manager, kam_a, successor):
    if successor == "inactive":
        to = UserFactory(role=Role.KAM, manager=manager, is_active=False)
    else:
        to = request.getfixturevalue(successor)
    lead = LeadFactory(owner=kam_a)
    with pytest.raises(ReassignmentNotAllowed):
        user_deactivate(user=kam_a, by=manager, successor=to, reason="Resigned")
    assert User.objects.get(pk=kam_a.pk).is_active
    assert Lead.objects.get(pk=lead.pk).owner == kam_a


def test_nobody_deactivates_themselves_or_hands_to_the_leaver(admin_user, kam_a):
    with pytest.raises(ValidationError):
        user_deactivate(user=admin_user, by=admin_user)
    with pytest.raises(ValidationError):
        user_deactivate(user=kam_a, by=admin_user, successor=kam_a)
