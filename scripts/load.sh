#!/usr/bin/env bash
# Puts the whole shop (release build, every role in one process) under load with loadgen, on its
# own databases and broker names, and prints for each rate: throughput and latency from
# loadgen, CPU used by petal, PostgreSQL, MariaDB and RabbitMQ, database commits and broker
# messages per order, and petal's resident memory.
#   RATES="50 100 200" SECONDS_PER_RATE=15 scripts/load.sh      (after cargo xtask build
#                                                                 and cargo build --release --bin loadgen)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
PREFIX="petal_load_$(date +%s)"
export PETAL_DATABASE_PREFIX="$PREFIX" PETAL_BROKER_PREFIX="$PREFIX" RUST_LOG=warn
export LEPTOS_SITE_ADDR=127.0.0.1:3960 LEPTOS_SITE_ROOT="$ROOT/target/site" PETAL_OPS_PORT=3961
TICK=$(getconf CLK_TCK)

cpu_ticks() { # total user+system ticks of the processes named $1
  local total=0 pid
  for pid in $(pgrep -x "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
pg_commits() { psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname LIKE '${PREFIX}%'"; }
published() { # events staged in every outbox so far (each goes to every subscribed queue)
  local total=0 db
  for db in inventory order payment delivery; do
    total=$((total + $(psql -h 127.0.0.1 -U postgres -d "${PREFIX}_$db" -tAc "SELECT count(*) FROM outbox")))
  done
  echo "$total"
}

"$ROOT/target/release/petal" >"$ROOT/target/load-petal.log" 2>&1 &
PETAL=$!
cleanup() {
  kill -TERM "$PETAL" 2>/dev/null && wait "$PETAL" 2>/dev/null || true
  forget_shop "$PREFIX"
}
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$PETAL_OPS_PORT/health/ready" >/dev/null; do sleep 0.2; done

for rate in ${RATES:-50 100 200}; do
  echo "== $rate orders/s for ${SECONDS_PER_RATE:-15} s"
  p0=$(awk '{print $14 + $15}' /proc/$PETAL/stat); g0=$(cpu_ticks postgres); m0=$(cpu_ticks mariadbd); r0=$(cpu_ticks beam.smp)
  c0=$(pg_commits); x0=$(published); t0=$(date +%s.%N)
  out=$("$ROOT/target/release/loadgen" --rate "$rate" --seconds "${SECONDS_PER_RATE:-15}")
  t1=$(date +%s.%N)
  p1=$(awk '{print $14 + $15}' /proc/$PETAL/stat); g1=$(cpu_ticks postgres); m1=$(cpu_ticks mariadbd); r1=$(cpu_ticks beam.smp)
  c1=$(pg_commits); x1=$(published)
  echo "$out"
  orders=$((rate * ${SECONDS_PER_RATE:-15}))
  awk -v w="$(echo "$t1 - $t0" | bc)" -v tick="$TICK" -v p=$((p1 - p0)) -v g=$((g1 - g0)) -v m=$((m1 - m0)) -v r=$((r1 - r0)) \
    'BEGIN { printf "CPU (%% of one core): petal %.0f, postgres %.0f, mariadb %.0f, rabbitmq %.0f (2 cores = 200)\n", 100*p/tick/w, 100*g/tick/w, 100*m/tick/w, 100*r/tick/w }'
  echo "PostgreSQL commits per order: $(echo "scale=1; ($c1 - $c0) / $orders" | bc); events published per order: $(echo "scale=1; ($x1 - $x0) / $orders" | bc)"
  echo "petal resident memory: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$PETAL/status)"
done
