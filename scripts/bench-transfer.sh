#!/usr/bin/env bash
# What a first visit to the catalog transfers: the page and every file it loads (script, WASM,
# style), as plain bytes, gzip and brotli, side by side; then a second visit that revalidates
# the files it has (If-Modified-Since). Prints figures; asserts nothing.
#   scripts/bench-transfer.sh     (after cargo leptos build --release --split --precompress)
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
printf '%-34s %10s %10s %10s\n' "file" "plain" "gzip" "brotli"
total_plain=0 total_gzip=0 total_br=0
for path in / "${FILES[@]}"; do
  p=$(size "$path") g=$(size "$path" gzip) b=$(size "$path" br)
  printf '%-34s %10d %10d %10d\n' "$path" "$p" "$g" "$b"
  total_plain=$((total_plain + p)) total_gzip=$((total_gzip + g)) total_br=$((total_br + b))
done
printf '%-34s %10d %10d %10d\n' "first visit" "$total_plain" "$total_gzip" "$total_br"
second=$(size / br)
for path in "${FILES[@]}"; do
  # Revalidated with the Last-Modified the browser was given for the brotli copy it holds.
  modified=$(curl -s -D - -o /dev/null -H 'accept-encoding: br' "$BASE$path" | awk -F': ' 'tolower($1) == "last-modified" { print $2 }' | tr -d '\r')
  status=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "if-modified-since: $modified" -H 'accept-encoding: br' "$BASE$path")
  echo "second visit $path: $status (status, body bytes)"
  second=$((second + ${status#* }))
done
echo "second visit, brotli: $second bytes of bodies (the page, and nothing for files it has)"
