#!/usr/bin/env bash
# kill -9 the controller while two agents run many tasks and clients keep
# submitting: after a restart on the same port every task finishes exactly
# once (nothing reassigned because the controller was away), logs are whole,
# every job whose submit was acknowledged exists, and SQLite is intact.
source "$(dirname "$0")/../integration/lib.sh"
start_controller ctl 0 --agent-lease 10s --restart-grace 10s
port=${CONTROLLER##*:}
start_agent a --slots 3
start_agent b --slots 3

jobs=()
for n in $(seq 1 12); do
  jobs+=("$(actl submit --env "N=$n" -- sh -c 'i=0; while [ $i -lt 25 ]; do echo "job $N line $i"; i=$((i+1)); sleep 0.1; done')")
done
# Heavy writes: a client submitting as fast as it can through the crash.
(
  for n in $(seq 1 400); do
    id=$("$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN" submit --label lane=none --queue-timeout 10m -- true 2>/dev/null) &&
      echo "$id" >>"$WORK/acknowledged"
  done
) &
writer=$!
PIDS+=("$writer")
wait_until 10 task_started "${jobs[0]}" || fail "jobs did not start"
sleep 1
kill -9 "$CTL_PID"
wait "$writer" 2>/dev/null || true
sleep 1
start_controller ctl "$port" --agent-lease 10s --restart-grace 10s

for n in $(seq 1 12); do
  job=${jobs[$((n - 1))]}
  actl wait "$job" >/dev/null || fail "job $n did not pass: $(actl status "$job")"
  expected=$(i=0; while [ $i -lt 25 ]; do echo "job $n line $i"; i=$((i+1)); done)
  assert_eq "$expected" "$(actl logs "$job")" "log of job $n"
  assert_eq 1 "$(actl -o json status "$job" | json_field 'len(d["tasks"][0]["attempts"])')" "attempts of job $n"
  no_containers "$job" || fail "container left for job $n"
done
pass "12 tasks across a kill -9 of the controller: each passed once with its whole log"

acknowledged=$(wc -l <"$WORK/acknowledged")
[ "$acknowledged" -gt 0 ] || fail "no submission was acknowledged before the crash"
while read -r id; do
  actl status "$id" >/dev/null || fail "acknowledged job $id is missing after the crash"
done <"$WORK/acknowledged"
integrity=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$CTL_DIR/arena.db")
assert_eq ok "$integrity" "PRAGMA integrity_check"
pass "$acknowledged acknowledged submissions all present; integrity_check ok"
