#!/usr/bin/env bash
# How long a first run takes: a fresh clone of this repository and an empty cargo home (every
# crate downloaded and compiled), timed from the clone until scripts/shop.sh serves the catalog.
# The services and the toolchain stay as they are on this machine; for a machine without the
# WASM target, `rustup target remove wasm32-unknown-unknown` first (setup adds it back).
#   scripts/first-run.sh        (about 11 minutes on 2 cores; prints one figure)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
WORK=$(mktemp -d /tmp/petal-first-run.XXXXXX)
PREFIX="petal_first_run_$(date +%s)"
cleanup() {
  [ -n "${SHOP:-}" ] && kill -TERM "$SHOP" 2>/dev/null && wait "$SHOP" 2>/dev/null || true
  forget_shop "$PREFIX"
  rm -rf "$WORK"
}
trap cleanup EXIT

start=$(date +%s)
git clone -q "$ROOT" "$WORK/petal"
CARGO_HOME="$WORK/cargo-home" PETAL_DATABASE_PREFIX="$PREFIX" PETAL_BROKER_PREFIX="$PREFIX" \
  LEPTOS_SITE_ADDR=127.0.0.1:3990 PETAL_OPS_PORT=3991 PETAL_STAFF_PASSWORD="first-run-$start" \
  "$WORK/petal/scripts/shop.sh" >"$ROOT/target/first-run.log" 2>&1 &
SHOP=$!
until curl -sf http://127.0.0.1:3990/ | grep -q celebration-wreath; do
  kill -0 "$SHOP" 2>/dev/null || { tail -30 "$ROOT/target/first-run.log"; echo "shop.sh stopped" >&2; exit 1; }
  sleep 2
done
echo "from git clone to a shop serving its catalog: $(( $(date +%s) - start )) s"
