#!/usr/bin/env bash
# Builds the small local images Arena's quickstart and tests run in, from
# Debian's busybox-static (no registry involved). Idempotent.
#   arena-test/busybox:latest   the host's architecture
#   arena-test/busybox:amd64    the same image under its architecture's tag
#   arena-test/busybox:arm64    an arm64 image (runs natively on arm64 hosts,
#                               under qemu emulation elsewhere)
set -euo pipefail

native=$(dpkg --print-architecture)
have() { docker image inspect "$1" >/dev/null 2>&1; }

# make_rootfs BUSYBOX DIR: a root filesystem of busybox and its applets.
make_rootfs() {
  mkdir -p "$2/bin" "$2/tmp" "$2/workspace"
  cp "$1" "$2/bin/busybox"
  for applet in $(busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$2/bin/$applet"
  done
  chmod 1777 "$2/tmp"
}

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

if ! have arena-test/busybox:latest; then
  make_rootfs /bin/busybox "$work/native"
  tar -C "$work/native" -c . | docker import -c 'ENV PATH=/bin' - arena-test/busybox:latest >/dev/null
  echo "built arena-test/busybox:latest ($native)"
fi
have "arena-test/busybox:$native" || docker tag arena-test/busybox:latest "arena-test/busybox:$native"

if [ "$native" != arm64 ] && ! have arena-test/busybox:arm64; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update -qq
  fi
  (cd "$work" && apt-get download -qq busybox-static:arm64 2>/dev/null) ||
    { apt-get update -qq && (cd "$work" && apt-get download -qq busybox-static:arm64); }
  dpkg -x "$work"/busybox-static_*_arm64.deb "$work/deb"
  make_rootfs "$work/deb/bin/busybox" "$work/ctx/rootfs"
  printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\n' >"$work/ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q --platform linux/arm64 -t arena-test/busybox:arm64 "$work/ctx" >/dev/null 2>&1
  echo "built arena-test/busybox:arm64"
fi
