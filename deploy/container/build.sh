#!/usr/bin/env bash
# Builds the controller's container image from a built binary, with no
# registry and no package manager: the image holds arena-controller, the
# shared libraries it loads (as ldd resolves them on this Debian 12 host), an
# unprivileged user (uid 10001) and its state directory, on an empty base.
#   deploy/container/build.sh [BIN_DIR] [TAG]
#   BIN_DIR defaults to build/bin, TAG to arena-controller:0.1.0
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/bin}
tag=${2:-arena-controller:0.1.0}
[ -x "$bin/arena-controller" ] || { echo "build.sh: no $bin/arena-controller (build first)" >&2; exit 2; }
ctx=$(mktemp -d /tmp/arena-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/usr/bin" "$ctx/rootfs/etc" "$ctx/rootfs/tmp" "$ctx/state"
cp "$bin/arena-controller" "$ctx/rootfs/usr/bin/"
# Every library the binary loads, and the dynamic loader, at their paths.
ldd "$bin/arena-controller" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r lib; do
  cp --parents -L "$lib" "$ctx/rootfs/"
done
echo "arena:x:10001:10001:Arena controller:/var/lib/arena-controller:/nonexistent" >"$ctx/rootfs/etc/passwd"
echo "arena:x:10001:" >"$ctx/rootfs/etc/group"
chmod 1777 "$ctx/rootfs/tmp"
cp "$here/Dockerfile" "$ctx/"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
echo "build.sh: built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}'))"
