#!/usr/bin/env bash
# The agent reaches the controller through a loopback TCP proxy that the test
# cuts again and again while a task writes 30 MB: the stored log's sha256
# equals that of the produced bytes, and the task ran exactly once.
source "$(dirname "$0")/../integration/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
start_controller ctl 0 --agent-lease 20s
real=$CONTROLLER
python3 "$here/tcp_proxy.py" "$WORK/proxy.port" 127.0.0.1 "${CONTROLLER##*:}" &
proxy=$!
PIDS+=("$proxy")
wait_until 10 test -f "$WORK/proxy.port" || fail "proxy did not start"
CONTROLLER="127.0.0.1:$(cat "$WORK/proxy.port")"
start_agent agent --heartbeat 1s
CONTROLLER=$real

script='i=0; while [ $i -lt 60 ]; do yes "block $i: the quick brown fox jumps over the lazy dog 0123456789" | head -c 500000; i=$((i+1)); sleep 0.05; done'
expected=$(busybox sh -c "$script" | sha256sum | cut -d' ' -f1)
job=$(actl submit --timeout 5m -- sh -c "$script")
wait_until 15 task_started "$job" || fail "task did not start"
cuts=0
for _ in $(seq 1 40); do
  state=$(actl -o json status "$job" | json_field 'd["state"]')
  [ "$state" = RUNNING ] || break
  kill -USR1 "$proxy"
  cuts=$((cuts + 1))
  sleep 0.4
done
actl wait "$job" >/dev/null || fail "job did not pass: $(actl status "$job")"
[ "$cuts" -ge 3 ] || fail "only $cuts cuts happened while the task ran"
got=$(actl logs "$job" | sha256sum | cut -d' ' -f1)
assert_eq "$expected" "$got" "sha256 of the stored log"
assert_eq 1 "$(actl -o json status "$job" | json_field 'len(d["tasks"][0]["attempts"])')" "attempts"
assert_eq 30000000 "$(actl -o json status "$job" | json_field 'int(d["tasks"][0]["log_bytes"])')" "log bytes"
reconnects=$(grep -c "connected to" "$WORK/agent.log")
[ "$reconnects" -ge 3 ] || fail "agent reconnected only $reconnects times"
no_containers "$job" || fail "container left"
pass "30 MB log intact across $cuts cuts ($reconnects connections)"
