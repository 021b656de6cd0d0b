# shellcheck shell=bash
# A real registry for pull tests, sourced after lib.sh (it uses $WORK and
# adds to lib.sh's EXIT trap). Debian's docker-registry (distribution 2.8) on
# 127.0.0.1 with TLS (a self-signed certificate for IP 127.0.0.1, trusted by
# dockerd through /etc/docker/certs.d/127.0.0.1:PORT/ca.crt, removed at exit).
#
#   start_registry NAME [htpasswd]   sets REG (127.0.0.1:PORT) and REG_DIR; with
#                                    "htpasswd" it asks for REG_USER/REG_PASS
#   stop_registry NAME               kills it (the port and storage stay)
#   restart_registry NAME            the same port and storage again
#   push_single IMAGE_REF            arena-test/busybox:latest as IMAGE_REF
#   push_multiarch REPO:TAG          an OCI index of the amd64 and arm64 busybox
#   push_random IMAGE_REF KIB        the busybox plus a layer of KIB random
#                                    bytes (a distinct image; not kept locally)
#   drop_registry_images HOST IMAGE...  removes IMAGEs and every image of HOST
#                                    (by digest too), so pulls start from absent
#   slow_proxy NAME BYTES_PER_S      a loopback TCP proxy to registry NAME that
#                                    throttles its answers; sets SLOW (HOST:PORT)
#
# The images come from deploy/build-test-image.sh (busybox-static for amd64
# and arm64); nothing leaves 127.0.0.1.
REG_USER=arena
REG_PASS=registry-pass-$$
command -v docker-registry >/dev/null || fail "docker-registry missing: run deploy/setup-test-tools.sh"
command -v buildah >/dev/null || fail "buildah missing: run deploy/setup-test-tools.sh"
docker image inspect arena-test/busybox:arm64 >/dev/null 2>&1 ||
  bash "$(dirname "${BASH_SOURCE[0]}")/../../deploy/build-test-image.sh" >/dev/null
declare -A REG_PORTS=()
declare -A REG_PIDS=()

registry_cleanup() {
  local rc=$? name
  set +e  # (exit "$rc") below must not end the trap before cleanup
  for name in "${!REG_PIDS[@]}"; do kill "${REG_PIDS[$name]}" 2>/dev/null || true; done
  for name in "${!REG_PORTS[@]}"; do rm -rf "/etc/docker/certs.d/127.0.0.1:${REG_PORTS[$name]}"; done
  (exit "$rc")
  cleanup
}
trap registry_cleanup EXIT

drop_registry_images() {
  local host=$1; shift
  docker rmi -f "$@" >/dev/null 2>&1 || true
  docker images --digests --format '{{.Repository}}@{{.Digest}}' | grep "^$host/" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_registry() {  # NAME [htpasswd]
  local name=$1 dir="$WORK/registry-$1" port
  port=$(free_port)
  mkdir -p "$dir/data"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" \
    -out "$dir/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
  cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http:
  addr: 127.0.0.1:$port
  tls: {certificate: $dir/cert.pem, key: $dir/key.pem}
EOF
  if [ "${2:-}" = htpasswd ]; then
    htpasswd -Bbc "$dir/htpasswd" "$REG_USER" "$REG_PASS" 2>/dev/null
    printf 'auth: {htpasswd: {realm: arena-test, path: %s}}\n' "$dir/htpasswd" >>"$dir/config.yml"
  fi
  mkdir -p "/etc/docker/certs.d/127.0.0.1:$port"
  cp "$dir/cert.pem" "/etc/docker/certs.d/127.0.0.1:$port/ca.crt"
  REG_PORTS[$name]=$port
  REG="127.0.0.1:$port"
  REG_DIR=$dir
  restart_registry "$name"
}

restart_registry() {  # NAME
  local name=$1 dir="$WORK/registry-$1" port=${REG_PORTS[$1]}
  docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
  REG_PIDS[$name]=$!
  wait_until 20 command curl -s -o /dev/null --cacert "$dir/cert.pem" "https://127.0.0.1:$port/v2/" ||
    fail "registry $name did not start"
}

stop_registry() {  # NAME
  kill "${REG_PIDS[$1]}" 2>/dev/null || true
  wait "${REG_PIDS[$1]}" 2>/dev/null || true
  unset "REG_PIDS[$1]"
}

# buildah's view of the registry: its CA and, for htpasswd ones, the login.
reg_flags() {  # HOST:PORT
  local flags=(--cert-dir "/etc/docker/certs.d/$1")
  [ -f "$REG_DIR/htpasswd" ] && flags+=(--creds "$REG_USER:$REG_PASS")
  echo "${flags[@]}"
}

# buildah with its storage in the test's temp dir (vfs: no mounts needed).
bah() {
  buildah --root "$WORK/buildah" --runroot "$WORK/buildah-run" --storage-driver vfs "$@" 2>/dev/null
}

# push_image LOCAL REF: a local Docker image to the registry.
push_image() {
  bah pull -q "docker-daemon:$1" >/dev/null
  # shellcheck disable=SC2046
  bah push -q $(reg_flags "${2%%/*}") "docker.io/$1" "docker://$2" >/dev/null
}

push_single() {  # REF (HOST:PORT/REPO:TAG)
  push_image arena-test/busybox:latest "$1"
}

push_multiarch() {  # REF (HOST:PORT/REPO:TAG)
  local ref=$1 host=${1%%/*} repo=${1%:*} list="arena-list-$$-$RANDOM" arch
  for arch in amd64 arm64; do
    push_image "arena-test/busybox:$arch" "$repo:only-$arch"
  done
  bah manifest create "$list" >/dev/null
  for arch in amd64 arm64; do
    # shellcheck disable=SC2046
    bah manifest add $(reg_flags "$host") --arch "$arch" --os linux "$list" \
      "docker://$repo:only-$arch" >/dev/null
  done
  # shellcheck disable=SC2046
  bah manifest push -q $(reg_flags "$host") --all "$list" "docker://$ref" >/dev/null
  bah manifest rm "$list" >/dev/null
}

push_random() {  # REF (HOST:PORT/REPO:TAG) KIB
  local dir="$WORK/random-$RANDOM"
  mkdir -p "$dir"
  head -c "$(($2 * 1024))" /dev/urandom >"$dir/payload"
  printf 'FROM arena-test/busybox:latest\nCOPY payload /payload\n' >"$dir/Dockerfile"
  # COPY only: no container runs (the daemon has no bridge network).
  DOCKER_BUILDKIT=0 docker build -q -t "$1" "$dir" >/dev/null 2>&1 || fail "cannot build $1"
  bah pull -q "docker-daemon:$1" >/dev/null || fail "buildah cannot read $1"
  # shellcheck disable=SC2046
  bah push -q $(reg_flags "${1%%/*}") "$1" "docker://$1" >/dev/null || fail "cannot push $1"
  bah rmi "$1" >/dev/null || true
  docker rmi "$1" >/dev/null
  rm -rf "$dir"
}

# dockerd trusts the proxy's port like the registry's (the TLS is end to end).
slow_proxy() {  # NAME BYTES_PER_S
  local port_file="$WORK/proxy-$1.port"
  python3 "$(dirname "${BASH_SOURCE[0]}")/slow_proxy.py" "${REG_PORTS[$1]}" "$2" "$port_file" \
    >>"$WORK/proxy-$1.log" 2>&1 &
  REG_PIDS["proxy-$1"]=$!
  wait_until 10 test -f "$port_file" || fail "proxy for $1 did not start"
  SLOW="127.0.0.1:$(cat "$port_file")"
  REG_PORTS["proxy-$1"]=$(cat "$port_file")
  mkdir -p "/etc/docker/certs.d/$SLOW"
  cp "$WORK/registry-$1/cert.pem" "/etc/docker/certs.d/$SLOW/ca.crt"
}
