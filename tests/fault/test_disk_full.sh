#!/usr/bin/env bash
# The controller's data dir fills up: submissions fail with a clear error,
# a running task's log waits rather than losing bytes, and once space is
# freed everything proceeds with the stored data intact.
source "$(dirname "$0")/../integration/lib.sh"
small="$WORK/small"
mkdir -p "$small"
mount -t tmpfs -o size=6m tmpfs "$small" || fail "cannot mount a tmpfs"
trap 'umount -l "$WORK/small" 2>/dev/null || true; cleanup' EXIT
CTL_DIR="$small/ctl"
"$BIN/arena-controller" --data-dir "$CTL_DIR" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  --default-image "$IMAGE" >>"$WORK/ctl.log" 2>&1 &
CTL_PID=$!; disown $CTL_PID; PIDS+=("$CTL_PID")
wait_until 10 test -f "$CTL_DIR/ports.json" || fail "controller did not start"
CONTROLLER="127.0.0.1:$(sed -E 's/.*"grpc": ([0-9]+).*/\1/' "$CTL_DIR/ports.json")"
CA="$CTL_DIR/ca.pem"
TOKEN=$(cat "$CTL_DIR/admin.token")
start_agent agent

before=$(actl submit -- sh -c 'echo stored before')
actl wait "$before" >/dev/null || fail "baseline job"
# A task that keeps printing while the disk fills.
script='i=0; while [ $i -lt 40 ]; do printf "line %d %08000d\n" $i $i; i=$((i+1)); sleep 0.1; done'
expected=$(busybox sh -c "$script" | sha256sum)
running=$(actl submit -- sh -c "$script")
wait_until 10 log_has "$running" "line 1" || fail "task did not start"
dd if=/dev/zero of="$small/filler" bs=64k >/dev/null 2>&1 || true
dd if=/dev/zero of="$small/filler2" bs=512 >/dev/null 2>&1 || true
set +e
out=$(actl submit -- true 2>&1)
rc=$?
set -e
assert_eq 2 "$rc" "submit on a full disk"
assert_contains "$out" "full" "disk full message"
[ "$(echo "$out" | wc -l)" = 1 ] || fail "more than one line: $out"
sleep 2
rm -f "$small/filler" "$small/filler2"
actl wait "$running" >/dev/null || fail "task did not finish after space was freed: $(actl status "$running")"
assert_eq "$expected" "$(actl logs "$running" | sha256sum)" "log written across the full disk"
grep -q "disk full writing log" "$WORK/ctl.log" || fail "the full disk never reached the log path"
[ "$(grep -c "connected to" "$WORK/agent.log")" -ge 2 ] || fail "the agent never had to resend"
after=$(actl submit -- sh -c 'echo stored after')
actl wait "$after" >/dev/null || fail "job after recovery"
assert_eq "stored before" "$(actl logs "$before")" "earlier job intact"
integrity=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$CTL_DIR/arena.db")
assert_eq ok "$integrity" "integrity_check"
pass "disk full: clear error, no log bytes lost, recovered when space came back"
