"""The deployment files and production settings: docker-compose.yml, Dockerfile, .env.example, check --deploy, CSP.

There is no Docker engine here, so the compose file and Dockerfile are checked as text: they must run the same
commands as the smoke test (scripts/smoke_test.sh), which CI does run against real PostgreSQL and Redis.
"""

import re
import shlex

import pytest
import yaml

from kam.tests.production import BASE_DIR, run_manage, run_python

APP_SERVICES = ("migrate", "web", "worker", "beat")
BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    return (BASE_DIR / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def smoke_script():
    return (BASE_DIR / "scripts" / "smoke_test.sh").read_text()


def command(service) -> list[str]:
    value = service["command"]
    return value if isinstance(value, list) else shlex.split(value)


def healthcheck(service) -> str:
    return " ".join(service["healthcheck"]["test"])


def test_compose_has_the_five_services_and_a_migrate_job(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["redis"]["image"] == "redis:7"


def test_compose_commands(compose):
    services = compose["services"]
    assert command(services["web"])[:2] == ["gunicorn", "kam.wsgi"]
    assert command(services["worker"])[:4] == ["celery", "-A", "kam", "worker"]
    beat = command(services["beat"])
    assert beat[:4] == ["celery", "-A", "kam", "beat"]
    assert beat[beat.index("--scheduler") + 1] == BEAT_SCHEDULER
    migrate = " ".join(command(services["migrate"]))
    assert "python manage.py migrate --noinput" in migrate
    assert "python manage.py setup_schedule" in migrate


def test_compose_health_checks(compose):
    services = compose["services"]
    assert "/healthz" in healthcheck(services["web"]) or "/readyz" in healthcheck(services["web"])
    assert healthcheck(services["db"]).startswith("CMD pg_isready")
    assert healthcheck(services["redis"]) == "CMD redis-cli ping"
    assert "inspect ping" in healthcheck(services["worker"])


def test_compose_starts_the_app_only_once_its_dependencies_are_ready(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_compose_keeps_the_database_in_a_named_volume(compose):
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_compose_configures_the_app_from_the_env_file(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://kam:${POSTGRES_PASSWORD")
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["image"] == "kam:latest"
        # The secret comes from .env only, never from the compose file itself.
        assert "SECRET_KEY" not in service["environment"]


def test_dockerfile_is_multi_stage_non_root_and_collects_static(dockerfile):
    stages = re.findall(r"^FROM (\S+) AS (\w+)", dockerfile, flags=re.MULTILINE)
    assert [image for image, _ in stages] == ["node:20-slim", "python:3.11-slim"]
    assert "RUN npm ci" in dockerfile
    assert "COPY --from=assets /app/node_modules ./node_modules" in dockerfile
    assert re.search(r"^RUN .*python manage.py collectstatic --noinput$", dockerfile, flags=re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert users == ["kam"]
    # Everything after USER (the CMD) runs as kam; collectstatic ran before it, as root, into the image.
    assert dockerfile.index("USER kam") > dockerfile.index("collectstatic")
    assert dockerfile.index("USER kam") < dockerfile.index('CMD ["gunicorn"')


def test_docker_context_leaves_secrets_and_local_state_out():
    ignored = (BASE_DIR / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".git", ".venv", "node_modules", "db.sqlite3*", "staticfiles"):
        assert entry in ignored


def test_compose_runs_the_commands_the_smoke_test_runs(smoke_script):
    for needle in (
        "manage.py migrate --noinput",
        "manage.py setup_schedule",
        "manage.py collectstatic --noinput",
        "gunicorn kam.wsgi",
        "celery -A kam worker",
        f"celery -A kam beat --loglevel INFO --scheduler {BEAT_SCHEDULER}",
    ):
        assert needle in smoke_script


def test_every_setting_read_from_the_environment_is_documented_in_env_example():
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", (BASE_DIR / "kam" / "settings.py").read_text()))
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert read, "the pattern must find the settings' variables"
    assert read - documented == set()


def test_check_deploy_reports_nothing_with_the_documented_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_notices_a_missing_https_redirect():
    # The same check must fail when a protection is off, or the test above proves nothing.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECURE_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_refuses_to_start_without_a_secret_key():
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_security_settings_and_configurable_hsts():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s\n"
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,\n"
        "  s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SECRET_KEY.startswith('django-insecure')]))\n"
    )
    result = run_python(code, SECURE_HSTS_SECONDS="3600")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[false, true, true, true, 3600, ["HTTP_X_FORWARDED_PROTO", "https"], false]'


def test_ssl_redirect_can_be_left_to_the_proxy():
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"
    result = run_python(code, SECURE_SSL_REDIRECT="0")
    assert result.stdout.strip() == "False"


def test_pages_send_a_content_security_policy_of_our_own_origin(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = dict((directive.split(" ", 1) + [""])[:2] for directive in response["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'"
    # 'self', plus a nonce only when the page rendered an inline script with request.csp_nonce.
    assert policy["script-src"].split()[0] == "'self'"
    assert all(source.startswith("'nonce-") for source in policy["script-src"].split()[1:])
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] + policy["style-src"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_an_inline_script_gets_a_nonce_that_the_policy_allows(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">kam()</script>')

    def view(request):
        return HttpResponse(template.render({}, request))

    request = rf.get("/")
    response = CSPMiddleware(view)(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_security_headers_on_pages(client):
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
