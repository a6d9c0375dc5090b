import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from kam.models import Role, User
from kam.tests.factories import UserFactory
from kam.timezones import local_day_bounds, validate_time_zone


@pytest.mark.parametrize(
    ("role", "staff", "superuser"),
    [(Role.KAM, False, False), (Role.MANAGER, True, False), (Role.ADMIN, True, True)],
)
def test_role_alone_decides_staff_and_superuser(db, role, staff, superuser):
    user = UserFactory(role=role)
    assert (user.is_staff, user.is_superuser) == (staff, superuser)


def test_createsuperuser_makes_an_admin(db):
    user = User.objects.create_superuser("root", "root@kam.example", "a-long-password")
    assert user.role == Role.ADMIN and user.is_superuser and user.has_perm("leads.change_lead")


def test_time_zone_must_be_an_iana_name(db):
    validate_time_zone("Asia/Dubai")
    with pytest.raises(ValidationError, match="is not a time zone"):
        validate_time_zone("India/Mumbai")
    user = UserFactory.build(username="tz", time_zone="GMT+5:30")
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "time_zone" in excinfo.value.message_dict


def test_default_time_zone_is_kolkata(db):
    assert User.objects.create_user("fresh").time_zone == "Asia/Kolkata"


def test_a_user_cannot_be_their_own_manager(db):
    user = UserFactory(role=Role.MANAGER)
    user.manager_id = user.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_role_is_checked_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=UserFactory().pk).update(role="boss")


def test_local_day_bounds_follow_daylight_saving():
    import datetime as dt
    from zoneinfo import ZoneInfo

    start, end = local_day_bounds(dt.date(2026, 3, 29), ZoneInfo("Europe/London"))  # clocks go forward
    assert end - start == dt.timedelta(hours=23)


def test_team_of_a_manager(kam_a, teammate, kam_b, manager, admin_user):
    assert set(User.objects.team_of(manager)) == {kam_a, teammate}
    assert set(User.objects.team_of(admin_user)) == {kam_a, teammate, kam_b}


def test_seed_demo_runs_twice_without_duplicating(db):
    from contacts.models import Contact
    from interactions.models import Interaction, Order
    from leads.models import Lead

    def counts():
        return [m.objects.count() for m in (User, Lead, Contact, Interaction, Order)]

    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert first[1] >= 140 and first[4] > 1000
    assert set(User.objects.values_list("time_zone", flat=True)) >= {"Asia/Kolkata", "Asia/Dubai"}
    assert set(Lead.objects.values_list("status", flat=True)) == {
        "new",
        "contacted",
        "qualified",
        "negotiation",
        "won",
        "lost",
    }
