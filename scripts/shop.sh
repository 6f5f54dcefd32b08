#!/usr/bin/env bash
# Installs what is missing, builds Petal and runs the whole shop with its demo catalog at
# http://localhost:3000. Stop it with Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
setup_shop
cd "$ROOT"
say "building the shop (release server and site, side by side: cargo xtask build)"
cargo xtask build
# A staff account for the admin API: from the environment, or made up now and shown once.
export PETAL_STAFF_EMAIL="${PETAL_STAFF_EMAIL:-staff@petal.local}"
if [ -z "${PETAL_STAFF_PASSWORD:-}" ]; then
  PETAL_STAFF_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  export PETAL_STAFF_PASSWORD
  say "staff sign-in for this run: $PETAL_STAFF_EMAIL / $PETAL_STAFF_PASSWORD"
fi
say "starting Petal at http://localhost:3000"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec "$ROOT/target/release/petal" "$@"
