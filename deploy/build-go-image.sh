#!/usr/bin/env bash
# Builds arena-test/go:amd64 and arena-test/go:arm64, Go toolchains from
# Debian's golang packages, for examples/05-multi-arch-ci and its test (no
# registry). Each is busybox plus `dpkg -x` of golang-1.19-go, golang-1.19-src
# and libc6 for its architecture (the go command is linked against glibc; the
# compiler and linker are static): no package scripts run, so the arm64 image
# is built without emulation and only its tests run under qemu.
# Idempotent: an image that exists is skipped. Caches nothing but the images.
set -euo pipefail

have() { docker image inspect "$1" >/dev/null 2>&1; }
todo=()
for arch in amd64 arm64; do have "arena-test/go:$arch" || todo+=("$arch"); done
[ ${#todo[@]} -gt 0 ] || exit 0

work=$(mktemp -d /tmp/arena-go-image.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi

# download ARCH: the .debs of one architecture's image into $work/ARCH.
download() {
  local pkgs=("golang-1.19-go:$1" golang-1.19-src "libc6:$1" "busybox-static:$1")
  mkdir -p "$work/$1"
  (cd "$work/$1" && apt-get download -qq "${pkgs[@]}" 2>/dev/null) ||
    { apt-get update -qq && (cd "$work/$1" && apt-get download -qq "${pkgs[@]}"); }
}

# make_rootfs ARCH: $work/ARCH/ctx/rootfs, busybox's applets in /bin and Go.
make_rootfs() {
  local r="$work/$1/ctx/rootfs"
  mkdir -p "$r"
  for deb in "$work/$1"/*.deb; do dpkg -x "$deb" "$r"; done
  rm -rf "$r"/usr/share/go-1.19/{test,misc,api} "$r"/usr/share/doc "$r"/usr/share/man
  mkdir -p "$r/tmp" "$r/workspace" "$r/usr/local/bin"
  chmod 1777 "$r/tmp"
  # busybox-static installs /bin/busybox; the applets are links to it.
  for applet in $(busybox --list); do
    [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
  done
  ln -s /usr/lib/go-1.19/bin/go "$r/usr/local/bin/go"
  ln -s /usr/lib/go-1.19/bin/gofmt "$r/usr/local/bin/gofmt"
}

for arch in "${todo[@]}"; do
  started=$(date +%s)
  download "$arch"
  make_rootfs "$arch"
  cat >"$work/$arch/ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp GOCACHE=/tmp/go-cache GOPATH=/tmp/go CGO_ENABLED=0
WORKDIR /workspace
EOF
  # The classic builder sets the image's architecture from --platform
  # (`docker import` would label an arm64 rootfs amd64).
  DOCKER_BUILDKIT=0 docker build -q --platform "linux/$arch" -t "arena-test/go:$arch" "$work/$arch/ctx" \
    >/dev/null 2>"$work/build.err" || { cat "$work/build.err" >&2; exit 1; }
  rm -rf "${work:?}/$arch"
  echo "build-go-image: built arena-test/go:$arch in $(($(date +%s) - started)) s"
done
