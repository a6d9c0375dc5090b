#!/usr/bin/env bash
# Throughput of Today and the lead page under gunicorn (2 workers), measured with wrk from a second process, next
# to a bare signed-in Django view on the same setup (issue 9 §4). Run against a generated database:
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/kam_scale scripts/throughput.sh
#
# Knobs: DURATION (20s), CONNECTIONS (4), WRK_THREADS (1), PORT (8765), KAM (the KAM with most accounts).
# Prints a table and writes benchmark-results/throughput.json. Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?Set DATABASE_URL to the generated database (see README, Performance).}"
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-4}
WRK_THREADS=${WRK_THREADS:-1}
PORT=${PORT:-8765}
PYTHON=${PYTHON:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
OUT=${OUT:-benchmark-results/throughput.json}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# Production settings (DEBUG off) plus the bare view; static URLs without a manifest; no API throttle in the way.
export DJANGO_SETTINGS_MODULE=kam.benchmark.settings
export DEBUG=0 SECRET_KEY=${SECRET_KEY:-throughput-run-only} ALLOWED_HOSTS=127.0.0.1
export STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage
export API_THROTTLE_USER=1000000/minute LOG_LEVEL=WARNING

read -r COOKIE LEAD < <($PYTHON -m kam.benchmark.session ${KAM:+--kam "$KAM"})
[ -n "$LEAD" ] || { echo "The KAM has no account to open." >&2; exit 1; }

$GUNICORN kam.wsgi:application --workers 2 --bind 127.0.0.1:$PORT --log-level warning \
  2>/tmp/kam-throughput-error.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
# As behind the TLS-terminating proxy (production settings redirect plain HTTP to HTTPS).
HEADERS=(-H "Cookie: $COOKIE" -H "X-Forwarded-Proto: https")
for _ in $(seq 50); do curl -fs -o /dev/null "${HEADERS[@]}" "http://127.0.0.1:$PORT/bench/bare/" && break; sleep 0.2; done

declare -A PATHS=([bare]=/bench/bare/ [today]=/today/ [lead_page]=/leads/$LEAD/ [healthz]=/healthz)
ORDER=(bare today lead_page healthz)
RESULTS=()
printf '%-10s %-22s %9s %9s %9s %9s %8s\n' page path "req/s" "p50 ms" "p95 ms" "p99 ms" "non-2xx"
for name in "${ORDER[@]}"; do
  path=${PATHS[$name]}
  status=$(curl -s -o /dev/null -w '%{http_code}' "${HEADERS[@]}" "http://127.0.0.1:$PORT$path")
  if [ "$status" != 200 ]; then
    printf '%-10s %-22s not available (answered %s)\n' "$name" "$path" "$status"
    RESULTS+=("\"$name\": {\"path\": \"$path\", \"available\": false, \"status\": $status}")
    continue
  fi
  # Warm both workers up, then measure.
  wrk -t1 -c2 -d2s "${HEADERS[@]}" "http://127.0.0.1:$PORT$path" >/dev/null
  line=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" "${HEADERS[@]}" -s scripts/wrk_report.lua \
    "http://127.0.0.1:$PORT$path" | tail -1)
  RESULTS+=("\"$name\": {\"path\": \"$path\", \"available\": true, \"wrk\": $line}")
  $PYTHON - "$name" "$path" "$line" <<'EOF'
import json, sys
name, path, line = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(f"{name:<10} {path:<22} {line['rps']:>9.1f} {line['p50_ms']:>9.1f} {line['p95_ms']:>9.1f} "
      f"{line['p99_ms']:>9.1f} {line['non_2xx']:>8}")
EOF
done

mkdir -p "$(dirname "$OUT")"
{
  printf '{"when": "%s", "duration": "%s", "connections": %s, "wrk_threads": %s, "gunicorn_workers": 2,' \
    "$(date -u +%FT%TZ)" "$DURATION" "$CONNECTIONS" "$WRK_THREADS"
  printf ' "load_average": "%s", "results": {' "$(cut -d' ' -f1-3 /proc/loadavg)"
  (IFS=,; printf '%s' "${RESULTS[*]}")
  printf '}}\n'
} >"$OUT"
$PYTHON - "$OUT" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
results = report["results"]
bare = results.get("bare", {}).get("wrk", {}).get("rps")
for name in ("today", "lead_page", "healthz"):
    page = results.get(name, {})
    if bare and page.get("available"):
        ratio = page["wrk"]["rps"] / bare
        page["ratio_to_bare"] = round(ratio, 3)
        print(f"{name}: {ratio:.2f} × the bare view's requests/s")
json.dump(report, open(sys.argv[1], "w"), indent=2)
print(f"Written {sys.argv[1]}; load average {report['load_average']}")
EOF
