#!/usr/bin/env bash
# Stored logs are byte-exact (binary bytes, no trailing newline, 1 MiB+),
# stdout and stderr are both kept, and `logs -f` shows a line within about a
# second while the task still runs.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0 --max-log-bytes 2000000
start_agent agent

# The same script run by the host's busybox gives the expected bytes.
script='i=0; while [ $i -lt 30000 ]; do printf "line %05d \t\001\377 end\n" $i; i=$((i+1)); done; printf "no newline at the end"'
busybox sh -c "$script" >"$WORK/expected.bin"
job=$(actl submit --image "$IMAGE" -- sh -c "$script")
actl wait "$job" >/dev/null || fail "log job did not pass"
actl logs "$job" >"$WORK/got.bin"
cmp "$WORK/expected.bin" "$WORK/got.bin" || fail "stored log differs from produced bytes"
size=$(stat -c %s "$WORK/got.bin")
[ "$size" -gt 500000 ] || fail "log unexpectedly small: $size"
actl logs "$job" --task amd64 | cmp - "$WORK/expected.bin" || fail "--task ARCH selects the same log"
pass "logs are byte-exact ($size bytes)"

job=$(actl submit --image "$IMAGE" -- sh -c 'echo to-stdout; echo to-stderr >&2')
actl wait "$job" >/dev/null
both=$(actl logs "$job")
assert_contains "$both" "to-stdout" "stdout kept"
assert_contains "$both" "to-stderr" "stderr kept"
pass "stdout and stderr both stored"

job=$(actl submit --image "$IMAGE" -- sh -c 'echo first-line; sleep 6; echo second-line')
actl logs -f "$job" >"$WORK/follow.out" 2>&1 &
follower=$!
PIDS+=("$follower")
# The first line must show while the task still sleeps.
wait_until 5 grep -q first-line "$WORK/follow.out" || fail "first line did not arrive while running"
state=$(actl -o json status "$job" | json_field 'd["state"]')
assert_eq RUNNING "$state" "job still running when the first line arrived"
grep -q second-line "$WORK/follow.out" && fail "second line arrived before it was printed"
wait "$follower" || fail "logs -f exited non-zero"
assert_eq "first-line
second-line" "$(cat "$WORK/follow.out")" "logs -f output"
pass "logs -f streams live and ends with the task"

job=$(actl submit -- sh -c 'yes 0123456789abcdef | head -c 5000000; echo; echo still running >&2; exit 0')
actl wait "$job" >/dev/null || fail "flooding job"
actl logs "$job" >"$WORK/capped.bin"
head -c 2000000 "$WORK/capped.bin" | cmp - <(yes 0123456789abcdef | head -c 2000000) || fail "capped log prefix"
tail -c +2000001 "$WORK/capped.bin" | grep -q "arena: log truncated: the task printed more than 2000000 bytes" ||
  fail "no truncation marker"
[ "$(stat -c %s "$WORK/capped.bin")" -lt 2000200 ] || fail "log exceeds the cap"
pass "output past --max-log-bytes is dropped after a visible marker; the task still passes"
