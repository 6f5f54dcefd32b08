#!/usr/bin/env bash
# What Kubernetes would do to Petal, proven with processes on this machine's loopback:
# two web instances behind haproxy, two payment and two delivery instances as competing
# consumers, one of each other role; a bounded HTTP load through the proxy (browsers signing up,
# reading the catalog, ordering, cancelling) all along, while
#   1. every instance is replaced one at a time, as a rolling update with maxSurge 1 and
#      maxUnavailable 0 does: the new instance starts, becomes ready, then the old one gets
#      SIGTERM and drains;
#   2. every role is SIGKILLed once with orders in flight, and a supervisor (standing in for the
#      container restart policy and the liveness probe) starts it again.
# Then it waits for the saga to settle and runs `petal audit`. It prints failed HTTP requests
# (refused or broken connections and 5xx answers), orders, the time each killed role took to be
# ready again, and the audit's verdict.
#   scripts/rollout.sh                 (release build: cargo xtask build)
#   BIN=target/debug scripts/rollout.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
BIN=${BIN:-$ROOT/target/release}
RATE=${RATE:-15}
[ -x "$BIN/petal" ] || { echo "build $BIN/petal first" >&2; exit 1; }
command -v haproxy >/dev/null || { say "installing haproxy"; apt_install haproxy; }

PREFIX="petal_rollout_$(date +%s)_$$"
STATE="$ROOT/target/rollout-$PREFIX"; mkdir -p "$STATE"
export PETAL_DATABASE_PREFIX="$PREFIX" PETAL_BROKER_PREFIX="$PREFIX" RUST_LOG=${RUST_LOG:-warn}
export PETAL_DB_POOL_SIZE=5 LEPTOS_SITE_ROOT="$ROOT/target/site"
# The HTTP load signs many customers up from one address (haproxy): no per-address limits.
export PETAL_RATE_LIMITS=off
PROXY=4100          # the storefront, through haproxy
WEB_PORTS=(4101 4103 4105 4107)   # site ports of web slots (ops = site + 1)
NEXT_OPS=4120       # ops ports of other instances, handed out in order

# haproxy: web slots as servers, health-checked on their ops port's /health/ready every 300 ms;
# a refused connection is retried on another server.
cat >"$STATE/haproxy.cfg" <<EOF
global
  maxconn 512
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
  retry-on conn-failure empty-response
frontend shop
  bind 127.0.0.1:$PROXY
  default_backend web
backend web
  option httpchk GET /health/ready
  default-server inter 300ms fall 1 rise 1
$(for i in "${!WEB_PORTS[@]}"; do echo "  server web$i 127.0.0.1:${WEB_PORTS[$i]} check port $((WEB_PORTS[$i] + 1))"; done)
EOF
haproxy -f "$STATE/haproxy.cfg" -D -p "$STATE/haproxy.pid"

declare -A OPS ROLE_OF
INSTANCES=()

# Starts an instance of `role` under a supervisor that starts it again whenever it dies of a
# signal (the restart policy); a clean exit after SIGTERM ends it.
start() {
  local role=$1 name=$2 ops site=""
  if [ "$role" = web ]; then
    site=$3; ops=$((site + 1))
  else
    ops=$NEXT_OPS; NEXT_OPS=$((NEXT_OPS + 1))
  fi
  OPS[$name]=$ops; ROLE_OF[$name]=$role; INSTANCES+=("$name")
  (
    set +m
    while :; do
      LEPTOS_SITE_ADDR="127.0.0.1:${site:-1}" PETAL_OPS_PORT=$ops \
        "$BIN/petal" "$role" >>"$STATE/$name.log" 2>&1 &
      echo $! >"$STATE/$name.pid"
      set +e; wait $!; code=$?; set -e
      [ "$code" -gt 128 ] || break      # killed by a signal: start again
      echo "$(date +%s.%N) restart" >>"$STATE/$name.restarts"
    done
  ) 2>/dev/null &
}
ready() { curl -sf "http://127.0.0.1:${OPS[$1]}/health/ready" >/dev/null 2>&1; }
wait_ready() {
  for _ in $(seq 1 600); do ready "$1" && return 0; sleep 0.05; done
  echo "$1 never became ready; see $STATE/$1.log" >&2; return 1
}
stop_instance() { # SIGTERM, as Kubernetes does to a pod it replaces, and wait for the drain
  local pid from; pid=$(cat "$STATE/$1.pid"); from=$(date +%s.%N)
  kill -TERM "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  DRAINED=$(echo "$(date +%s.%N) - $from" | bc | xargs printf '%.2f')
  INSTANCES=("${INSTANCES[@]/$1}")
}
cleanup() {
  touch "$STATE/load.json.stop"
  for name in "${INSTANCES[@]}"; do [ -n "$name" ] && kill -TERM "$(cat "$STATE/$name.pid" 2>/dev/null)" 2>/dev/null || true; done
  kill "$(cat "$STATE/haproxy.pid" 2>/dev/null)" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || forget_shop "$PREFIX"
}
trap cleanup EXIT

start inventory inventory-1; wait_ready inventory-1
for spec in "order order-1" "payment payment-1" "payment payment-2" "delivery delivery-1" \
            "delivery delivery-2" "notification notification-1"; do
  # shellcheck disable=SC2086
  start $spec
done
start web web-1 "${WEB_PORTS[0]}"; start web web-2 "${WEB_PORTS[1]}"
for name in "${INSTANCES[@]}"; do wait_ready "$name"; done
echo "== $(( ${#INSTANCES[@]} )) instances ready behind haproxy on 127.0.0.1:$PROXY; HTTP load at $RATE visits/s"
# Plenty of stock, as staff would have before a busy day.
for slug in red-rose-bouquet pink-tulips sunflower-bouquet carnation-basket white-lily-bouquet \
            blue-hydrangea freesia-bouquet gerbera-bouquet; do
  "$BIN/petal" restock "$slug" 900 "stock for the rollout proof" >/dev/null
done

python3 "$ROOT/scripts/http-load.py" "http://127.0.0.1:$PROXY" "$RATE" 600 "$STATE/load.json" &
LOAD=$!
sleep 5

echo "== 1. rolling replacement, one instance at a time (surge first, then SIGTERM)"
phase1_from=$(date +%s.%N)
web_slot=2
for old in order-1 inventory-1 payment-1 payment-2 delivery-1 delivery-2 notification-1 web-1 web-2; do
  role=${ROLE_OF[$old]}; new="${role}-r${old##*-}"
  if [ "$role" = web ]; then start web "$new" "${WEB_PORTS[$web_slot]}"; web_slot=$((web_slot + 1)); else start "$role" "$new"; fi
  wait_ready "$new"
  stop_instance "$old"
  echo "  replaced $old by $new ($old drained and exited $DRAINED s after SIGTERM)"
  sleep 2
done

phase1_to=$(date +%s.%N)
echo "== 2. kill -9 each role once, orders in flight"
for name in "${INSTANCES[@]}"; do
  [ -n "$name" ] || continue
  killed_at=$(date +%s.%N)
  kill -9 "$(cat "$STATE/$name.pid")"
  sleep 0.05
  until [ -s "$STATE/$name.restarts" ] && ready "$name"; do sleep 0.02; done
  echo "  $name (${ROLE_OF[$name]}): ready again $(echo "$(date +%s.%N) - $killed_at" | bc | xargs printf '%.2f') s after SIGKILL"
  sleep 2
done

# What each instance holds after the run: the figures behind the manifests' requests and limits.
echo "== resident memory and CPU time after the run (ps):"
for name in "${INSTANCES[@]}"; do
  [ -n "$name" ] || continue
  ps -o rss=,cputime= -p "$(cat "$STATE/$name.pid")" | awk -v n="$name" '{printf "   %-16s %5.1f MB RSS, %s CPU\n", n, $1/1024, $2}'
done
touch "$STATE/load.json.stop"; wait "$LOAD"
phase1_failed=$(python3 - "$STATE/load.json" "$phase1_from" "$phase1_to" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
start, end = float(sys.argv[2]), float(sys.argv[3])
during = [f for f in r["failures"] if start <= f["at"] <= end]
print(f"== HTTP through the proxy: {r['requests']} requests in {r['visits']} visits; {r['orders_placed']} orders placed", file=sys.stderr)
print("   by answer:", ", ".join(f"{k}: {v}" for k, v in sorted(r["by_status"].items())), file=sys.stderr)
print(f"   failed during the rolling replacement: {len(during)}; during the kills: {r['failed'] - len(during)}", file=sys.stderr)
for f in r["failures"]:
    print("   failed:", f["what"], file=sys.stderr)
print(len(during))
EOF
)

settled=""
for _ in $(seq 1 60); do
  if "$BIN/petal" audit >"$STATE/audit.txt" 2>&1; then settled=1; break; fi
  sleep 2
done
psql -h 127.0.0.1 -U postgres -d "${PREFIX}_order" -tAc \
  "SELECT '== orders: ' || string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM orders GROUP BY status ORDER BY status) s"
if [ -n "$settled" ]; then echo "== petal audit: every invariant holds"; else cat "$STATE/audit.txt"; fi
[ -n "$settled" ] && [ "$phase1_failed" = 0 ] || { KEEP=1; echo "logs: $STATE" >&2; exit 1; }
