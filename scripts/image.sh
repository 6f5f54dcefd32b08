#!/usr/bin/env bash
# Builds Petal's container image FROM scratch with Debian's docker.io and prints its size.
# Needs the release build (cargo xtask build). Starts its own dockerd that
# creates no network (--bridge=none, no iptables) and stops it afterwards.
#   scripts/image.sh [tag]          (default tag: petal:dev)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
TAG=${1:-petal:dev}
BIN="$ROOT/target/release/petal"
[ -x "$BIN" ] && [ -d "$ROOT/target/site/pkg" ] || { echo "build first: cargo xtask build" >&2; exit 1; }
command -v dockerd >/dev/null || { say "installing docker.io"; apt_install docker.io; }

WORK=$(mktemp -d /tmp/petal-image.XXXXXX)
CONTEXT="$WORK/context"; ROOTFS="$CONTEXT/rootfs"
mkdir -p "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/site"
install -m 0755 "$BIN" "$ROOTFS/petal"
# The site's content names, which Leptos reads from beside the binary (see xtask/src/names.rs).
[ -f "$ROOT/target/release/hash.txt" ] && install -m 0644 "$ROOT/target/release/hash.txt" "$ROOTFS/hash.txt"
strip --strip-debug "$ROOTFS/petal"   # line tables stay in target/; the image needs none
# Exactly the libraries the binary links (and the loader), at the paths it looks for them.
for lib in $(ldd "$BIN" | awk '/=>/ { print $3 } /^\s*\/lib/ { print $1 }'); do
  mkdir -p "$ROOTFS$(dirname "$lib")"
  cp -L "$lib" "$ROOTFS$lib"
done
cp -r "$ROOT/target/site/." "$ROOTFS/site/"
printf 'root:x:0:0:root:/:/sbin/nologin\npetal:x:65532:65532:petal:/:/sbin/nologin\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\npetal:x:65532:\n' >"$ROOTFS/etc/group"
chmod 1777 "$ROOTFS/tmp"

DATA="$WORK/docker"; EXEC="$WORK/exec"; SOCK="$WORK/docker.sock"
dockerd --data-root "$DATA" --exec-root "$EXEC" --pidfile "$WORK/dockerd.pid" -H "unix://$SOCK" \
  --bridge=none --iptables=false --ip6tables=false >"$WORK/dockerd.log" 2>&1 &
DOCKERD=$!
stop_dockerd() {
  kill "$DOCKERD" 2>/dev/null && wait "$DOCKERD" 2>/dev/null || true
  umount "$EXEC/netns/default" 2>/dev/null || true
  rm -rf "$WORK" 2>/dev/null || true
}
trap stop_dockerd EXIT
export DOCKER_HOST="unix://$SOCK"
for _ in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
DOCKER_BUILDKIT=0 docker build -q -f "$ROOT/deploy/container/Containerfile" -t "$TAG" "$CONTEXT" >/dev/null
size=$(docker image inspect "$TAG" --format '{{.Size}}')
echo "image $TAG: $((size / 1024 / 1024)) MiB ($size bytes): binary $(stat -c %s "$ROOTFS/petal") bytes, site $(du -sb "$ROOT/target/site" | cut -f1) bytes, libraries $(du -sb "$ROOTFS/lib" "$ROOTFS/lib64" 2>/dev/null | awk '{s+=$1} END {print s}') bytes"
# The container as Kubernetes runs it (user 65532, read-only root, no capabilities, no new
# privileges), as one role against this machine's services: it must become ready, and when its
# process is SIGKILLed the restart policy (standing in for the liveness probe) brings it back.
if [ "${IMAGE_SMOKE:-1}" = 1 ]; then
  PREFIX="petal_image_$(date +%s)"
  docker run -d --name petal-smoke --network host --read-only --cap-drop ALL \
    --security-opt no-new-privileges --user 65532:65532 --restart on-failure:3 \
    -e PETAL_DATABASE_PREFIX="$PREFIX" -e PETAL_BROKER_PREFIX="$PREFIX" -e PETAL_OPS_PORT=4190 \
    -e PETAL_OPS_HOST=127.0.0.1 "$TAG" inventory >/dev/null
  smoke_ready() { for _ in $(seq 1 300); do curl -sf http://127.0.0.1:4190/health/ready >/dev/null && return 0; sleep 0.05; done; return 1; }
  smoke_ready || { docker logs petal-smoke; exit 1; }
  echo "the container (inventory role, user $(docker exec petal-smoke /petal help >/dev/null 2>&1; docker inspect petal-smoke --format '{{.Config.User}}'), read-only root, no capabilities) is ready"
  killed=$(date +%s.%N)
  kill -9 "$(docker inspect petal-smoke --format '{{.State.Pid}}')"
  sleep 0.1
  smoke_ready && echo "SIGKILLed, restarted by the restart policy (restarts: $(docker inspect petal-smoke --format '{{.RestartCount}}')), ready again $(echo "$(date +%s.%N) - $killed" | bc | xargs printf '%.2f') s later"
  docker rm -f petal-smoke >/dev/null
  forget_shop "$PREFIX"
fi
if [ -n "${IMAGE_SAVE:-}" ]; then docker save "$TAG" -o "$IMAGE_SAVE"; echo "saved to $IMAGE_SAVE"; fi
