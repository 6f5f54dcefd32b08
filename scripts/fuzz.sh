#!/usr/bin/env bash
# cargo-fuzz (libFuzzer, AddressSanitizer) on what reads untrusted bytes: AMQP envelopes, the
# order form, uploaded photos, cards, phone numbers and dates (contexts/fuzz). A crash leaves its
# input in contexts/fuzz/artifacts/<target>/ and fails the run.
#
# usage: scripts/fuzz.sh [SECONDS]   each target for SECONDS (default 20: the short run in
#                                    scripts/test.sh; the README's long run: scripts/fuzz.sh 600)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
fuzz_tools
EACH=${1:-20}
cd "$ROOT/contexts/fuzz"
mkdir -p target
# cargo-fuzz passes nightly-only flags (-Zsanitizer); this machine has one stable toolchain,
# which takes them when told it is bootstrapping itself.
export RUSTC_BOOTSTRAP=1
for target in envelope order_form photo card_and_dates; do
  say "fuzzing $target for ${EACH}s"
  mkdir -p "corpus/$target"
  set +e
  cargo fuzz run --fuzz-dir . "$target" "corpus/$target" -- \
    -max_total_time="$EACH" -rss_limit_mb=2048 -print_final_stats=1 >"target/$target.log" 2>&1
  status=$?
  set -e
  grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY|thread '|error)" "target/$target.log" | head -20 || true
  [ "$status" = 0 ] || { tail -30 "target/$target.log"; echo "fuzzing $target failed: contexts/fuzz/artifacts/$target/" >&2; exit 1; }
done
say "fuzzing found nothing"
