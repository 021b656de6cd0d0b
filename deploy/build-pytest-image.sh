#!/usr/bin/env bash
# Builds a minimal Debian bookworm image with python3 and pytest (no
# registry: debootstrap from the Debian mirror apt already uses).
#   deploy/build-pytest-image.sh [IMAGE [PACKAGE...]]
# IMAGE defaults to arena-test/pytest:latest, for the test-intelligence
# tests; PACKAGEs are further Debian packages to install (bench/b8 builds
# one with python3-networkx, whose tests it runs). Idempotent: skipped
# when the image exists.
set -euo pipefail

image=${1:-arena-test/pytest:latest}
[ $# -gt 0 ] && shift
packages=python3-pytest
for p in "$@"; do packages="$packages,$p"; done
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
command -v debootstrap >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}
mirror=$(grep -hoE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
  2>/dev/null | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/arena-pytest-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "build-pytest-image: debootstrap bookworm ($packages) from $mirror"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >/tmp/arena-debootstrap.log 2>&1 ||
  { tail -20 /tmp/arena-debootstrap.log; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'WORKDIR /' - "$image" >/dev/null
echo "build-pytest-image: built $image"
