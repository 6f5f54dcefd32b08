#!/usr/bin/env bash
# What a first visit to the catalog transfers: the page and every file it loads (script, WASM,
# style), as plain bytes, gzip and brotli, side by side; then a second visit, which asks again
# only for the files not named after their content (If-Modified-Since). Prints figures;
# asserts nothing.
#   scripts/bench-transfer.sh     (after cargo xtask build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
PREFIX="petal_transfer_$(date +%s)"
export RUST_LOG=warn
BASE="http://127.0.0.1:3975"
start_shop "$ROOT/target/release/petal" "$PREFIX" 3975 3976 "$ROOT/target/transfer-petal.log"
until curl -s "$BASE/" | grep -q celebration-wreath; do sleep 0.2; done

size() { curl -s -o /dev/null -H "accept-language: ko" ${2:+-H "accept-encoding: $2"} -w '%{size_download}' "$BASE$1"; }
# The files the page names (modulepreload, preload, stylesheet), as the browser fetches them.
mapfile -t FILES < <(curl -s "$BASE/" | grep -oE '/pkg/[^"]+\.(js|wasm|css)' | sort -u)
# And the split loader, which the script imports.
script=$(printf '%s\n' "${FILES[@]}" | grep -m1 '\.js$')
mapfile -t -O "${#FILES[@]}" FILES < <(curl -s --compressed "$BASE$script" | grep -oE '__wasm_split\.[A-Za-z0-9_-]+\.js' | sort -u | sed 's|^|/pkg/|')
printf '%-34s %10s %10s %10s\n' "file" "plain" "gzip" "brotli"
total_plain=0 total_gzip=0 total_br=0
for path in / "${FILES[@]}"; do
  p=$(size "$path") g=$(size "$path" gzip) b=$(size "$path" br)
  printf '%-34s %10d %10d %10d\n' "$path" "$p" "$g" "$b"
  total_plain=$((total_plain + p)) total_gzip=$((total_gzip + g)) total_br=$((total_br + b))
done
printf '%-34s %10d %10d %10d\n' "first visit" "$total_plain" "$total_gzip" "$total_br"
second=$(size / br) asked=1
for path in "${FILES[@]}"; do
  headers=$(curl -s -D - -o /dev/null -H 'accept-encoding: br' "$BASE$path" | tr -d '\r')
  if grep -qi '^cache-control: .*immutable' <<<"$headers"; then
    # Named after its content and kept a year: a browser does not ask for it again.
    echo "second visit $path: kept (immutable), not asked"
    continue
  fi
  # Revalidated with the Last-Modified the browser was given for the brotli copy it holds.
  modified=$(awk -F': ' 'tolower($1) == "last-modified" { print $2 }' <<<"$headers")
  status=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "if-modified-since: $modified" -H 'accept-encoding: br' "$BASE$path")
  echo "second visit $path: $status (status, body bytes)"
  second=$((second + ${status#* })) asked=$((asked + 1))
done
echo "second visit, brotli: $asked requests, $second bytes of bodies"
