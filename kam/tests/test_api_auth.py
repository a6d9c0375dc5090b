"""JWT sign-in and refresh, /me/, throttling per user, per anonymous client and on the token endpoint, and
django-axes lockout on the UI login and the token endpoint alike."""

import pytest
from axes.models import AccessAttempt

from kam.models import Role
from kam.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"
TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"


def obtain(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def test_obtain_use_and_refresh_a_token(api_anonymous, kam_a):
    response = obtain(api_anonymous, "kam_a")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    me = api_anonymous.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200
    assert me.json()["username"] == "kam_a"

    refreshed = api_anonymous.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    again = api_anonymous.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert again.status_code == 200


def test_wrong_password_is_401(api_anonymous, kam_a):
    response = obtain(api_anonymous, "kam_a", "wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "no_active_account"


def test_missing_credentials_are_400(api_anonymous):
    response = api_anonymous.post(TOKEN_URL, {"username": "kam_a"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_an_access_token_cannot_refresh_and_garbage_is_401(api_anonymous, kam_a):
    access = obtain(api_anonymous, "kam_a").json()["access"]
    assert api_anonymous.post(REFRESH_URL, {"refresh": access}, format="json").status_code == 401
    response = api_anonymous.post(REFRESH_URL, {"refresh": "garbage"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_a_deactivated_users_token_stops_working(api_anonymous, kam_a):
    access = obtain(api_anonymous, "kam_a").json()["access"]
    kam_a.is_active = False
    kam_a.save()
    assert api_anonymous.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


def test_session_authentication_works_too(client_a):
    response = client_a.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "kam_a"


def test_me_for_a_kam(api_a, kam_a, manager):
    body = api_a.get("/api/v1/me/").json()
    assert body["role"] == Role.KAM
    assert body["time_zone"] == "Asia/Kolkata"
    assert body["manager"] == manager.pk
    assert body["team"] == []


def test_me_for_a_manager_lists_the_team(api_manager, kam_a, teammate, kam_b):
    body = api_manager.get("/api/v1/me/").json()
    assert body["role"] == Role.MANAGER
    assert [member["username"] for member in body["team"]] == ["kam_a", "teammate"]


def test_me_is_read_only(api_a):
    assert api_a.patch("/api/v1/me/", {"role": "admin"}, format="json").status_code == 405


# --- throttling --------------------------------------------------------------------------------------------


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "2/minute", "token": "2/minute"},
    }


def test_users_are_throttled_each_on_their_own(tight_rates, api_a, api_b):
    for _ in range(3):
        assert api_a.get("/api/v1/me/").status_code == 200
    response = api_a.get("/api/v1/me/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another user has their own allowance.
    assert api_b.get("/api/v1/me/").status_code == 200


def test_anonymous_clients_are_throttled(tight_rates, api_anonymous):
    assert api_anonymous.get("/api/v1/leads/").status_code == 401
    assert api_anonymous.get("/api/schema/").status_code == 200
    response = api_anonymous.get("/api/v1/leads/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_anonymous_clients_are_told_apart_by_address(tight_rates, api_anonymous):
    for _ in range(2):
        api_anonymous.get("/api/v1/leads/")
    assert api_anonymous.get("/api/v1/leads/").status_code == 429
    assert api_anonymous.get("/api/v1/leads/", REMOTE_ADDR="10.1.2.3").status_code == 401


def test_the_token_endpoint_has_its_own_stricter_rate(settings, api_anonymous, kam_a):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100/minute", "anon": "100/minute", "token": "2/minute"},
    }
    assert obtain(api_anonymous, "kam_a").status_code == 200
    assert obtain(api_anonymous, "kam_a").status_code == 200
    response = obtain(api_anonymous, "kam_a")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # The refresh endpoint counts against the same allowance.
    assert api_anonymous.post(REFRESH_URL, {"refresh": "x"}, format="json").status_code == 429
    # Other anonymous endpoints are not affected.
    assert api_anonymous.get("/api/schema/").status_code == 200


def test_default_rates_have_a_stricter_token_scope(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    def per_minute(rate):
        count, period = rate.split("/")
        return int(count) * {"second": 60, "minute": 1, "hour": 1 / 60, "day": 1 / 1440}[period]

    assert per_minute(rates["token"]) < per_minute(rates["anon"]) < per_minute(rates["user"])


# --- axes lockout --------------------------------------------------------------------------------------------


def test_token_endpoint_locks_the_account_after_repeated_failures(settings, api_anonymous, kam_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert obtain(api_anonymous, "kam_a", "wrong").status_code == 401
    locked = obtain(api_anonymous, "kam_a", "wrong")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert int(locked["Retry-After"]) == 3600
    # Even the right password is refused now from that address; the owner elsewhere is not locked out (issue 14:
    # lockouts are per username and address, so one host cannot lock a KAM out of their account).
    again = obtain(api_anonymous, "kam_a")
    assert again.status_code == 429
    assert again.json()["error"]["code"] == "locked_out"
    assert obtain(api_anonymous, "kam_a", REMOTE_ADDR="10.9.9.9").status_code == 200
    assert sum(a.failures_since_start for a in AccessAttempt.objects.filter(username="kam_a")) >= limit
    # Other accounts are not locked (a shared office address must not lock everyone out).
    UserFactory(username="someone_else")
    assert obtain(api_anonymous, "someone_else").status_code == 200


def test_ui_login_locks_the_account_after_repeated_failures(settings, client, kam_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = client.post("/accounts/login/", {"username": "kam_a", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    assert client.post("/accounts/login/", {"username": "kam_a", "password": "wrong"}).status_code == 429
    response = client.post("/accounts/login/", {"username": "kam_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_the_ui_and_the_api_add_up(settings, client, api_anonymous, kam_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        client.post("/accounts/login/", {"username": "kam_a", "password": "wrong"})
    assert obtain(api_anonymous, "kam_a", "wrong").status_code == 429
    assert obtain(api_anonymous, "kam_a").status_code == 429


def test_a_success_resets_the_failure_count_and_records_the_sign_in(settings, api_anonymous, kam_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        obtain(api_anonymous, "kam_a", "wrong")
    assert obtain(api_anonymous, "kam_a").status_code == 200
    kam_a.refresh_from_db()
    assert kam_a.last_login is not None
    for _ in range(limit - 1):
        assert obtain(api_anonymous, "kam_a", "wrong").status_code == 401


@pytest.mark.redis
def test_throttle_counters_live_in_the_shared_cache_redis_in_production(settings, api_a, kam_a):
    """With the Redis cache (what REDIS_URL selects), the count is shared: a second process would see it."""
    import uuid

    import redis

    prefix = f"throttle-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.TEST_REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/minute", "anon": "2/minute", "token": "2/minute"},
    }
    assert api_a.get("/api/v1/me/").status_code == 200
    assert api_a.get("/api/v1/me/").status_code == 200
    assert api_a.get("/api/v1/me/").status_code == 429
    keys = redis.Redis.from_url(settings.TEST_REDIS_URL).keys(f"{prefix}:*")
    assert any(f"throttle_user_{kam_a.pk}".encode() in key for key in keys)
