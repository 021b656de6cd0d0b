#!/usr/bin/env bash
# arena-controller backup: an online copy of the database while the
# controller runs and writes, checked for integrity; restoring it (with the
# key files, as docs/operations.md says) brings every job back.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2
jobs=()
for i in 1 2 3; do jobs+=("$(actl submit -- sh -c "echo job $i")"); done
for j in "${jobs[@]}"; do actl wait "$j" >/dev/null; done
# Writes go on during the backup.
busy=$(actl submit -- sh -c 'for i in $(seq 1 50); do echo line $i; sleep 0.02; done')
out=$("$BIN/arena-controller" backup --data-dir "$CTL_DIR" "$WORK/backup.db")
assert_contains "$out" "integrity ok" "backup output"
assert_contains "$out" "backed up 4 jobs" "jobs in the copy"
set +e
"$BIN/arena-controller" backup --data-dir "$CTL_DIR" "$WORK/backup.db" 2>"$WORK/err"
rc=$?
"$BIN/arena-controller" backup --data-dir "$WORK/nowhere" "$WORK/other.db" 2>>"$WORK/err"
rc2=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc2" -ne 0 ] || fail "backup over an existing file or from a missing dir must fail"
assert_contains "$(cat "$WORK/err")" "exists; choose a new file" "refuses to overwrite"
assert_contains "$(cat "$WORK/err")" "no database at" "missing source"
pass "online backup while the controller runs; refuses to overwrite; clear errors"

actl wait "$busy" >/dev/null
kill -TERM "$CTL_PID"
wait_until 10 process_gone "$CTL_PID" || fail "controller did not stop"
restored="$WORK/restored"
mkdir -p "$restored"
cp "$WORK/backup.db" "$restored/arena.db"
for f in ca.pem ca.key secrets.key server.pem server.key admin.token; do cp "$CTL_DIR/$f" "$restored/"; done
old_dir=$CTL_DIR
start_controller restored
[ "$CTL_DIR" = "$WORK/restored" ] || fail "restored controller uses $CTL_DIR"
for j in "${jobs[@]}"; do
  assert_eq PASSED "$(actl -o json status "$j" | jq -r .state)" "job $j after restore"
done
assert_eq 4 "$(actl -o json jobs | jq '.jobs | length')" "all jobs from the backup"
pass "restore from the backup: every job is back ($old_dir -> $CTL_DIR)"
