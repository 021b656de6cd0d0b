#!/usr/bin/env bash
# One command from a fresh clone to a finished test job:
# installs what is missing, builds, starts dockerd if needed, builds a small
# local image, starts arena-controller (SQLite in .quickstart/controller) and
# one arena-agent on loopback, and runs a sample job with `arenactl run`.
# Running it again restarts both and runs the job again.
#
#   ./deploy/quickstart.sh          set up and run the sample job
#   ./deploy/quickstart.sh stop     stop the controller and agent it started
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="${ARENA_QUICKSTART_DIR:-$root/.quickstart}"
bin="$root/build/bin"
image="arena-test/busybox:latest"

stop_started() {
  for name in agent controller; do
    if [ -f "$state/$name.pid" ]; then
      pid=$(cat "$state/$name.pid")
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
      rm -f "$state/$name.pid"
    fi
  done
}

if [ "${1:-}" = stop ]; then
  stop_started
  echo "quickstart: stopped"
  exit 0
fi

echo "== installing what is missing"
bash "$root/deploy/setup-host.sh"
echo "== building (cmake, -j2)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j2 --target arena-controller arena-agent arenactl 2>&1 | grep -E "error|Built target" || true
[ -x "$bin/arenactl" ] || { echo "quickstart: build failed" >&2; exit 1; }
echo "== test image"
bash "$root/deploy/build-test-image.sh" "$image"

stop_started
mkdir -p "$state"
rm -f "$state/controller/ports.json"
echo "== starting arena-controller"
nohup "$bin/arena-controller" --data-dir "$state/controller" --listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 --default-image "$image" --allow-local-repos \
  >"$state/controller.log" 2>&1 &
echo $! >"$state/controller.pid"
for _ in $(seq 1 100); do [ -f "$state/controller/ports.json" ] && break; sleep 0.1; done
[ -f "$state/controller/ports.json" ] || { cat "$state/controller.log"; exit 1; }
grpc_port=$(sed -E 's/.*"grpc": ([0-9]+).*/\1/' "$state/controller/ports.json")
http_port=$(sed -E 's/.*"http": ([0-9]+).*/\1/' "$state/controller/ports.json")
export ARENA_CONTROLLER="127.0.0.1:$grpc_port"
export ARENA_CA_FILE="$state/controller/ca.pem"
ARENA_TOKEN=$(cat "$state/controller/admin.token")
export ARENA_TOKEN

echo "== starting arena-agent"
join=()
if [ ! -f "$state/agent/agent.pem" ]; then
  join=(--join-token "$("$bin/arenactl" join-token create --ttl 10m)")
fi
nohup "$bin/arena-agent" --controller "$ARENA_CONTROLLER" --ca-file "$ARENA_CA_FILE" \
  --state-dir "$state/agent" --slots 2 --labels quickstart=true --allow-local-repos "${join[@]}" \
  >"$state/agent.log" 2>&1 &
echo $! >"$state/agent.pid"
for _ in $(seq 1 100); do
  "$bin/arenactl" -o json agents 2>/dev/null | grep -q '"connected": true' && break
  sleep 0.1
done
"$bin/arenactl" agents

echo "== sample repository"
repo="$state/sample-repo"
rm -rf "$repo"
mkdir -p "$repo"
cp "$root/deploy/sample/run-tests.sh" "$repo/"
git -C "$repo" init -q
git -C "$repo" -c user.name=arena -c user.email=arena@localhost add run-tests.sh
git -C "$repo" -c user.name=arena -c user.email=arena@localhost commit -qm "sample tests"
commit=$(git -C "$repo" rev-parse HEAD)

echo "== arenactl run --repo file://$repo --commit ${commit:0:12} -- sh run-tests.sh"
set +e
"$bin/arenactl" run --image "$image" --repo "file://$repo" --commit "$commit" \
  --timeout 5m -- sh run-tests.sh
verdict=$?
set -e
cat <<MSG

arenactl exited $verdict (0 passed, 1 failed, 3 error). The controller and agent keep running:
  export ARENA_CONTROLLER=$ARENA_CONTROLLER ARENA_CA_FILE=$ARENA_CA_FILE ARENA_TOKEN=\$(cat $state/controller/admin.token)
  $bin/arenactl jobs
  $bin/arenactl run -- sh -c 'echo hello from a container'
  curl --cacert $ARENA_CA_FILE https://127.0.0.1:$http_port/healthz
Dashboard: https://127.0.0.1:$http_port/ (log in with the admin token; the certificate is the controller's own CA)
Logs: $state/controller.log, $state/agent.log. Stop both: ./deploy/quickstart.sh stop
MSG
exit $verdict
