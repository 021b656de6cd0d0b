# A dockerd of the test's own, for fault tests that kill or restart the
# daemon: its own socket, data root, exec root (so its own containerd) and
# pid file, never the host's dockerd that other tests share. Source after
# lib.sh. start_own_dockerd exports DOCKER_HOST, so the test's docker
# commands (job_containers, cleanup) talk to it; agents need
# --docker-socket "$OWN_DOCKER_SOCKET".

OWN_DOCKERD_DIR=$(mktemp -d /tmp/arena-dockerd.XXXXXX)
OWN_DOCKER_SOCKET="$OWN_DOCKERD_DIR/docker.sock"

own_dockerd_pid() { cat "$OWN_DOCKERD_DIR/docker.pid" 2>/dev/null; }

launch_own_dockerd() {
  rm -f "$OWN_DOCKERD_DIR/docker.pid"
  setsid -f dockerd --host "unix://$OWN_DOCKER_SOCKET" --data-root "$OWN_DOCKERD_DIR/data" \
    --exec-root "$OWN_DOCKERD_DIR/exec" --pidfile "$OWN_DOCKERD_DIR/docker.pid" \
    --bridge=none --iptables=false >>"$OWN_DOCKERD_DIR/dockerd.log" 2>&1 </dev/null
  wait_until 60 docker -H "unix://$OWN_DOCKER_SOCKET" info ||
    fail "the test's dockerd did not start: $(tail -n 5 "$OWN_DOCKERD_DIR/dockerd.log")"
}

stop_own_dockerd() {
  local pid
  pid=$(own_dockerd_pid)
  if [ -n "$pid" ]; then
    docker -H "unix://$OWN_DOCKER_SOCKET" ps -aq | xargs -r docker -H "unix://$OWN_DOCKER_SOCKET" rm -f >/dev/null 2>&1
    kill -TERM "$pid" 2>/dev/null
    wait_until 20 sh -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null
  fi
  pkill -f "containerd.*$OWN_DOCKERD_DIR" 2>/dev/null
  grep -F "$OWN_DOCKERD_DIR" /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l 2>/dev/null
  rm -rf "$OWN_DOCKERD_DIR"
}

# start_own_dockerd [IMAGE...]: starts it and copies the images from the
# host's dockerd into it (no registry, no network).
start_own_dockerd() {
  trap 'rc=$?; set +e; stop_own_dockerd; (exit "$rc"); cleanup' EXIT
  launch_own_dockerd
  local image
  for image in "$@"; do
    docker -H "unix:///var/run/docker.sock" save "$image" | docker -H "unix://$OWN_DOCKER_SOCKET" load >/dev/null ||
      fail "cannot copy $image into the test's dockerd"
  done
  export DOCKER_HOST="unix://$OWN_DOCKER_SOCKET"
}

# kill -9 and start again on the same data root (images and containers'
# records kept), as a crashed and restarted daemon.
restart_own_dockerd() {
  local pid
  pid=$(own_dockerd_pid)
  [ -n "$pid" ] || fail "the test's dockerd is not running"
  kill -9 "$pid"
  wait_until 20 sh -c "! kill -0 $pid 2>/dev/null" || fail "dockerd did not die"
  sleep 1
  launch_own_dockerd
}
