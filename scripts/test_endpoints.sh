#!/usr/bin/env bash
# Exercise every KAM API endpoint against a running server with curl and jq; exit non-zero on any unexpected
# status code.
#
#   scripts/test_endpoints.sh [BASE_URL]
#
# BASE_URL (or KAM_API_URL) defaults to http://127.0.0.1:8000. Credentials default to the demo data
# (`make run` / `manage.py seed_demo`, password kam-demo-2026):
#   KAM_USER / KAM_PASSWORD                  a key account manager            (aarav)
#   KAM_MANAGER_USER / KAM_MANAGER_PASSWORD  that KAM's manager               (meera)
#   KAM_OTHER_USER / KAM_OTHER_PASSWORD      a KAM of another team            (fatima)
#   KAM_CHECK_THROTTLE=1                     also drive the token endpoint into 429 (it then stays throttled
#                                            for this address for up to a minute)
# It creates a lead (archived again at the end), a contact (deleted), a call and an order on it.
set -uo pipefail

BASE="${1:-${KAM_API_URL:-http://127.0.0.1:8000}}"
BASE="${BASE%/}"
API="$BASE/api/v1"
DEMO_PASSWORD="kam-demo-2026"
KAM_USER="${KAM_USER:-aarav}"
KAM_PASSWORD="${KAM_PASSWORD:-$DEMO_PASSWORD}"
KAM_MANAGER_USER="${KAM_MANAGER_USER:-meera}"
KAM_MANAGER_PASSWORD="${KAM_MANAGER_PASSWORD:-$DEMO_PASSWORD}"
KAM_OTHER_USER="${KAM_OTHER_USER:-fatima}"
KAM_OTHER_PASSWORD="${KAM_OTHER_PASSWORD:-$DEMO_PASSWORD}"

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "$tool is required (e.g. apt-get install -y $tool)" >&2; exit 2; }
done

RUN="$(date +%s)-$$"
BODY_FILE="$(mktemp)"
HEADERS_FILE="$(mktemp)"
trap 'rm -f "$BODY_FILE" "$HEADERS_FILE"' EXIT
PASSED=0
FAILED=0
STATUS=""
TOKEN=""

# call METHOD URL [JSON_BODY] [extra curl arguments…]: sets STATUS; the body is in $BODY_FILE.
# ACCEPT and CONTENT_TYPE override the JSON defaults for one call.
call() {
  local method="$1" url="$2" body="${3:-}"
  shift 3 2>/dev/null || shift $#
  local args=(-sS -o "$BODY_FILE" -D "$HEADERS_FILE" -w '%{http_code}' -X "$method" -H "Accept: ${ACCEPT:-application/json}")
  [ -n "$TOKEN" ] && args+=(-H "Authorization: Bearer $TOKEN")
  [ -n "$body" ] && args+=(-H "Content-Type: ${CONTENT_TYPE:-application/json}" --data-binary "$body")
  STATUS="$(curl "${args[@]}" "$@" "$url")" || STATUS="000"
}

# expect CODE DESCRIPTION: compare the last status.
expect() {
  local expected="$1" what="$2"
  if [ "$STATUS" = "$expected" ]; then
    PASSED=$((PASSED + 1))
    printf '  ok   %s %s\n' "$STATUS" "$what"
  else
    FAILED=$((FAILED + 1))
    printf '  FAIL %s %s (expected %s): %s\n' "$STATUS" "$what" "$expected" "$(head -c 300 "$BODY_FILE")"
  fi
}

# expect_error_shape: the body is {"error": {"code", "message", "fields"}}.
expect_error_shape() {
  if jq -e '.error | (.code|type=="string") and (.message|type=="string") and (.fields|type=="object")' \
    "$BODY_FILE" >/dev/null 2>&1; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    printf '  FAIL error body is not in the error shape: %s\n' "$(head -c 300 "$BODY_FILE")"
  fi
}

json() { jq -r "$1" "$BODY_FILE"; }
header() { grep -i "^$1:" "$HEADERS_FILE" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

token_for() {  # token_for USER PASSWORD: prints an access token, or nothing
  local saved="$TOKEN"
  TOKEN=""
  call POST "$API/auth/token/" "$(jq -nc --arg u "$1" --arg p "$2" '{username: $u, password: $p}')"
  TOKEN="$saved"
  [ "$STATUS" = 200 ] && json .access
}

echo "KAM API at $API"

echo "Documentation"
call GET "$BASE/api/schema/"; expect 200 "GET /api/schema/"
call GET "$BASE/api/schema/?format=json"; expect 200 "GET /api/schema/?format=json"
ACCEPT="text/html" call GET "$BASE/api/docs/"; expect 200 "GET /api/docs/ (Swagger UI)"

echo "Authentication"
call GET "$API/leads/"; expect 401 "GET /leads/ without a token"; expect_error_shape
call POST "$API/auth/token/" "$(jq -nc --arg u "$KAM_USER" '{username: $u, password: "certainly-wrong"}')"
expect 401 "POST /auth/token/ with a wrong password"; expect_error_shape
call POST "$API/auth/token/" '{"username": "only"}'; expect 400 "POST /auth/token/ without a password"
call POST "$API/auth/token/" "$(jq -nc --arg u "$KAM_USER" --arg p "$KAM_PASSWORD" '{username: $u, password: $p}')"
expect 200 "POST /auth/token/"
TOKEN="$(json .access)"
REFRESH="$(json .refresh)"
if [ -z "$TOKEN" ] || [ "$TOKEN" = null ]; then
  echo "Cannot sign in as $KAM_USER; set KAM_USER and KAM_PASSWORD (and is the server throttling this address?)" >&2
  exit 1
fi
call POST "$API/auth/token/refresh/" "$(jq -nc --arg r "$REFRESH" '{refresh: $r}')"
expect 200 "POST /auth/token/refresh/"
call POST "$API/auth/token/refresh/" '{"refresh": "not-a-token"}'; expect 401 "POST /auth/token/refresh/ with garbage"
SAVED="$TOKEN"; TOKEN="not-a-token"
call GET "$API/leads/"; expect 401 "GET /leads/ with a bad token"
TOKEN="$SAVED"

echo "Me"
call GET "$API/me/"; expect 200 "GET /me/"
ME_ID="$(json .id)"

echo "Leads"
call GET "$API/leads/"; expect 200 "GET /leads/"
call GET "$API/leads/?status=new&status=contacted&due=week&ordering=-next_call&page_size=5"
expect 200 "GET /leads/ with filters"
call GET "$API/leads/?owner=$ME_ID&search=a&city=Bengaluru&archived=all"; expect 200 "GET /leads/?owner&search&city"
call GET "$API/leads/?page=abc"; expect 400 "GET /leads/?page=abc"; expect_error_shape
call GET "$API/leads/?status=bogus"; expect 400 "GET /leads/?status=bogus"
call GET "$API/leads/?page=100000"; expect 404 "GET /leads/ past the last page"
LEAD_BODY="$(jq -nc --arg n "API check $RUN" '{name: $n, city: "Bengaluru", state: "Karnataka",
  time_zone: "Asia/Kolkata", call_frequency_days: 7, calling_windows: [["10:00", "12:00"], ["15:00", "18:00"]]}')"
call POST "$API/leads/" "$LEAD_BODY" -H "Idempotency-Key: lead-$RUN"; expect 201 "POST /leads/"
LEAD_ID="$(json .id)"
LOCATION="$(header Location)"
case "$LOCATION" in */api/v1/leads/"$LEAD_ID"/) PASSED=$((PASSED + 1)) ;;
  *) FAILED=$((FAILED + 1)); echo "  FAIL Location header is '$LOCATION'" ;; esac
call POST "$API/leads/" "$LEAD_BODY" -H "Idempotency-Key: lead-$RUN"; expect 201 "POST /leads/ retried with the same Idempotency-Key"
if [ "$(json .id)" = "$LEAD_ID" ] && [ "$(header Idempotent-Replayed)" = true ]; then PASSED=$((PASSED + 1)); else
  FAILED=$((FAILED + 1)); echo "  FAIL the retry created lead $(json .id) instead of replaying $LEAD_ID"; fi
call POST "$API/leads/" '{"name": "Other", "city": "Pune"}' -H "Idempotency-Key: lead-$RUN"
expect 422 "POST /leads/ with a reused Idempotency-Key and another body"; expect_error_shape
call POST "$API/leads/" '{"city": "Pune"}'; expect 400 "POST /leads/ without a name"; expect_error_shape
call POST "$API/leads/" '{"name": "x", "city": "Pune", "call_frequency_days": 1e400}'; expect 400 "POST /leads/ with a huge number"
call POST "$API/leads/" '{"name": "bad\u0000byte", "city": "Pune"}'; expect 400 "POST /leads/ with a NUL byte"
call POST "$API/leads/" '{"name": "x", "city": ' ; expect 400 "POST /leads/ with broken JSON"
CONTENT_TYPE="text/plain" call POST "$API/leads/" 'name=x'; expect 415 "POST /leads/ as text/plain"
call GET "$API/leads/$LEAD_ID/"; expect 200 "GET /leads/{id}/"
call PATCH "$API/leads/$LEAD_ID/" '{"call_frequency_days": 14, "segment": "South Indian"}'; expect 200 "PATCH /leads/{id}/"
call PATCH "$API/leads/$LEAD_ID/" '{"status": "won"}'; expect 400 "PATCH /leads/{id}/ status (use /transition/)"
call PUT "$API/leads/$LEAD_ID/" "$LEAD_BODY"; expect 405 "PUT /leads/{id}/"
call POST "$API/leads/$LEAD_ID/transition/" '{"status": "contacted", "note": "Spoke to the owner"}'
expect 200 "POST /leads/{id}/transition/ to contacted"
call POST "$API/leads/$LEAD_ID/transition/" '{"status": "won"}'; expect 409 "POST /leads/{id}/transition/ skipping steps"
expect_error_shape
call POST "$API/leads/$LEAD_ID/transition/" '{"status": "lost"}'; expect 400 "POST /leads/{id}/transition/ lost without a reason"
# Two days after the server's today in the KAM's zone (not this machine's clock, which may differ).
call GET "$API/calls/today/"
TODAY="$(json .today)"
TOMORROW="$(date -u -d "$TODAY +2 days" +%F 2>/dev/null || date -u -j -v+2d -f %F "$TODAY" +%F)"
call POST "$API/leads/$LEAD_ID/reschedule/" "$(jq -nc --arg d "$TOMORROW" '{day: $d}')"; expect 200 "POST /leads/{id}/reschedule/"
call POST "$API/leads/$LEAD_ID/reschedule/" '{"day": "2001-01-01"}'; expect 400 "POST /leads/{id}/reschedule/ to the past"

echo "Contacts"
CONTACT_BODY="$(jq -nc --argjson l "$LEAD_ID" '{lead: $l, name: "Ravi Kumar", role: "owner", phone: "98123 45678",
  email: "ravi@example.com", is_primary: true}')"
call POST "$API/contacts/" "$CONTACT_BODY" -H "Idempotency-Key: contact-$RUN"; expect 201 "POST /contacts/"
CONTACT_ID="$(json .id)"
call POST "$API/contacts/" "$(jq -nc --argjson l "$LEAD_ID" '{lead: $l, name: "X", phone: "12"}')"
expect 400 "POST /contacts/ with a bad phone number"
call GET "$API/contacts/?lead=$LEAD_ID"; expect 200 "GET /contacts/?lead="
call GET "$API/contacts/$CONTACT_ID/"; expect 200 "GET /contacts/{id}/"
call PATCH "$API/contacts/$CONTACT_ID/" '{"title": "Founder", "prefers_whatsapp": true}'; expect 200 "PATCH /contacts/{id}/"

echo "Interactions"
call POST "$API/interactions/" "$(jq -nc --argjson l "$LEAD_ID" --argjson c "$CONTACT_ID" \
  '{lead: $l, contact: $c, kind: "call", outcome: "connected", duration_minutes: 5, notes: "API check"}')" \
  -H "Idempotency-Key: call-$RUN"
expect 201 "POST /interactions/ (a connected call)"
INTERACTION_ID="$(json .id)"
call POST "$API/interactions/" "$(jq -nc --argjson l "$LEAD_ID" '{lead: $l, kind: "call"}')"
expect 400 "POST /interactions/ a call without an outcome"
call GET "$API/interactions/?lead=$LEAD_ID&kind=call&date_from=2000-01-01"; expect 200 "GET /interactions/ with filters"
call GET "$API/interactions/$INTERACTION_ID/"; expect 200 "GET /interactions/{id}/"

echo "Orders"
ORDER_BODY="$(jq -nc --argjson l "$LEAD_ID" --arg r "API-CHECK-$RUN" \
  '{lead: $l, amount: "12500.50", currency: "INR", items: 12, external_ref: $r}')"
call POST "$API/orders/" "$ORDER_BODY"; expect 201 "POST /orders/"
ORDER_ID="$(json .id)"
call POST "$API/orders/" "$ORDER_BODY"; expect 200 "POST /orders/ with an external_ref already recorded"
[ "$(json .id)" = "$ORDER_ID" ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "  FAIL a second order was created"; }
call POST "$API/orders/" "$(jq -nc --argjson l "$LEAD_ID" '{lead: $l, amount: "-1"}')"; expect 400 "POST /orders/ with a negative amount"
call GET "$API/orders/?lead=$LEAD_ID&date_from=2000-01-01&date_to=2099-12-31"; expect 200 "GET /orders/ with filters"
call GET "$API/orders/$ORDER_ID/"; expect 200 "GET /orders/{id}/"

echo "Calls"
call GET "$API/calls/today/"; expect 200 "GET /calls/today/"
call GET "$API/calls/today/?day=$TOMORROW"; expect 200 "GET /calls/today/?day= (a later day)"
call GET "$API/calls/today/?day=2001-01-01"; expect 400 "GET /calls/today/ of a past day"
call GET "$API/calls/today/?kam=999999999"; expect 403 "GET /calls/today/?kam= someone else, as a KAM"
call POST "$API/leads/$LEAD_ID/reassign/" "$(jq -nc --argjson k "$ME_ID" '{kam: $k, reason: "x"}')"
expect 403 "POST /leads/{id}/reassign/ as a KAM"; expect_error_shape

echo "Performance"
call GET "$API/performance/"; expect 200 "GET /performance/"
call GET "$API/performance/?classification=at_risk&classification=underperforming&ordering=-value_at_risk"
expect 200 "GET /performance/ slipping accounts"
call GET "$API/performance/?classification=excellent"; expect 400 "GET /performance/?classification=excellent"
call GET "$API/performance/team/"; expect 200 "GET /performance/team/"
call GET "$API/leads/$LEAD_ID/performance/"; expect 200 "GET /leads/{id}/performance/"
call GET "$API/leads/$LEAD_ID/history/"; expect 200 "GET /leads/{id}/history/"

echo "Scope: another team's KAM sees none of it"
OTHER_TOKEN="$(token_for "$KAM_OTHER_USER" "$KAM_OTHER_PASSWORD")"
if [ -n "$OTHER_TOKEN" ]; then
  SAVED="$TOKEN"; TOKEN="$OTHER_TOKEN"
  call GET "$API/leads/$LEAD_ID/"; expect 404 "GET /leads/{id}/ as $KAM_OTHER_USER"; expect_error_shape
  call PATCH "$API/leads/$LEAD_ID/" '{"name": "Taken"}'; expect 404 "PATCH /leads/{id}/ as $KAM_OTHER_USER"
  call POST "$API/leads/$LEAD_ID/transition/" '{"status": "qualified"}'; expect 404 "POST /leads/{id}/transition/ as $KAM_OTHER_USER"
  call GET "$API/contacts/$CONTACT_ID/"; expect 404 "GET /contacts/{id}/ as $KAM_OTHER_USER"
  call GET "$API/interactions/$INTERACTION_ID/"; expect 404 "GET /interactions/{id}/ as $KAM_OTHER_USER"
  call GET "$API/orders/$ORDER_ID/"; expect 404 "GET /orders/{id}/ as $KAM_OTHER_USER"
  call GET "$API/leads/$LEAD_ID/performance/"; expect 404 "GET /leads/{id}/performance/ as $KAM_OTHER_USER"
  call GET "$API/leads/$LEAD_ID/history/"; expect 404 "GET /leads/{id}/history/ as $KAM_OTHER_USER"
  call POST "$API/contacts/" "$CONTACT_BODY"; expect 400 "POST /contacts/ on $KAM_USER's lead as $KAM_OTHER_USER"
  TOKEN="$SAVED"
else
  FAILED=$((FAILED + 1)); echo "  FAIL cannot sign in as $KAM_OTHER_USER (KAM_OTHER_USER/KAM_OTHER_PASSWORD)"
fi

echo "Manager"
MANAGER_TOKEN="$(token_for "$KAM_MANAGER_USER" "$KAM_MANAGER_PASSWORD")"
if [ -n "$MANAGER_TOKEN" ]; then
  SAVED="$TOKEN"; TOKEN="$MANAGER_TOKEN"
  call GET "$API/me/"; expect 200 "GET /me/ as $KAM_MANAGER_USER"
  OTHER_KAM_ID="$(jq -r --argjson me "$ME_ID" '[.team[] | select(.id != $me and .role == "kam")][0].id // empty' "$BODY_FILE")"
  call GET "$API/leads/$LEAD_ID/"; expect 200 "GET /leads/{id}/ of the team as $KAM_MANAGER_USER"
  call GET "$API/calls/today/?kam=$ME_ID"; expect 200 "GET /calls/today/?kam= a team member, as $KAM_MANAGER_USER"
  call GET "$API/performance/team/"; expect 200 "GET /performance/team/ as $KAM_MANAGER_USER"
  call GET "$API/performance/?owner=$ME_ID"; expect 200 "GET /performance/?owner= a team member, as $KAM_MANAGER_USER"
  call POST "$API/leads/$LEAD_ID/reassign/" "$(jq -nc --argjson k "$ME_ID" '{kam: $k, reason: "API check"}')"
  expect 409 "POST /leads/{id}/reassign/ to the KAM who already owns it"
  if [ -n "$OTHER_KAM_ID" ]; then
    call POST "$API/leads/$LEAD_ID/reassign/" \
      "$(jq -nc --argjson k "$OTHER_KAM_ID" '{kam: $k, reason: "API check", handover_note: "Back in a moment"}')"
    expect 200 "POST /leads/{id}/reassign/ to another KAM of the team"
    SAVED_MANAGER="$TOKEN"; TOKEN="$SAVED"
    call GET "$API/leads/$LEAD_ID/"; expect 404 "GET /leads/{id}/ as $KAM_USER once the lead moved away"
    TOKEN="$SAVED_MANAGER"
    call POST "$API/leads/$LEAD_ID/reassign/" "$(jq -nc --argjson k "$ME_ID" '{kam: $k, reason: "API check done"}')"
    expect 200 "POST /leads/{id}/reassign/ back to $KAM_USER"
  else
    FAILED=$((FAILED + 1)); echo "  FAIL $KAM_MANAGER_USER has no other KAM in the team to reassign to"
  fi
  TOKEN="$SAVED"
else
  FAILED=$((FAILED + 1)); echo "  FAIL cannot sign in as $KAM_MANAGER_USER (KAM_MANAGER_USER/KAM_MANAGER_PASSWORD)"
fi

echo "Errors"
call GET "$API/no-such-endpoint/"; expect 404 "GET an unknown URL"; expect_error_shape
call GET "$API/leads/999999999999/"; expect 404 "GET /leads/{id}/ that does not exist"
call DELETE "$API/leads/"; expect 405 "DELETE /leads/"

echo "Clean up"
call DELETE "$API/contacts/$CONTACT_ID/"; expect 204 "DELETE /contacts/{id}/"
call DELETE "$API/leads/$LEAD_ID/"; expect 204 "DELETE /leads/{id}/ (archives)"
call POST "$API/leads/$LEAD_ID/restore/"; expect 200 "POST /leads/{id}/restore/"
call DELETE "$API/leads/$LEAD_ID/"; expect 204 "DELETE /leads/{id}/ again"

if [ "${KAM_CHECK_THROTTLE:-0}" = 1 ]; then
  echo "Throttling"
  TOKEN=""
  for _ in $(seq 1 200); do
    call POST "$API/auth/token/refresh/" '{"refresh": "x"}'
    [ "$STATUS" = 429 ] && break
  done
  expect 429 "POST /auth/token/refresh/ until throttled"; expect_error_shape
  [ -n "$(header Retry-After)" ] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "  FAIL no Retry-After"; }
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
