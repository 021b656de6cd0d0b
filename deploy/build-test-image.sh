#!/usr/bin/env bash
# Builds the small local image Arena's quickstart and tests run in, from the
# host's busybox-static (no registry needed). Idempotent.
#   deploy/build-test-image.sh [TAG]      default arena-test/busybox:latest
set -euo pipefail
tag="${1:-arena-test/busybox:latest}"
if docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp" "$dir/workspace"
cp /bin/busybox "$dir/bin/busybox"
for applet in $("$dir/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
done
chmod 1777 "$dir/tmp"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' - "$tag" >/dev/null
echo "built image $tag"
