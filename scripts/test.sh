#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, clippy, unit and
# integration tests (real PostgreSQL and RabbitMQ), and the Playwright specs in Chromium against
# a release build of the shop on its own port, databases and broker names.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
setup_all
cd "$ROOT"

# Databases and queues a crashed earlier run left behind (a failing test does not clean up).
for db in $(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'petal\_test\_%'"); do
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE \"$db\" WITH (FORCE)"
done
for db in $(mariadb -h 127.0.0.1 -u root -N -e "SHOW DATABASES LIKE 'petal\_test\_%'"); do
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE \`$db\`"
done
for queue in $(rabbitmqctl -q list_queues name 2>/dev/null | grep '^petal_test_' || true); do
  rabbitmqctl -q delete_queue "$queue" >/dev/null
done

say "cargo fmt --check"
cargo fmt --all -- --check
say "no two sibling modules use each other (scripts/check-cycles.py)"
python3 "$ROOT/scripts/check-cycles.py"
say "cargo deny: licenses, bans and sources of every dependency (deny.toml)"
# Advisories need the RustSec database on github.com, which this machine cannot reach.
cargo deny --all-features check bans licenses sources
say "cargo clippy"
cargo clippy --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
say "unit and integration tests"
cargo test
say "docs/asyncapi.json (generated from contracts, held current by cargo test) checked by the AsyncAPI parser"
node "$ROOT/end2end/check-asyncapi.mjs" "$ROOT/docs/asyncapi.json"
# The debug binaries the manifest check and the short chaos run use (fresh after cargo test).
cargo build --bin petal --bin loadgen
say "the JSON API fuzzed against its OpenAPI document (schemathesis, short: 5 examples per operation and caller)"
"$ROOT/scripts/api-fuzz.sh" 5
say "cargo-fuzz (short: 20 s per target; the long run is scripts/fuzz.sh 600)"
"$ROOT/scripts/fuzz.sh" 20
say "Kubernetes manifests: rendered, validated against Kubernetes 1.30 (strict), checked against petal's roles"
python3 "$ROOT/scripts/check-manifests.py" "$ROOT/target/debug/petal"
say "building the shop (release) for the browser tests: cargo xtask build"
# The order and staff pages in their own WASM chunks (app::lazy), every site file named after
# its content and precompressed with brotli and gzip (xtask/src/main.rs).
cargo xtask build

say "browser tests (Playwright in Chromium, axe-core on every page)"
"$ROOT/scripts/e2e.sh"

say "rolling replacement and self-healing behind haproxy, under HTTP load; then petal audit"
"$ROOT/scripts/rollout.sh"

say "the image: FROM scratch, run as a role non-root and read-only, SIGKILLed and restarted"
"$ROOT/scripts/image.sh" petal:test

say "chaos (short): roles as separate processes, killed and restarted; RabbitMQ, PostgreSQL and MariaDB restarted; then petal audit"
# The debug binaries `cargo test` built above; the long run is scripts/chaos.sh on a release build.
CHAOS_SHORT=1 "$ROOT/scripts/chaos.sh"
say "all tests passed"
