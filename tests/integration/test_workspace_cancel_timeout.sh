#!/usr/bin/env bash
# --repo/--commit checks out that commit at /workspace and removes it after;
# cancel and --timeout stop the container (SIGTERM, grace, SIGKILL).
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent --slots 2

repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q
echo "version one" >"$repo/file.txt"
git -C "$repo" add file.txt
git -C "$repo" -c user.name=t -c user.email=t@localhost commit -qm one
first=$(git -C "$repo" rev-parse HEAD)
echo "version two" >"$repo/file.txt"
git -C "$repo" -c user.name=t -c user.email=t@localhost commit -qam two
out=$(actl run --repo "file://$repo" --commit "$first" -- sh -c 'pwd; cat file.txt' 2>&1) || fail "checkout job: $out"
assert_contains "$out" "/workspace" "working dir"
assert_contains "$out" "version one" "content at the requested commit"
out=$(actl run --repo "file://$repo" -- cat file.txt 2>&1) || fail "default branch job"
assert_contains "$out" "version two" "default branch content"
[ -z "$(ls -A "$AGENT_DIR/work")" ] || fail "workspace not removed: $(ls "$AGENT_DIR/work")"
set +e
out=$(actl run --repo "file://$repo" --commit deadbeef -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "bad commit exit code"
assert_contains "$out" "unknown ref \"deadbeef\"" "bad commit reason"
pass "workspace checkout at a commit, removed afterwards"

job=$(actl submit -- sh -c 'trap "echo got TERM; exit 143" TERM; echo started; while true; do sleep 0.1; done')
wait_until 10 log_has "$job" started || fail "job did not start"
assert_contains "$(actl cancel "$job")" cancelled "cancel output"
set +e; actl wait "$job" >/dev/null; rc=$?; set -e
assert_eq 3 "$rc" "wait on cancelled job"
wait_until 15 no_containers "$job" || fail "cancelled container still there"
assert_eq CANCELLED "$(actl -o json status "$job" | json_field 'd["state"]')" "cancelled state"
set +e; actl cancel "$job" >/dev/null 2>&1; rc=$?; set -e
assert_eq 2 "$rc" "cancelling a finished job"
pass "cancel stops the container and the job stays cancelled"

start=$(date +%s)
set +e
out=$(actl run --timeout 2s -- sh -c 'trap "" TERM; echo ignoring TERM; sleep 60' 2>&1)
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
assert_eq 3 "$rc" "timed out exit code"
assert_contains "$out" "timed_out" "timed out verdict"
[ "$elapsed" -lt 30 ] || fail "timeout took ${elapsed}s"
pass "timeout aborts with SIGTERM, then SIGKILL after the grace period (${elapsed}s)"

job=$(actl submit --retries 2 --retry-test-failures -- sh -c 'echo "attempt $ARENA_ATTEMPT of $ARENA_JOB_ID on $ARENA_ARCH"; [ "$ARENA_ATTEMPT" -ge 2 ]')
actl wait "$job" >/dev/null || fail "flaky job did not pass on its second attempt"
status=$(actl -o json status "$job")
assert_eq "FAILED PASSED" "$(echo "$status" | json_field '" ".join(a["state"] for a in d["tasks"][0]["attempts"])')" "attempt states"
assert_eq "attempt 1 of $job on amd64" "$(actl logs "$job" --attempt 1)" "first attempt's own log"
assert_eq "attempt 2 of $job on amd64" "$(actl logs "$job")" "latest attempt's log"
assert_contains "$(actl status "$job")" "attempts:" "status lists the attempts"
job=$(actl submit --retries 2 -- sh -c 'exit 3')
set +e; actl wait "$job" >/dev/null; rc=$?; set -e
assert_eq 1 "$rc" "test failure without --retry-test-failures"
assert_eq 1 "$(actl -o json status "$job" | json_field 'len(d["tasks"][0]["attempts"])')" "not retried"
pass "--retry-test-failures retries a failing test; without it only infrastructure failures are retried"

set +e
out=$(actl run --queue-timeout 1s --label pool=nobody -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "queue timeout exit code"
assert_contains "$out" "not started within 1s: required label pool=nobody matches no agent" "queue timeout reason"
pass "a task nobody can run ends after its queue timeout with the reason"
