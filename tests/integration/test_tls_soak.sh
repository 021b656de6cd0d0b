#!/usr/bin/env bash
# TLS soak: a real controller and four real agents (5 slots each) keep many
# long-lived TLS streams busy at once for ARENA_SOAK_SECONDS (default 100):
# twelve jobs print many small lines on stdout and stderr with large base64
# bursts between them (the agents' Connect streams carry them up, LogAcks come
# down), twelve `arenactl logs -f` followers (four join half way and catch up),
# four `arenactl run`s stream their jobs' logs while long-polling the verdict,
# back-to-back test-queue runs of 300 short tests take the free slots, three
# REST follows read over the gateway's HTTPS, short unary calls open fresh
# connections, and busy loops load the two cores. It catches TLS record
# corruption on the controller's shared SSL objects (issue 13, item 4: an
# SSL_new interposition set SSL_MODE_RELEASE_BUFFERS under gRPC's concurrent
# SSL_read/SSL_write): not one stream error in any log, every follower's
# bytes equal the stored log (sha256), every verdict as expected, and every
# agent still on its first connection.
#   ARENA_SOAK_SECONDS  how long the jobs run (10..3600, default 100)
#   ARENA_SOAK_LOAD     busy loops beside the soak (0..4, default 2)
source "$(dirname "$0")/lib.sh"

SOAK=${ARENA_SOAK_SECONDS:-100}
LOAD=${ARENA_SOAK_LOAD:-2}
case "$SOAK" in '' | *[!0-9]*) fail "ARENA_SOAK_SECONDS must be whole seconds, got [$SOAK]" ;; esac
case "$LOAD" in '' | *[!0-9]*) fail "ARENA_SOAK_LOAD must be a number, got [$LOAD]" ;; esac
[ "$SOAK" -ge 10 ] && [ "$SOAK" -le 3600 ] || fail "ARENA_SOAK_SECONDS must be 10..3600"
[ "$LOAD" -le 4 ] || fail "ARENA_SOAK_LOAD must be 0..4"
LIMIT=$((SOAK + 150)) # no client may outlive the soak by more than this
STREAM_ERRORS='Corruption detected|TSI_DATA_CORRUPTED|SSL_write failed|Decryption error|Stream removed|Socket closed|UNAVAILABLE'
began=$(date +%s)

start_controller ctl
AGENTS=()
AGENT_PIDS=()
for n in 1 2 3 4; do
  start_agent "agent$n" --slots 5
  AGENTS+=("$AGENT_ID")
  AGENT_PIDS+=("$AGENT_PID")
done
ACTL=("$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$TOKEN")

# Runs in the container until $END (epoch seconds): 40 small lines per round,
# one stderr line, every $EVERY rounds a base64 burst of $BURST random bytes;
# then exits $RC.
CHATTY='k=0; i=0; h=$(hostname)
while [ "$(date +%s)" -lt "$END" ]; do
  j=0
  while [ $j -lt 40 ]; do i=$((i+1)); j=$((j+1)); echo "line $i from $h"; done
  k=$((k+1)); echo "stderr round $k" >&2
  if [ $((k % EVERY)) -eq 0 ]; then head -c "$BURST" /dev/urandom | base64; fi
  usleep 20000
done
echo "done after $i lines and $k rounds"
exit "$RC"'
START=$(($(date +%s) + 8)) # the jobs below are queued by then
END=$((START + SOAK))
chatty_flags() { # BURST EVERY RC
  echo --env "END=$END" --env "BURST=$1" --env "EVERY=$2" --env "RC=$3" --timeout "$((SOAK + 120))s"
}

# Twelve chatty jobs: eight submitted (followed below), four through `run`.
# Bursts of 2 MB, 500 kB and 100 kB; one of each kind exits 1.
declare -A EXPECT # job -> PASSED | FAILED
JOBS=()
bursts=(2000000 500000 100000 2000000 500000 100000 2000000 500000)
for n in 0 1 2 3 4 5 6 7; do
  rc=0
  [ "$n" -eq 5 ] && rc=1
  # shellcheck disable=SC2046
  job=$(actl submit $(chatty_flags "${bursts[$n]}" $((200 + 20 * n)) "$rc") -- sh -c "$CHATTY")
  JOBS+=("$job")
  if [ "$rc" -eq 0 ]; then EXPECT[$job]=PASSED; else EXPECT[$job]=FAILED; fi
done

BG=() # every background client; each is bounded by `timeout`
follow() { # NAME JOB: arenactl logs -f
  local rc=0
  timeout "$LIMIT" "${ACTL[@]}" logs -f "$2" >"$WORK/$1.out" 2>"$WORK/$1.stderr.log" || rc=$?
  echo "$rc" >"$WORK/$1.rc"
}
rest_follow() { # NAME JOB: the gateway's chunked follow over HTTPS
  local rc=0
  curl -sS -N --max-time "$LIMIT" -H "Authorization: Bearer $TOKEN" \
    "$CTL_URL/api/v1/jobs/$2/logs?follow=true" -o "$WORK/$1.out" 2>"$WORK/$1.stderr.log" || rc=$?
  echo "$rc" >"$WORK/$1.rc"
}
run_chatty() { # NAME BURST EVERY RC
  local rc=0
  # shellcheck disable=SC2046
  timeout "$LIMIT" "${ACTL[@]}" run $(chatty_flags "$2" "$3" "$4") -- sh -c "$CHATTY" \
    >"$WORK/$1.out" 2>"$WORK/$1.stderr.log" || rc=$?
  echo "$rc" >"$WORK/$1.rc"
}
TESTS=$(seq -f 't%03g' 1 300 | paste -sd,)
TEST_CMD='echo "{test} begins"; i=0; while [ $i -lt 25 ]; do i=$((i+1)); echo "{test} line $i"; done; [ {test} != t150 ]'
test_queue_runs() { # back to back until the soak ends, at most 6
  local n=0 rc
  while [ "$n" -lt 6 ] && { [ "$n" -eq 0 ] || [ "$(date +%s)" -lt $((END - 20)) ]; }; do
    n=$((n + 1))
    rc=0
    timeout "$LIMIT" "${ACTL[@]}" run --tests "$TESTS" --test-command "$TEST_CMD" \
      >"$WORK/tq$n.out" 2>"$WORK/tq$n.stderr.log" || rc=$?
    echo "$rc" >"$WORK/tq$n.rc"
  done
}

FOLLOWERS=() # NAME:JOB of every follower, gRPC and REST
for n in 0 1 2 3 4 5 6 7; do
  follow "f$n" "${JOBS[$n]}" &
  BG+=($!)
  FOLLOWERS+=("f$n:${JOBS[$n]}")
done
for n in 0 1; do
  rest_follow "rest$n" "${JOBS[$n]}" &
  BG+=($!)
  FOLLOWERS+=("rest$n:${JOBS[$n]}")
done
RUNS=("run0 2000000 330 0" "run1 500000 250 0" "run2 100000 210 1" "run3 2000000 290 0")
for r in "${RUNS[@]}"; do
  # shellcheck disable=SC2086
  run_chatty $r &
  BG+=($!)
done
# The chatty jobs take their slots first; the test queue gets the other eight.
busy_slots() { actl -o json agents 2>>"$WORK/probe.stderr.log" | jq '[.agents[].busy] | add // 0'; }
twelve_busy() { [ "$(busy_slots)" -ge 12 ]; }
wait_until 60 twelve_busy || fail "the twelve chatty jobs did not all start: $(busy_slots) slots busy"
test_queue_runs &
BG+=($!)
LOADERS=()
for _ in $(seq 1 "$LOAD"); do
  timeout "$((END - $(date +%s) + 5))" sh -c 'while :; do head -c 4000000 /dev/urandom | gzip -1 >/dev/null; done' \
    >/dev/null 2>&1 &
  LOADERS+=($!)
done

# While the jobs run: late followers half way, and short unary calls on fresh
# connections every 2 s that record how many slots are busy.
max_busy=0
late_started=0
for _ in $(seq 1 $((SOAK / 2 + 10))); do
  now=$(date +%s)
  [ "$now" -lt "$END" ] || break
  if [ "$late_started" -eq 0 ] && [ "$now" -ge $((START + SOAK / 2)) ]; then
    for n in 1 3 5 7; do
      follow "late$n" "${JOBS[$n]}" &
      BG+=($!)
      FOLLOWERS+=("late$n:${JOBS[$n]}")
    done
    rest_follow rest_late "${JOBS[6]}" &
    BG+=($!)
    FOLLOWERS+=("rest_late:${JOBS[6]}")
    late_started=1
  fi
  busy=$(busy_slots) || busy=0
  [ "$busy" -gt "$max_busy" ] && max_busy=$busy
  actl -o json status "${JOBS[0]}" >/dev/null 2>>"$WORK/probe.stderr.log" || true
  sleep 2
done
[ "$late_started" -eq 1 ] || fail "the soak ended before the late followers started"
[ "$max_busy" -ge 12 ] || fail "at most $max_busy slots were busy at once; the twelve chatty jobs did not overlap"

for pid in "${BG[@]}"; do wait "$pid" || true; done
for pid in "${LOADERS[@]}"; do wait "$pid" 2>/dev/null || true; done
soaked=$(($(date +%s) - START))

# Not one stream error, in any process's log or any client's stderr.
if grep -E -H -m 3 "$STREAM_ERRORS" "$WORK"/*.log >"$WORK/errors.txt"; then
  fail "stream errors: $(head -c 3000 "$WORK/errors.txt")"
fi
pass "no stream error in $(ls "$WORK"/*.log | wc -l) logs over ${soaked}s"

# Every job ended as its command said, and every follower got its stored log
# byte for byte.
for r in "${RUNS[@]}"; do
  read -r name _ _ rc <<<"$r"
  assert_eq "$rc" "$(cat "$WORK/$name.rc")" "$name exit code: $(tail -3 "$WORK/$name.stderr.log")"
  job=$(grep -o 'job [^ ]* submitted' "$WORK/$name.stderr.log" | head -1 | cut -d' ' -f2)
  [ -n "$job" ] || fail "$name did not say which job it submitted"
  if [ "$rc" -eq 0 ]; then EXPECT[$job]=PASSED; else EXPECT[$job]=FAILED; fi
  actl logs "$job" >"$WORK/$job.stored"
  size=$(stat -c %s "$WORK/$job.stored")
  assert_eq "$(sha256sum <"$WORK/$job.stored")" "$(head -c "$size" "$WORK/$name.out" | sha256sum)" \
    "$name streamed its job's log byte for byte"
  assert_contains "$(tail -c +$((size + 1)) "$WORK/$name.out")" "verdict: ${EXPECT[$job],,}" "$name verdict"
done
total=0
for job in "${!EXPECT[@]}"; do
  assert_eq "${EXPECT[$job]}" "$(actl -o json status "$job" | jq -r .state)" "verdict of $job"
  [ -f "$WORK/$job.stored" ] || actl logs "$job" >"$WORK/$job.stored"
  assert_contains "$(tail -c 200 "$WORK/$job.stored")" "done after" "$job ran to its end"
  total=$((total + $(stat -c %s "$WORK/$job.stored")))
done
for f in "${FOLLOWERS[@]}"; do
  name=${f%%:*}
  job=${f#*:}
  assert_eq 0 "$(cat "$WORK/$name.rc")" "follower $name exit code: $(tail -3 "$WORK/$name.stderr.log")"
  assert_eq "$(sha256sum <"$WORK/$job.stored")" "$(sha256sum <"$WORK/$name.out")" \
    "follower $name got $job's log byte for byte ($(stat -c %s "$WORK/$name.out") of $(stat -c %s "$WORK/$job.stored") bytes)"
done
pass "12 jobs ($((total / 1048576)) MiB of logs) as expected; ${#FOLLOWERS[@]} followers and 4 runs byte-exact"

runs=0
for rcfile in "$WORK"/tq*.rc; do
  n=$(basename "$rcfile" .rc)
  assert_eq 1 "$(cat "$rcfile")" "$n: one failing test fails the job: $(tail -3 "$WORK/$n.stderr.log")"
  assert_contains "$(cat "$WORK/$n.out")" "verdict: failed" "$n verdict"
  job=$(grep -o 'job [^ ]* submitted' "$WORK/$n.stderr.log" | head -1 | cut -d' ' -f2)
  results=$(actl -o json results "$job")
  assert_eq "299 1" "$(jq -r '[.results[] | select(.status == "passed")] | length' <<<"$results") $(jq -r '[.results[] | select(.status == "failed")] | length' <<<"$results")" "$n results"
  runs=$((runs + 1))
done
[ "$runs" -ge 1 ] || fail "no test-queue run finished"
pass "$runs test-queue runs of 300 tests: 299 passed, t150 failed, each"

# Every agent is still on the connection it made at the start.
for n in 1 2 3 4; do
  id=${AGENTS[$((n - 1))]}
  agent_connected "$id" || fail "agent$n is not connected"
  assert_eq 1 "$(grep -c "session: connected to" "$WORK/agent$n.log")" "agent$n connections"
  ! grep -E "stream to .* ended|cannot connect" "$WORK/agent$n.log" || fail "agent$n lost its stream"
  assert_eq 1 "$(grep -c "agent $id connected" "$WORK/ctl.log")" "controller saw agent$n connect once"
  ! grep -q "agent $id disconnected" "$WORK/ctl.log" || fail "controller saw agent$n disconnect"
done
pass "4 agents each on their first connection throughout"

tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{printf "%.1f", ($14 + $15) / t}' "/proc/$1/stat"; }
agents_cpu=0
for pid in "${AGENT_PIDS[@]}"; do
  agents_cpu=$(awk -v a="$agents_cpu" -v b="$(cpu "$pid")" 'BEGIN {print a + b}')
done
echo "soak: ${soaked}s of jobs, $(($(date +%s) - began))s in all; CPU: controller $(cpu "$CTL_PID")s, agents ${agents_cpu}s; at most $max_busy slots busy"
