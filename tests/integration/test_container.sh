#!/usr/bin/env bash
# The controller as a container (deploy/container/build.sh: the binary and
# its libraries on an empty base, uid 10001): it starts from the image with
# its state in a mounted volume, a host agent enrolls with it and runs a job,
# and the state survives a container restart. The compose file parses.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
tag="arena-controller:test-$$"
name="arena-ctl-test-$$"
bash "$root/deploy/container/build.sh" "$BIN" "$tag" >"$WORK/build.log" 2>&1 || fail "image build: $(cat "$WORK/build.log")"
trap 'docker rm -f "$name" >/dev/null 2>&1; docker rmi "$tag" >/dev/null 2>&1; cleanup' EXIT
assert_eq "10001:10001" "$(docker image inspect -f '{{.Config.User}}' "$tag")" "runs as an unprivileged user"

state="$WORK/state"
mkdir -p "$state" && chown 10001:10001 "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_controller() {
  docker run -d --name "$name" --network host -v "$state:/var/lib/arena-controller" "$tag" \
    --listen "127.0.0.1:$port" --http-listen 127.0.0.1:0 --advertise localhost,127.0.0.1 >/dev/null
  wait_until 20 test -f "$state/ports.json" || fail "containerized controller did not start: $(docker logs "$name" 2>&1 | tail -5)"
}
run_controller
CONTROLLER="127.0.0.1:$port"
CA="$state/ca.pem"
TOKEN=$(cat "$state/admin.token")
assert_eq 10001 "$(stat -c %u "$state/arena.db")" "state written as uid 10001"
start_agent agent --slots 1
job=$(actl submit --image "$IMAGE" -- sh -c 'echo from a containerized controller')
actl wait "$job" >/dev/null || fail "job through the containerized controller"
pass "controller image: starts on an empty base as uid 10001, a host agent runs a job through it"

docker rm -f "$name" >/dev/null
rm -f "$state/ports.json"
run_controller
assert_eq PASSED "$(actl -o json status "$job" | jq -r .state)" "the job after a container restart"
pass "state survives the container's restart (volume)"
command -v docker-compose >/dev/null || fail "docker-compose is needed (deploy/setup-test-tools.sh installs it)"
docker-compose -f "$root/deploy/container/compose.yaml" config >"$WORK/compose.out" 2>&1 ||
  fail "compose file: $(cat "$WORK/compose.out")"
assert_contains "$(cat "$WORK/compose.out")" "/var/lib/arena-controller" "compose mounts the state volume"
pass "the compose file is valid"
