#!/usr/bin/env bash
# The chaos run: the shop's roles as separate processes on this machine, orders placed at a
# steady rate with customers cancelling at random moments, while a random role is SIGKILLed and
# restarted every few seconds, RabbitMQ, PostgreSQL and MariaDB are restarted, RPC answers come
# too late at random and the card processor loses some answers. Then it waits for the shop to
# settle and runs `petal audit`: it passes when no invariant is broken, and prints orders placed,
# faults injected and how long the shop took to settle after the last fault.
#
#   scripts/chaos.sh                    the long run (release build): 60 orders/s for 180 s
#   CHAOS_SHORT=1 scripts/chaos.sh      the short run in the test command (debug build)
#
# Knobs: RATE (orders/s), SECONDS_OF_LOAD, KILL_EVERY (s), BIN (where petal and loadgen are).
# Traffic stays on this machine's loopback; every run has its own databases and broker names.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"

if [ -n "${CHAOS_SHORT:-}" ]; then
  RATE=${RATE:-8}; SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-40}; KILL_EVERY=${KILL_EVERY:-8}
  BIN=${BIN:-$ROOT/target/debug}
else
  RATE=${RATE:-60}; SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-180}; KILL_EVERY=${KILL_EVERY:-20}
  BIN=${BIN:-$ROOT/target/release}
fi
for tool in petal loadgen; do
  [ -x "$BIN/$tool" ] || { echo "build $BIN/$tool first (cargo build --bin $tool, --release for the long run)" >&2; exit 1; }
done

PREFIX="petal_chaos_$(date +%s)_$$"
LOGS="$ROOT/target/chaos-$PREFIX"; mkdir -p "$LOGS"
export PETAL_DATABASE_PREFIX="$PREFIX" PETAL_BROKER_PREFIX="$PREFIX" RUST_LOG=${RUST_LOG:-warn}
export PETAL_DB_POOL_SIZE=5 PETAL_RESERVATION_HOLD_SECS=20
# Fault switches (see server/src/config.rs): answers that arrive after the caller gave up, and
# card processor answers lost after the processor did the work.
export PETAL_FAULT_LATE_REPLIES="inventory.reserve=0.05,delivery.cancel=0.2,order.cancel=0.05"
export PETAL_FAULT_LATE_REPLY_SECS=4 PETAL_FAULT_LOST_PROCESSOR_ANSWERS=0.05
WEB_PORT=${CHAOS_WEB_PORT:-3980}

ROLES=(inventory order payment delivery notification web)
declare -A PID PORT
port=$((WEB_PORT + 1))
for role in "${ROLES[@]}"; do PORT[$role]=$port; port=$((port + 1)); done

# Every role's health is on its ops port; web also serves the storefront.
start_role() {
  local role=$1
  LEPTOS_SITE_ADDR="127.0.0.1:$WEB_PORT" LEPTOS_SITE_ROOT="$ROOT/target/site" \
    PETAL_OPS_PORT=${PORT[$role]} "$BIN/petal" "$role" >>"$LOGS/$role.log" 2>&1 &
  PID[$role]=$!
}
ready_url() { echo "http://127.0.0.1:${PORT[$1]}/health/ready"; }
wait_ready() {
  local role=$1
  for _ in $(seq 1 300); do
    curl -sf "$(ready_url "$role")" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$role never became ready; see $LOGS/$role.log" >&2
  return 1
}
cleanup() {
  for role in "${ROLES[@]}"; do kill -TERM "${PID[$role]:-0}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || forget_shop "$PREFIX"
}
trap cleanup EXIT

# Databases are created and migrated by the roles themselves; several start at once.
for role in "${ROLES[@]}"; do start_role "$role"; done
for role in "${ROLES[@]}"; do wait_ready "$role"; done
echo "== chaos: ${#ROLES[@]} roles as separate processes; $RATE orders/s for $SECONDS_OF_LOAD s"

"$BIN/loadgen" --rate "$RATE" --seconds "$SECONDS_OF_LOAD" --cancel-share 0.25 --retries 3 \
  >"$LOGS/loadgen.log" 2>&1 &
LOADGEN=$!

kills=0; broker_restarts=0; pg_restarts=0; mariadb_restarts=0
started=$(date +%s)
last_fault=$started
# Where in the run the infrastructure restarts happen (seconds after the start).
rabbit_at=("$((SECONDS_OF_LOAD / 4))" "$((SECONDS_OF_LOAD * 3 / 4))")
pg_at=$((SECONDS_OF_LOAD / 2)); mariadb_at=$((SECONDS_OF_LOAD * 5 / 8))
next_kill=$((started + KILL_EVERY))
while kill -0 "$LOADGEN" 2>/dev/null; do
  now=$(date +%s); t=$((now - started))
  if [ "$now" -ge "$next_kill" ]; then
    role=${ROLES[$((RANDOM % ${#ROLES[@]}))]}
    kill -9 "${PID[$role]}" 2>/dev/null || true
    wait "${PID[$role]}" 2>/dev/null || true
    start_role "$role"
    kills=$((kills + 1)); last_fault=$now
    echo "  t=${t}s SIGKILL $role, restarted"
    next_kill=$((now + KILL_EVERY))
  fi
  for i in "${!rabbit_at[@]}"; do
    if [ -n "${rabbit_at[$i]}" ] && [ "$t" -ge "${rabbit_at[$i]}" ]; then
      echo "  t=${t}s restarting RabbitMQ"
      rabbitmqctl -q stop_app && rabbitmqctl -q start_app && rabbitmqctl -q await_startup
      rabbit_at[$i]=""; broker_restarts=$((broker_restarts + 1)); last_fault=$(date +%s)
    fi
  done
  if [ -n "$pg_at" ] && [ "$t" -ge "$pg_at" ]; then
    echo "  t=${t}s restarting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main restart
    pg_at=""; pg_restarts=1; last_fault=$(date +%s)
  fi
  if [ -n "$mariadb_at" ] && [ "$t" -ge "$mariadb_at" ]; then
    echo "  t=${t}s restarting MariaDB"
    pid=$(pgrep -x mariadbd | head -1 || true)
    [ -n "$pid" ] && as_root kill -TERM "$pid"
    while pgrep -x mariadbd >/dev/null; do sleep 0.2; done
    mariadb
    mariadb_at=""; mariadb_restarts=1; last_fault=$(date +%s)
  fi
  sleep 1
done
wait "$LOADGEN" || true
cat "$LOGS/loadgen.log"

# Every role back and ready before the drain (the last kill may be seconds ago).
for role in "${ROLES[@]}"; do
  kill -0 "${PID[$role]}" 2>/dev/null || start_role "$role"
  wait_ready "$role"
done

# Settle: the audit must pass within the hold plus 60 s after the last fault.
deadline=$((last_fault + PETAL_RESERVATION_HOLD_SECS + 60))
settled=""
while [ "$(date +%s)" -le "$deadline" ]; do
  if "$BIN/petal" audit >"$LOGS/audit.txt" 2>&1; then settled=$(date +%s); break; fi
  sleep 3
done
placed=$(psql -h 127.0.0.1 -U postgres -d "${PREFIX}_order" -tAc "SELECT count(*) FROM orders")
by_status=$(psql -h 127.0.0.1 -U postgres -d "${PREFIX}_order" -tAc \
  "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY status ORDER BY status) s")
abandoned=$(psql -h 127.0.0.1 -U postgres -d "${PREFIX}_order" -tAc "SELECT count(*) FROM abandoned_orders")
echo "== orders stored: $placed ($by_status); abandoned before being stored: $abandoned"
echo "== faults: $kills roles SIGKILLed, RabbitMQ restarted $broker_restarts×, PostgreSQL $pg_restarts×, MariaDB $mariadb_restarts×, late RPC answers and lost processor answers at random"
if [ -n "$settled" ]; then
  echo "== settled $((settled - last_fault)) s after the last fault; petal audit: every invariant holds"
else
  cat "$LOGS/audit.txt"
  echo "== NOT settled within $((PETAL_RESERVATION_HOLD_SECS + 60)) s of the last fault (logs: $LOGS)" >&2
  KEEP=1
  exit 1
fi
