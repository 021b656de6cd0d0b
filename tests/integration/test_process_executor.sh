#!/usr/bin/env bash
# The process executor end to end, on a host path with no dockerd in reach
# of its agent: a job with a repo checkout runs its command on the host in
# the checkout (stdout and stderr stored byte-exact, exit code and verdict,
# JUnit results, an artifact round trip; the image it names is not used,
# and the log says so); a job that times out leaves no process behind, even
# a double-forked setsid'd one; secrets are masked; a docker job with only a
# process agent connected waits with the reason, and a process job with only
# a docker agent; an unknown executor is refused at submit.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0
# No dockerd at this socket: the process agent must never need one.
start_agent host --executor process --docker-socket "$WORK/no-dockerd.sock"
HOST_DIR=$AGENT_DIR
if grep -qi "dockerd" "$WORK/host.log"; then fail "the process agent looked for dockerd: $(cat "$WORK/host.log")"; fi
assert_contains "$(cat "$WORK/host.log")" "process executor: commands run as" "agent start line"
assert_eq process "$(actl -o json agents | jq -r --arg id "$AGENT_ID" '.agents[] | select(.id == $id) | .executor')" \
  "the executor the agent advertised"
pass "an agent with --executor process starts and connects with no dockerd, and says so"

repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q
cat >"$repo/run.sh" <<'SH'
printf 'out line\n\001\377 bytes'
printf 'err line\n' >&2
mkdir -p reports dist
printf '<testsuite name="host"><testcase classname="host.t" name="passes" time="0.1"/><testcase classname="host.t" name="fails"><failure message="boom">trace</failure></testcase></testsuite>' >reports/junit.xml
head -c 200000 /dev/urandom >dist/blob
sha256sum dist/blob | cut -d' ' -f1 >dist/blob.sha256
pwd >dist/where
exit 4
SH
git -C "$repo" add run.sh
git -C "$repo" -c user.name=t -c user.email=t@localhost commit -qm one
cat >"$WORK/job.yaml" <<YAML
executor: process
image: registry.example.com/never/pulled:1
repo: file://$repo
command: [sh, run.sh]
junit: [reports/junit.xml]
artifacts: [dist]
YAML
set +e
actl run -f "$WORK/job.yaml" >"$WORK/run.out" 2>&1
rc=$?
set -e
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
assert_eq FAILED "$(jq -r '.tasks[0].state' <<<"$status")" "verdict of a command exiting 4 ($(tail -3 "$WORK/run.out"))"
assert_eq 4 "$(jq -r '.tasks[0].exit_code' <<<"$status")" "exit code"
assert_eq 1 "$rc" "arenactl run's exit status for a failed job"
actl logs "$job" >"$WORK/got.log"
printf 'out line\n\001\377 bytes' >"$WORK/want.stdout"
python3 - "$WORK/got.log" "$WORK/want.stdout" <<'PY' || fail "stored log: $(od -c "$WORK/got.log" | tail -20)"
import sys
got = open(sys.argv[1], "rb").read()
out = open(sys.argv[2], "rb").read()
err = b"err line\n"
# Arena's own lines (notes, the checkout) come first; then the command's
# two writes, each stored as written, in the order the pipes delivered them.
lines = got.split(b"\n")
arena = 0
while lines[arena].startswith(b"arena: "):
    arena += 1
rest = b"\n".join(lines[arena:])
assert rest in (out + err, err + out), rest
assert b"arena: cloning file://" in got, got
assert b"arena: image registry.example.com/never/pulled:1 not used" in got, got
PY
pass "a process job's stdout and stderr are stored byte-exact; exit 4 is FAILED"

results=$(actl -o json results "$job")
assert_eq "passed failed" "$(jq -r '[.results[] | .status] | sort | reverse | join(" ")' <<<"$results")" "JUnit results"
actl artifacts "$job" -d "$WORK/dl" 2>/dev/null
blob=$(find "$WORK/dl" -name blob -path '*dist*' | head -1)
[ -n "$blob" ] || fail "artifact not downloaded: $(find "$WORK/dl" -type f)"
assert_eq "$(cat "$(dirname "$blob")/blob.sha256")" "$(sha256sum "$blob" | cut -d' ' -f1)" "artifact sha256"
assert_eq 200000 "$(stat -c %s "$blob")" "artifact size"
where=$(cat "$(dirname "$blob")/where")
assert_contains "$where" "$HOST_DIR/work/att-ws" "the command ran in the checkout"
[ ! -e "$where" ] || fail "the workspace $where was left behind"
pass "JUnit results and a 200 kB artifact come back from the host's workspace, which is removed"

# A job that times out with a double-forked, setsid'd child that ignores
# SIGTERM: nothing of it may remain.
pids="$WORK/pids"
mkdir -p "$pids"
cat >"$WORK/timeout.yaml" <<YAML
executor: process
timeout_ms: 2000
command:
  - sh
  - -c
  - |
    ( setsid sh -c 'trap "" TERM; echo \$\$ > $pids/shell; sleep 1000 & echo \$! > $pids/sleep; wait' & )
    sleep 1000
YAML
set +e
actl run -f "$WORK/timeout.yaml" >"$WORK/timeout.out" 2>&1
set -e
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq TIMED_OUT "$(actl -o json status "$job" | jq -r '.tasks[0].state')" "timed-out job state"
for f in shell sleep; do
  [ -s "$pids/$f" ] || fail "the $f never started"
  pid=$(cat "$pids/$f")
  if kill -0 "$pid" 2>/dev/null; then fail "the job's $f ($pid) outlived its timeout: $(ps -o pid,ppid,sid,args -p "$pid")"; fi
done
pass "a timed-out process job leaves no process behind, double-forked and setsid'd ones included"

# Secrets reach the host command as environment variables and are masked.
cat >"$WORK/secret.yaml" <<'YAML'
executor: process
secrets: {API_TOKEN: s3cr3t-on-the-host}
command: [sh, -c, 'echo "token=$API_TOKEN"; echo "err $API_TOKEN" >&2']
YAML
actl run -f "$WORK/secret.yaml" >"$WORK/secret.out" 2>&1 || fail "secret job: $(cat "$WORK/secret.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
stored=$(actl logs "$job")
assert_contains "$stored" "token=***" "masked on stdout"
assert_contains "$stored" "err ***" "masked on stderr"
case "$stored$(cat "$WORK/secret.out")" in *s3cr3t-on-the-host*) fail "the secret leaked: $stored" ;; esac
pass "a process job's secrets reach its environment and are masked in its log"

# Docker jobs wait while only a process agent is connected.
job=$(actl submit --image "$IMAGE" -- true)
reason_is() { actl -o json status "$1" | jq -r '.tasks[0].waiting_reason' | grep -q "$2"; }
wait_until 10 reason_is "$job" "no connected agent has the docker executor" ||
  fail "waiting reason of a docker job: $(actl -o json status "$job" | jq -r '.tasks[0].waiting_reason')"
assert_eq QUEUED "$(actl -o json status "$job" | jq -r '.tasks[0].state')" "docker job state"
actl cancel "$job" >/dev/null
pass "a docker job waits with 'no connected agent has the docker executor'"

# And a process job waits when only docker agents are connected.
kill "$AGENT_PID"
wait_until 10 process_gone "$AGENT_PID" || fail "the process agent did not stop"
start_agent dock
printf '{"executor": "process", "command": ["true"]}' >"$WORK/p.json"
job=$(actl submit -f "$WORK/p.json")
wait_until 10 reason_is "$job" "no connected agent has the process executor" ||
  fail "waiting reason of a process job: $(actl -o json status "$job" | jq -r '.tasks[0].waiting_reason')"
actl cancel "$job" >/dev/null
pass "a process job waits with 'no connected agent has the process executor'"

printf '{"executor": "podman", "command": ["true"]}' >"$WORK/bad.json"
expect_usage 'executor must be docker or process' actl submit -f "$WORK/bad.json"
pass "an unknown executor is refused at submit"

expect_usage '--executor takes docker or process' \
  "$BIN/arena-agent" --controller "$CONTROLLER" --state-dir "$WORK/x" --executor podman
expect_usage '--run-as is for --executor process' \
  "$BIN/arena-agent" --controller "$CONTROLLER" --state-dir "$WORK/x" --run-as nobody
expect_usage '--run-as arena-no-such-user: no such user' \
  "$BIN/arena-agent" --controller "$CONTROLLER" --state-dir "$WORK/x" --executor process \
  --run-as arena-no-such-user
[ ! -e "$WORK/x/agent.id" ] || fail "an agent with a bad executor flag enrolled"
pass "bad --executor and --run-as flags are refused before enrolling"

# --run-as: the work dir must be reachable by the user (this test's $WORK
# is 0700), and then the command and its checkout are the user's.
expect_usage 'cannot reach the work dir' \
  "$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --state-dir "$WORK/unreachable" \
  --join-token "$(actl join-token create)" --executor process --run-as nobody
chmod o+x "$WORK"  # search only: nobody may reach a path it knows, list nothing
runas_work="$WORK/runas-work"
mkdir -m 755 "$runas_work"
start_agent runas --executor process --run-as nobody --work-dir "$runas_work" --labels who=nobody
cat >"$WORK/runas.yaml" <<YAML
executor: process
repo: file://$repo
required_labels: {who: nobody}
command: [sh, -c, 'id -un; touch made-here && stat -c %U made-here run.sh']
YAML
actl run -f "$WORK/runas.yaml" >"$WORK/runas.out" 2>&1 || fail "run-as job: $(cat "$WORK/runas.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
assert_eq "nobody nobody nobody" "$(actl logs "$job" | grep -v '^arena: ' | tr '\n' ' ' | sed 's/ $//')" \
  "user of the command, of a file it made and of its checkout"
pass "--run-as nobody runs the command as nobody in a checkout nobody owns; an unreachable work dir is refused at start"
