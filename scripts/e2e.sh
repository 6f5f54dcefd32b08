#!/usr/bin/env bash
# Runs the Playwright specs in Chromium against the release build (`cargo xtask build` first),
# started on its own port, databases and broker names, which are dropped afterwards.
# Arguments go to Playwright: `scripts/e2e.sh tests/florist.spec.ts`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"

E2E_ID="petal_test_e2e_$(date +%s)_$$"
E2E_PORT="${PETAL_E2E_PORT:-3950}"
E2E_OPS_PORT=$((E2E_PORT + 1))
LOG="$ROOT/target/e2e-petal.log"
# The browser tests sign in as staff with these (from the environment, like any shop).
export PETAL_STAFF_EMAIL="staff@petal.test"
export PETAL_STAFF_PASSWORD="a staff password for the browser tests"
# The specs sign many customers up from one address; the limits have their own tests.
export PETAL_RATE_LIMITS=off
start_shop "$ROOT/target/release/petal" "$E2E_ID" "$E2E_PORT" "$E2E_OPS_PORT" "$LOG"
mkdir -p "$ROOT/end2end/screenshots"
(cd "$ROOT/end2end" && PETAL_BASE_URL="http://127.0.0.1:$E2E_PORT" npx playwright test "$@")
