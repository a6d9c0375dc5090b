"""Issue 14 §5–6: tokens end with the password and at logout; sign-in limits hold against forged addresses and
cannot be turned into a lockout of everyone."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"
TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
LOGOUT_URL = "/api/v1/auth/logout/"


def obtain(client, username="kam_a", password=PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def me(client, access):
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


@pytest.fixture
def kam(kam_a):
    kam_a.set_password(PASSWORD)
    kam_a.save()
    return kam_a


# --- §5 tokens ------------------------------------------------------------------------------------------------------


def test_a_password_change_on_the_page_ends_every_token_issued_before(api_anonymous, kam):
    tokens = obtain(api_anonymous).json()
    page = Client()
    page.force_login(kam)
    changed = page.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "A-new-long-secret-42", "new_password2": "A-new-long-secret-42"},
    )
    assert changed.status_code == 302
    assert me(api_anonymous, tokens["access"]).status_code == 401
    refreshed = api_anonymous.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401
    assert refreshed.json()["error"]["code"] == "password_changed"
    assert me(api_anonymous, obtain(api_anonymous, password="A-new-long-secret-42").json()["access"]).status_code == 200


def test_a_password_reset_ends_every_token_issued_before(api_anonymous, kam):
    tokens = obtain(api_anonymous).json()
    form = SetPasswordForm(kam, {"new_password1": "Reset-secret-4242", "new_password2": "Reset-secret-4242"})
    assert form.is_valid()
    form.save()  # what the password-reset confirmation page (and admin's password form) does
    assert me(api_anonymous, tokens["access"]).status_code == 401
    assert api_anonymous.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_refresh_tokens_rotate_and_the_one_used_is_revoked(api_anonymous, kam):
    first = obtain(api_anonymous).json()["refresh"]
    rotated = api_anonymous.post(REFRESH_URL, {"refresh": first}, format="json").json()
    assert set(rotated) == {"access", "refresh"} and rotated["refresh"] != first
    assert api_anonymous.post(REFRESH_URL, {"refresh": first}, format="json").status_code == 401
    assert api_anonymous.post(REFRESH_URL, {"refresh": rotated["refresh"]}, format="json").status_code == 200


def test_logout_revokes_the_refresh_token(api_anonymous, kam):
    tokens = obtain(api_anonymous).json()
    assert api_anonymous.post(LOGOUT_URL, {"refresh": tokens["refresh"]}, format="json").status_code == 204
    assert api_anonymous.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert api_anonymous.post(LOGOUT_URL, {"refresh": "garbage"}, format="json").status_code == 401


# --- §6 sign-in limits ----------------------------------------------------------------------------------------------


def test_forged_forwarded_addresses_do_not_escape_the_token_rate_limit(settings, api_anonymous, kam):
    """The attack: 30 guesses, each with another X-Forwarded-For, were never throttled. With no trusted proxy the
    header is ignored; with one, only the address our proxy appended counts (the last one)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "5/minute"}}
    settings.AXES_FAILURE_LIMIT = 100  # the rate limit alone is under test here
    for trusted in (0, 1):
        settings.TRUSTED_PROXY_COUNT = trusted
        from kam.api.throttles import throttle_cache

        throttle_cache.clear()
        from django.core.cache import cache

        cache.clear()
        statuses = [
            obtain(api_anonymous, password="wrong", HTTP_X_FORWARDED_FOR=f"10.0.{trusted}.{n}, 203.0.113.7").status_code
            for n in range(30)
        ]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, (trusted, statuses)


def test_behind_a_trusted_proxy_each_real_client_has_its_own_limit(settings, api_anonymous, kam):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "2/minute"}}
    settings.AXES_FAILURE_LIMIT = 100
    one, two = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}, {"HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert [obtain(api_anonymous, password="x", **one).status_code for _ in range(3)] == [401, 401, 429]
    assert obtain(api_anonymous, password="x", **two).status_code == 401  # the proxy's own address is not shared


def test_one_host_cannot_lock_every_kam_out(settings, api_anonymous, kam, teammate):
    """The attack: 5 wrong passwords per username from one host locked each account for everyone for an hour."""
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    teammate.set_password(PASSWORD)
    teammate.save()
    for username in ("kam_a", "teammate"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            obtain(api_anonymous, username, "wrong", **attacker)
        assert obtain(api_anonymous, username, **attacker).status_code == 429  # that pair is locked
    office = {"HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    assert obtain(api_anonymous, "kam_a", **office).status_code == 200
    page = Client()
    assert page.post("/accounts/login/", {"username": "teammate", "password": PASSWORD}, **office).status_code == 302


def test_the_sign_in_page_is_rate_limited_per_address(settings, kam):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"sign_in": "3/minute"}}
    settings.AXES_FAILURE_LIMIT = 100
    page = Client()
    statuses = [
        page.post("/accounts/login/", {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="192.0.2.9").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = page.post("/accounts/login/", {"username": "kam_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts" in refused.content.decode()
    assert 'value="kam_a"' in refused.content.decode()  # what was typed stays
    other = page.post("/accounts/login/", {"username": "kam_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.10")
    assert other.status_code == 302
