import pytest
from django.urls import reverse

from performance.models import AccountPerformance, PerformancePolicy
from performance.tests.factories import place_orders, won_account
from performance.tests.shapes import NOW, SHAPES

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:performance_performancepolicy_changelist")


def policy_form(**changes) -> dict:
    data = {f.name: getattr(PerformancePolicy(), f.name) for f in PerformancePolicy._meta.fields if f.editable}
    data.pop("id", None)
    data.pop("updated_by", None)
    data.update(changes)
    return data


def test_the_policy_list_opens_the_one_policy(admin_client_kam):
    response = admin_client_kam.get(CHANGELIST)
    assert response.status_code == 302 and response.url == reverse("admin:performance_performancepolicy_add")
    PerformancePolicy.objects.create()
    response = admin_client_kam.get(CHANGELIST)
    assert response.url == reverse("admin:performance_performancepolicy_change", args=[1])
    assert admin_client_kam.get(response.url).status_code == 200
    assert admin_client_kam.get(reverse("admin:performance_performancepolicy_add")).status_code == 403


def test_an_admin_changes_the_policy_and_every_account_is_recomputed(
    admin_client_kam, admin_user, kam_a, django_capture_on_commit_callbacks
):
    lead = won_account(owner=kam_a, now=NOW)
    place_orders(lead, SHAPES["steady"], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_kam.post(
            reverse("admin:performance_performancepolicy_add"), policy_form(lapsed_days=200), follow=True
        )
    assert response.status_code == 200
    policy = PerformancePolicy.current()
    assert (policy.pk, policy.lapsed_days, policy.updated_by) == (1, 200, admin_user)
    assert AccountPerformance.objects.filter(lead=lead).exists()
    assert "recomputed with the new policy" in response.content.decode()


def test_weights_that_do_not_add_up_are_refused_next_to_the_field(admin_client_kam):
    response = admin_client_kam.post(
        reverse("admin:performance_performancepolicy_add"), policy_form(weight_gap=50, steady_min_score=90)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["weight_gap"] == ["The five weights must add up to 100; they add up to 115."]
    assert "steady_min_score" in errors
    assert not PerformancePolicy.objects.exists()


def test_a_manager_cannot_change_the_policy(manager_client):
    assert manager_client.get(CHANGELIST).status_code in (302, 403)
    assert manager_client.post(reverse("admin:performance_performancepolicy_add"), policy_form()).status_code in (
        302,
        403,
    )
    assert not PerformancePolicy.objects.exists()


def test_a_manager_sees_only_the_teams_performance_rows_in_admin(manager_client, kam_a, kam_b):
    from leads.tests.factories import LeadFactory
    from performance.tests.factories import AccountPerformanceFactory

    AccountPerformanceFactory(lead=LeadFactory(owner=kam_a, name="Team account"))
    other = AccountPerformanceFactory(lead=LeadFactory(owner=kam_b, name="Other team account"))
    response = manager_client.get(reverse("admin:performance_accountperformance_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Team account" in html and "Other team account" not in html
    detail = reverse("admin:performance_accountperformance_change", args=[other.pk])
    assert manager_client.get(detail).status_code in (302, 404)
