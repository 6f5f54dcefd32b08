#!/usr/bin/env bash
# Schemathesis against the shop's own OpenAPI document, on a running shop: as a visitor, as a
# customer and as staff. Every answer must be no server error and as the document describes it
# (status, content type, headers, body schema); invalid input must be refused.
#
# usage: scripts/api-fuzz.sh [EXAMPLES]
#   EXAMPLES per operation and caller (default 5: the short run in scripts/test.sh, seed fixed).
#   The README's long run: scripts/api-fuzz.sh 140 (about 10,700 cases, 15 minutes).
# Uses target/debug/petal (or PETAL_BIN) and the site in target/site when it is built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
EXAMPLES=${1:-5}
SEED=${API_FUZZ_SEED:-20261125}
BIN=${PETAL_BIN:-$ROOT/target/debug/petal}
[ -x "$BIN" ] || { echo "build $BIN first (cargo build --bin petal)" >&2; exit 1; }
PREFIX="petal_test_fuzz_$(date +%s)_$$"
PORT=${API_FUZZ_PORT:-3980}
OPS=$((PORT + 1))
BASE="http://127.0.0.1:$PORT"
STATE="$ROOT/target/api-fuzz-$PREFIX"; mkdir -p "$STATE"
export RUST_LOG=${RUST_LOG:-warn}
# One address sends every request here: the limits would answer most of them 429.
export PETAL_RATE_LIMITS=off PETAL_DB_POOL_SIZE=5
export PETAL_STAFF_EMAIL="staff@petal.test" PETAL_STAFF_PASSWORD="a staff password for the API fuzzing"
start_shop "$BIN" "$PREFIX" "$PORT" "$OPS" "$STATE/petal.log"

# A caller: a cookie jar and a CSRF token. `who` is visitor, customer or staff.
signed_in() {
  local who=$1 jar="$STATE/$1.jar" token
  token=$(curl -sf -c "$jar" -b "$jar" "$BASE/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
  case $who in
    customer)
      token=$(curl -sf -c "$jar" -b "$jar" -H "x-csrf-token: $token" -H 'content-type: application/json' \
        -d "{\"email\":\"fuzz-$$@example.com\",\"name\":\"Fuzz\",\"password\":\"correct horse battery\"}" \
        "$BASE/api/accounts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])') ;;
    staff)
      token=$(curl -sf -c "$jar" -b "$jar" -H "x-csrf-token: $token" -H 'content-type: application/json' \
        -d "{\"email\":\"$PETAL_STAFF_EMAIL\",\"password\":\"$PETAL_STAFF_PASSWORD\"}" \
        "$BASE/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])') ;;
  esac
  local cookies
  cookies=$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7 }' "$jar")
  printf '%s\n%s\n' "$cookies" "$token"
}

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection
failed=0
for who in visitor customer staff; do
  mapfile -t caller < <(signed_in "$who")
  say "schemathesis as $who: $EXAMPLES examples per operation, seed $SEED"
  # A signed-in run leaves out what would end its own session (signing out, a new password)
  # and signing up or in again (the client would take the new session's cookie).
  exclude=()
  if [ "$who" != visitor ]; then
    exclude=(--exclude-path-regex '^/api/(session|sessions|accounts|account/password)$')
  fi
  set +e
  # One worker: CPython 3.11's ast.parse is not thread-safe, and hypothesis parses its own
  # sources from each worker thread ("AST constructor recursion depth mismatch").
  schemathesis run "$BASE/api/openapi.json" --checks "$CHECKS" --seed "$SEED" \
    --max-examples "$EXAMPLES" --workers 1 --request-timeout 10 --suppress-health-check all \
    --header "Cookie: ${caller[0]}" --header "X-CSRF-Token: ${caller[1]}" \
    --report junit --report-dir "$STATE/$who" "${exclude[@]}" --no-color >"$STATE/$who.txt" 2>&1
  status=$?
  set -e
  tail -25 "$STATE/$who.txt"
  [ "$status" = 0 ] || failed=1
done
if grep -E " (ERROR|panicked)" "$STATE/petal.log" | head -5; then
  echo "petal logged errors during the run (above; $STATE/petal.log)" >&2
fi
exit $failed
