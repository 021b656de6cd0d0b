# Helpers for Arena's integration tests: real arena-controller and
# arena-agent processes on loopback with mTLS, a real dockerd, real SQLite.
# Every test gets its own temp dir; processes are killed on exit. Loops are
# bounded in count and time.
set -euo pipefail

BIN="${ARENA_BIN:?ARENA_BIN must point at build/bin}"
IMAGE="${ARENA_TEST_IMAGE:-arena-test/busybox:latest}"
WORK=$(mktemp -d /tmp/arena-it.XXXXXX)
PIDS=()

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  # Containers of this test's agents that a killed agent could not remove.
  for f in "$WORK"/*/agent.id; do
    [ -f "$f" ] || continue
    docker ps -aq --filter "label=arena.agent=$(cat "$f")" | xargs -r docker rm -f >/dev/null 2>&1 || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log; do
      [ -f "$f" ] || continue
      echo "---- $f (last 30 lines)"
      tail -n 30 "$f"
    done
  fi
  if [ -n "${ARENA_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

pass() { echo "ok - $*"; }

# The REST gateway serves HTTPS with the controller's certificate.
curl() { command curl --cacert "$CA" "$@"; }

assert_eq() {  # expected actual message
  [ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"
}

assert_contains() {  # haystack needle message
  case "$1" in *"$2"*) ;; *) fail "$3: [$2] not in [$1]" ;; esac
}

# HTTP answers from `curl -s -w '\n%{http_code}'`: the code and the body.
code_of() { tail -n 1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }

expect_http() {  # CODE NEEDLE curl-args...
  local want=$1 needle=$2; shift 2
  local r
  r=$(curl -s -w '\n%{http_code}' "$@")
  assert_eq "$want" "$(code_of "$r")" "status of curl $*"
  assert_contains "$(body_of "$r")" "$needle" "body of curl $*"
}

# expect_usage NEEDLE COMMAND...: exits 2 with NEEDLE on stderr ($WORK/err).
expect_usage() {
  local needle=$1; shift
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  set -e
  assert_eq 2 "$rc" "exit code of: $*"
  assert_contains "$(cat "$WORK/err")" "$needle" "message of: $*"
}

# wait_until SECONDS COMMAND...: retries COMMAND every 0.1 s.
wait_until() {
  local limit=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$limit"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# start_controller NAME [PORT] [extra flags...]: sets CONTROLLER, CA, TOKEN,
# CTL_DIR, CTL_PID, CTL_HTTP.
start_controller() {
  local name=$1 port=${2:-0}
  shift; [ $# -gt 0 ] && shift
  CTL_DIR="$WORK/$name"
  rm -f "$CTL_DIR/ports.json"
  # Tests clone file:// repositories (--allow-local-repos, agents too).
  "$BIN/arena-controller" --data-dir "$CTL_DIR" --listen "127.0.0.1:$port" \
    --http-listen 127.0.0.1:0 --default-image "$IMAGE" --allow-local-repos "$@" >>"$WORK/$name.log" 2>&1 &
  CTL_PID=$!
  disown "$CTL_PID"
  PIDS+=("$CTL_PID")
  wait_until 10 test -f "$CTL_DIR/ports.json" || fail "controller $name did not start"
  local grpc_port
  grpc_port=$(sed -E 's/.*"grpc": ([0-9]+).*/\1/' "$CTL_DIR/ports.json")
  CTL_HTTP=$(sed -E 's/.*"http": ([0-9]+).*/\1/' "$CTL_DIR/ports.json")
  CONTROLLER="127.0.0.1:$grpc_port"
  CTL_URL="https://127.0.0.1:$CTL_HTTP"
  CA="$CTL_DIR/ca.pem"
  TOKEN=$(cat "$CTL_DIR/admin.token")
}

actl() {
  "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN" "$@"
}

agent_connected() {  # AGENT_ID
  actl -o json agents | tr -d ' \n' | grep -q "\"id\":\"$1\"[^}]*\"connected\":true"
}

# start_agent NAME [extra flags...]: enrolls on first start; sets AGENT_ID,
# AGENT_PID, AGENT_DIR, and waits until the controller lists it connected.
# Test agents clone the tests' file:// repositories (--allow-local-repos).
start_agent() {
  local name=$1; shift
  AGENT_DIR="$WORK/$name"
  local join=()
  if [ ! -f "$AGENT_DIR/agent.pem" ]; then join=(--join-token "$(actl join-token create)"); fi
  "$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$AGENT_DIR" \
    --allow-local-repos "${join[@]}" "$@" >>"$WORK/$name.log" 2>&1 &
  AGENT_PID=$!
  disown "$AGENT_PID"
  PIDS+=("$AGENT_PID")
  wait_until 10 test -f "$AGENT_DIR/agent.id" || fail "agent $name did not enroll"
  AGENT_ID=$(cat "$AGENT_DIR/agent.id")
  wait_until 10 agent_connected "$AGENT_ID" || fail "agent $name did not connect"
}

# json_field FIELD: first value of "FIELD" in the JSON on stdin.
json_field() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {"d": d}))' "$1"
}

job_containers() {  # JOB_ID: containers Docker still has for the job
  docker ps -aq --filter "label=arena.job=$1"
}

log_has() {  # JOB TEXT: the job's (single-task) log contains TEXT
  actl logs "$1" 2>/dev/null | grep -q -- "$2"
}

no_containers() {  # JOB
  [ -z "$(job_containers "$1")" ]
}

task_started() {  # JOB
  actl -o json status "$1" | grep -q '"started_unix_ms"'
}

# allure_peer_or_skip: sets ALLURE_PEER to the allure-docker-service peer's
# folder (../shared/peers), or exits 77 (skipped) when it is not on this machine.
allure_peer_or_skip() {
  local here dir
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  for dir in "${ARENA_ALLURE_PEER:-}" "$here/../shared/peers/allure-docker-service" \
    /work/shared/peers/allure-docker-service; do
    [ -n "$dir" ] && [ -x "$dir/start.sh" ] && { ALLURE_PEER=$dir; return 0; }
  done
  echo "SKIPPED: no allure-docker-service peer (set ARENA_ALLURE_PEER)"
  exit 77
}

process_gone() {  # PID
  ! kill -0 "$1" 2>/dev/null
}

# example_repo DIR NAME: a bare repository $WORK/NAME.git holding DIR's files
# as one commit on main (an example's project, as its team's git server
# would serve it); sets REPO (a file:// URL) and COMMIT (the sha).
example_repo() {
  local src="$WORK/$2-src"
  mkdir -p "$src"
  cp -r "$1/." "$src/"
  git -C "$src" init -q -b main
  git -C "$src" add .
  git -C "$src" -c user.name=t -c user.email=t@localhost commit -qm "$2"
  git clone -q --bare "$src" "$WORK/$2.git"
  REPO="file://$WORK/$2.git"
  COMMIT=$(git -C "$src" rev-parse HEAD)
}
