"""Sign-in, password change and the layout around every page."""

from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects


def test_pages_need_a_sign_in(client, db):
    response = client.get(reverse("leads:list"))
    assertRedirects(response, f"{reverse('login')}?next=/leads/")
    assertContains(client.get(reverse("login")), "Sign in")


def test_sign_in_leads_to_the_work(client, kam_a):
    response = client.post(reverse("login"), {"username": "kam_a", "password": "pass-for-tests"})
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)


def test_password_change(client_a, kam_a):
    url = reverse("password_change")
    assertContains(client_a.get(url), "Change password")

    wrong = client_a.post(url, {"old_password": "nope", "new_password1": "a-new-long-pass-42", "new_password2": "x"})
    assert wrong.status_code == 200
    assert "old_password" in wrong.context["form"].errors and "new_password2" in wrong.context["form"].errors

    response = client_a.post(
        url,
        {
            "old_password": "pass-for-tests",
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assertRedirects(response, reverse("password_change_done"))
    kam_a.refresh_from_db()
    assert kam_a.check_password("a-new-long-pass-42")


def test_the_layout_names_the_users_zone_and_shows_admin_to_staff_only(client_a, manager_client, kam_b):
    page = client_a.get(reverse("leads:list"))
    assertContains(page, "Times are shown in your zone, Asia/Kolkata (IST)")
    assertNotContains(page, reverse("admin:index"))
    assertContains(manager_client.get(reverse("leads:list")), reverse("admin:index"))

    from django.test import Client

    dubai = Client()
    dubai.force_login(kam_b)
    assertContains(dubai.get(reverse("leads:list")), "Asia/Dubai (UTC+4)")


def test_the_404_page_reveals_nothing(client_b, kam_a):
    from leads.tests.factories import LeadFactory

    lead = LeadFactory(owner=kam_a, name="Secret Kitchen")
    response = client_b.get(lead.get_absolute_url())
    assert response.status_code == 404
    assertNotContains(response, "Secret Kitchen", status_code=404)
