#!/usr/bin/env bash
# Production smoke test: the stack of docker-compose.yml, run with the same commands on this machine's PostgreSQL
# and Redis, with DEBUG off and production settings. Checks the login page over "HTTPS" (X-Forwarded-Proto, as
# behind the proxy), /readyz, static files through whitenoise, a task round trip through a real Celery worker,
# beat loading the schedule from the database, and JSON logs. Stops everything it started, even on failure.
#
#   bash scripts/smoke_test.sh
#   SMOKE_PORT=8106 SMOKE_DB=kam_smoke SMOKE_REDIS_URL=redis://127.0.0.1:6379/14 bash scripts/smoke_test.sh
#
# The database SMOKE_DB is dropped and created afresh (migrations run from zero); SMOKE_REDIS_URL's database is
# flushed. Give each concurrent run its own port, database and Redis database number.
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE_PORT="${SMOKE_PORT:-8106}"
SMOKE_DB="${SMOKE_DB:-kam_smoke}"
SMOKE_REDIS_URL="${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/14}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
HOST_NAME="kam.smoke.test"
BASE_URL="http://127.0.0.1:${SMOKE_PORT}"
VENV_BIN="$(pwd)/.venv/bin"
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/kam-smoke.XXXXXX")"

# Use the project's virtualenv as `python`, `gunicorn` and `celery`: the commands below read like the compose file.
export PATH="${VENV_BIN}:${PATH}"
unset DJANGO_SETTINGS_MODULE CELERY_BROKER_URL CELERY_RESULT_BACKEND CELERY_TASK_ALWAYS_EAGER \
  STATICFILES_BACKEND SECURE_HSTS_SECONDS LOG_JSON 2>/dev/null || true
export DJANGO_SETTINGS_MODULE=kam.settings
export ENV_FILE=/nonexistent/.env  # a developer's .env must not change what is tested
export DEBUG=0
SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY
export ALLOWED_HOSTS="${HOST_NAME},127.0.0.1"
export CSRF_TRUSTED_ORIGINS="https://${HOST_NAME}"
export SITE_URL="https://${HOST_NAME}"
export SECURE_SSL_REDIRECT=1
export DATABASE_URL="postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${SMOKE_DB}"
export REDIS_URL="${SMOKE_REDIS_URL}"
export STATIC_ROOT="${LOGS}/static"
export LOG_LEVEL=INFO
export PYTHONUNBUFFERED=1

PIDS=()
STEP="starting"

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    # Each process leads its own process group (setsid): TERM reaches gunicorn's and Celery's children too.
    kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
  done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "${pid}" 2>/dev/null && alive=1; done
    [ "${alive}" = 0 ] && break
    sleep 0.25
  done
  for pid in "${PIDS[@]}"; do
    kill -KILL -- "-${pid}" 2>/dev/null || kill -KILL "${pid}" 2>/dev/null || true
  done
  if [ "${status}" != 0 ]; then
    echo "SMOKE TEST FAILED during: ${STEP}" >&2
    for log in "${LOGS}"/*.log; do
      [ -f "${log}" ] || continue
      echo "----- last lines of $(basename "${log}") -----" >&2
      tail -n 25 "${log}" >&2
    done
    echo "Full logs kept in ${LOGS}" >&2
  else
    rm -rf "${LOGS}"
  fi
  exit "${status}"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

fail() {
  echo "SMOKE TEST FAILED: $*" >&2
  exit 1
}

start() {  # start NAME COMMAND...: in the background, in its own process group, output to $LOGS/NAME.log
  local name=$1
  shift
  setsid "$@" >"${LOGS}/${name}.log" 2>&1 &
  PIDS+=("$!")
  echo "  started ${name} (pid $!)"
}

alive_or_fail() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -0 "${pid}" 2>/dev/null || fail "a background process (pid ${pid}) exited early; see the logs below"
  done
}

http_status() {  # http_status PATH [curl options...]
  local path=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Host: ${HOST_NAME}" "$@" "${BASE_URL}${path}"
}

echo "Smoke test: port ${SMOKE_PORT}, database ${SMOKE_DB}, Redis ${SMOKE_REDIS_URL}, logs in ${LOGS}"

STEP="checking PostgreSQL and Redis"
pg_isready -h "${PG_HOST}" -p "${PG_PORT}" -q || fail "PostgreSQL is not answering on ${PG_HOST}:${PG_PORT}"
[ "$(redis-cli -u "${SMOKE_REDIS_URL}" ping 2>/dev/null)" = "PONG" ] || fail "Redis is not answering at ${SMOKE_REDIS_URL}"
python - "${SMOKE_PORT}" <<'PY' || fail "port ${SMOKE_PORT} is in use: set SMOKE_PORT to a free port"
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does: TIME_WAIT leftovers are fine
    s.bind(("127.0.0.1", int(sys.argv[1])))
PY

STEP="creating a fresh database ${SMOKE_DB}"
psql -h "${PG_HOST}" -p "${PG_PORT}" -U "${PG_USER}" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS ${SMOKE_DB} WITH (FORCE)"
psql -h "${PG_HOST}" -p "${PG_PORT}" -U "${PG_USER}" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE ${SMOKE_DB}"
redis-cli -u "${SMOKE_REDIS_URL}" flushdb >/dev/null

STEP="check --deploy"
python manage.py check --deploy --fail-level WARNING

STEP="migrate, setup_schedule, collectstatic"
python manage.py migrate --noinput >"${LOGS}/migrate.log" 2>&1 || fail "migrate failed (see ${LOGS}/migrate.log)"
python manage.py setup_schedule
python manage.py collectstatic --noinput >"${LOGS}/collectstatic.log" 2>&1 || fail "collectstatic failed"

STEP="starting gunicorn, a Celery worker and celery beat"
start web gunicorn kam.wsgi --bind "127.0.0.1:${SMOKE_PORT}" --workers 2 --no-control-socket
start worker celery -A kam worker --loglevel INFO --concurrency 1 --hostname "smoke-$$@%h"
# Beat at DEBUG level prints the schedule it loaded from the database.
start beat env LOG_LEVEL=DEBUG celery -A kam beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

STEP="waiting for gunicorn"
for _ in $(seq 1 60); do
  alive_or_fail
  [ "$(http_status /healthz)" = 200 ] && break
  sleep 0.5
done
[ "$(http_status /healthz)" = 200 ] || fail "/healthz did not answer 200 within 30 s"
PORT="${SMOKE_PORT}" python scripts/healthcheck.py /healthz >/dev/null || fail "the container health check script failed"
echo "ok   /healthz 200 (and scripts/healthcheck.py)"

STEP="the login page"
status=$(http_status /accounts/login/)
[ "${status}" = 301 ] || fail "plain HTTP to the login page should redirect to HTTPS, got ${status}"
REQUEST_ID="smoke-$$-${RANDOM}"
curl -s --max-time 10 -D "${LOGS}/login.headers" -o "${LOGS}/login.html" -H "Host: ${HOST_NAME}" \
  -H "X-Forwarded-Proto: https" -H "X-Request-ID: ${REQUEST_ID}" "${BASE_URL}/accounts/login/"
head -n 1 "${LOGS}/login.headers" | grep -q " 200" || fail "login page: $(head -n 1 "${LOGS}/login.headers")"
grep -q "Sign in" "${LOGS}/login.html" || fail "login page has no sign-in form"
for header in "content-security-policy: .*default-src 'self'" "strict-transport-security: max-age=" \
  "x-request-id: ${REQUEST_ID}" "set-cookie: csrftoken=.*; secure"; do
  grep -qi "^${header}" "${LOGS}/login.headers" || fail "login page lacks the header: ${header}"
done
echo "ok   login page 200 over HTTPS (301 over HTTP), CSP, HSTS, secure cookie, request id"

STEP="/readyz"
readyz=$(curl -s --max-time 10 -H "Host: ${HOST_NAME}" "${BASE_URL}/readyz")
[ "$(http_status /readyz)" = 200 ] || fail "/readyz is not 200: ${readyz}"
[ "${readyz}" = '{"status": "ok", "checks": {"database": "ok", "redis": "ok"}}' ] || fail "/readyz said ${readyz}"
echo "ok   /readyz ${readyz}"

STEP="static files"
# Every stylesheet and script the page links (hashed names from the manifest), plus the plain names.
mapfile -t assets < <(grep -oE '(href|src)="/static/[^"]+"' "${LOGS}/login.html" | sed -E 's/^(href|src)="//; s/"$//')
[ "${#assets[@]}" -ge 4 ] || fail "the login page links only ${#assets[@]} static files"
for asset in "${assets[@]}" /static/vendor/bootstrap/css/bootstrap.min.css /static/css/kam.css; do
  status=$(http_status "${asset}" -H "X-Forwarded-Proto: https")
  [ "${status}" = 200 ] || fail "static file ${asset}: ${status}"
done
encoding=$(curl -s -o /dev/null -D - --max-time 10 -H "Host: ${HOST_NAME}" -H "X-Forwarded-Proto: https" \
  -H "Accept-Encoding: gzip" "${BASE_URL}/static/vendor/bootstrap/css/bootstrap.min.css" | tr -d '\r' \
  | grep -i '^content-encoding:' || true)
[ -n "${encoding}" ] || fail "whitenoise did not serve the compressed bootstrap.min.css"
echo "ok   ${#assets[@]} linked static files and bootstrap/kam.css served by whitenoise (${encoding})"

STEP="a task round trip through the worker"
answer=$(python manage.py shell --verbosity 0 -c "
from kam.tasks import ping
result = ping.delay()
print(result.id, result.get(timeout=60))
" | tail -n 1)
task_id=${answer%% *}
[ "${answer#* }" = "pong" ] || fail "kam.tasks.ping answered '${answer}' instead of pong"
echo "ok   kam.tasks.ping -> pong through the worker (task ${task_id})"

STEP="JSON logs with ids"
python - "${LOGS}" "${REQUEST_ID}" "${task_id}" <<'PY' || fail "the logs are not the expected JSON lines"
import json, sys, time
from pathlib import Path

logs, request_id, task_id = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

def records(name):
    found = []
    for line in (logs / f"{name}.log").read_text().splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found

access = [r for r in records("web") if r.get("request_id") == request_id and r["logger"] == "kam.request"]
assert [(r["path"], r["status"]) for r in access] == [("/accounts/login/", 200)], access
# The worker writes the task's own line once it has run; give the log a moment to be flushed.
for _ in range(20):
    task_lines = [r for r in records("worker") if r.get("task_id") == task_id and r["message"] == "pong"]
    if task_lines:
        break
    time.sleep(0.25)
assert task_lines and task_lines[0]["task_name"] == "kam.tasks.ping", records("worker")[-5:]
print(f"ok   web access line and worker task line are JSON with request_id {request_id} / task_id {task_id}")
PY

STEP="celery beat loading the schedule"
# django-celery-beat >= 2.8 loads only the crontab entries due within two hours of now (and re-reads
# the table every 5 minutes), so a nightly entry is absent from beat's log at most hours of the day.
# Every entry must be in the table; beat must have loaded exactly those its own filter picks now.
EXPECTED="$(python manage.py shell --verbosity 0 -c "
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from kam.schedule import BEAT_SCHEDULE
missing = set(BEAT_SCHEDULE) - set(PeriodicTask.objects.filter(enabled=True).values_list('name', flat=True))
assert not missing, f'periodic tasks missing from the database: {missing}'
scheduler = DatabaseScheduler.__new__(DatabaseScheduler)
hour_filter = getattr(scheduler, '_get_crontab_exclude_query', None)  # absent before 2.8: all load
due_soon = PeriodicTask.objects.enabled().exclude(hour_filter()) if hour_filter else PeriodicTask.objects.enabled()
names = sorted(set(BEAT_SCHEDULE) & set(due_soon.values_list('name', flat=True)))
assert names, 'no entry of kam/schedule.py is loadable now: the hourly ones always are'
print(' '.join(names))
")"
for _ in $(seq 1 60); do
  alive_or_fail
  grep -q "Current schedule" "${LOGS}/beat.log" && break
  sleep 0.5
done
grep -q "beat: Starting" "${LOGS}/beat.log" || fail "celery beat did not start"
for name in ${EXPECTED}; do
  grep "Current schedule" "${LOGS}/beat.log" | grep -q "${name}" || fail "beat did not load ${name} from the database"
done
echo "ok   beat started with the DatabaseScheduler; every entry of kam/schedule.py is in the table; loaded now: ${EXPECTED}"

STEP="everything still running"
alive_or_fail
echo "Smoke test passed"
