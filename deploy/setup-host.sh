#!/usr/bin/env bash
# Installs what Arena needs to build and run on Debian 12, and starts dockerd
# if none answers. Idempotent: safe to run any number of times.
#   deploy/setup-host.sh            build + runtime packages, dockerd
#   ARENA_SKIP_DOCKERD=1 ...        packages only
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config ccache git ca-certificates curl python3 openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libssl-dev libgtest-dev libgmock-dev
  libcurl4-openssl-dev nlohmann-json3-dev libcpp-httplib-dev libpugixml-dev libyaml-cpp-dev libsodium-dev
  docker.io busybox-static qemu-user-static jq python3-yaml clang-14 libclang-rt-14-dev prometheus
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# arm64 (and other) containers on this host by qemu emulation: the kernel's
# binfmt_misc must be mounted and qemu's interpreters registered in it.
if [ -d /proc/sys/fs/binfmt_misc ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] &&
   [ "$(uname -m)" != aarch64 ]; then
  mountpoint -q /proc/sys/fs/binfmt_misc ||
    as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
  if [ -x /usr/lib/systemd/systemd-binfmt ]; then
    as_root /usr/lib/systemd/systemd-binfmt >/dev/null 2>&1 || true
  fi
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
    echo "setup: arm64 emulation unavailable (binfmt_misc not registered)" >&2
fi

if [ "${ARENA_SKIP_DOCKERD:-0}" != 1 ] && ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd (--bridge=none --iptables=false)"
  as_root sh -c 'nohup dockerd --bridge=none --iptables=false >/var/log/arena-dockerd.log 2>&1 &'
  for _ in $(seq 1 150); do
    docker info >/dev/null 2>&1 && break
    sleep 0.2
  done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/arena-dockerd.log" >&2; exit 1; }
fi
