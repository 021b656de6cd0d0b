#!/usr/bin/env bash
# Reruns: arenactl rerun / POST /api/v1/jobs/{id}/rerun make a new job of
# the caller's with the job's spec, or with --failed only what did not pass
# where it did not; the two jobs name each other; sealed secrets carry
# over; a submitter reruns only what it sees; bad requests get a reason.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent one --slots 2

set +e
job=$(actl submit --arch amd64,arm64 --image 'arena-test/busybox:{arch}' \
  --tests a --tests b --tests c --test-command 'case {test} in b) [ "$(uname -m)" = x86_64 ];; *) true;; esac')
actl wait "$job" >/dev/null
rc=$?
set -e
assert_eq 1 "$rc" "b fails on arm64"
failed=$(actl rerun --failed "$job")
status=$(actl -o json status "$failed")
assert_eq "$job" "$(jq -r .rerun_of <<<"$status")" "the rerun names its job"
assert_eq '["arm64/b"]' "$(jq -c '[.tasks[] | "\(.arch)/\(.test_id)"]' <<<"$status")" \
  "only the failed test, where it failed"
set +e
actl wait "$failed" >/dev/null
rc=$?
set -e
assert_eq 1 "$rc" "it fails again"
whole=$(actl rerun "$job")
status=$(actl -o json status "$whole")
assert_eq 6 "$(jq '.tasks | length' <<<"$status")" "a whole rerun: every test on both architectures"
assert_eq "[\"$failed\",\"$whole\"]" "$(jq -c .reruns <<<"$(actl -o json status "$job")")" \
  "the job names its reruns, oldest first"
actl cancel "$whole" >/dev/null
pass "arenactl rerun --failed runs arm64/b alone; a whole rerun has 6 tasks; the jobs name each other"

# REST, with a body and without.
r=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -d '{"failed_only": true}' -w '\n%{http_code}' \
  "$CTL_URL/api/v1/jobs/$job/rerun")
assert_eq 200 "$(code_of "$r")" "POST rerun: $(body_of "$r")"
assert_eq "$job" "$(body_of "$r" | jq -r .rerun_of)" "REST rerun names its job"
assert_eq 1 "$(body_of "$r" | jq '.tasks | length')" "REST rerun of the failed only"
ok_job=$(actl submit -- true)
actl wait "$ok_job" >/dev/null
expect_http 409 "has no failed tasks to rerun" -X POST -H "Authorization: Bearer $TOKEN" \
  -d '{"failed_only": true}' "$CTL_URL/api/v1/jobs/$ok_job/rerun"
expect_http 404 "not found" -X POST -H "Authorization: Bearer $TOKEN" -d "{}" "$CTL_URL/api/v1/jobs/job-0123456789ab/rerun"
expect_http 400 "" -X POST -H "Authorization: Bearer $TOKEN" -d '{"failed_only": "x"' \
  "$CTL_URL/api/v1/jobs/$job/rerun"
set +e
out=$(actl rerun --failed "$ok_job" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a rerun of nothing failed succeeded"
assert_eq 1 "$(wc -l <<<"$out")" "one line: $out"
assert_contains "$out" "has no failed tasks to rerun" "arenactl says why"
pass "REST rerun; nothing to rerun, an unknown job and a bad body refused with a reason"

# Secrets stay sealed and reach the rerun; a submitter reruns only its own.
sub=$(actl token create --name team --role submitter)
secret_job=$("$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$sub" submit \
  --secret API_TOKEN=s3cr3t-rerun -- sh -c 'test "$API_TOKEN" = s3cr3t-rerun')
"$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$sub" wait "$secret_job" >/dev/null ||
  fail "the secret job failed"
again=$("$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$sub" rerun "$secret_job")
"$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$sub" wait "$again" >/dev/null ||
  fail "the rerun did not get the secret"
assert_eq "team" "$(actl -o json status "$again" | jq -r .owner)" "the rerun is the caller's"
expect_http 403 "" -X POST -H "Authorization: Bearer $sub" -d "{}" "$CTL_URL/api/v1/jobs/$job/rerun"
pass "a rerun keeps the sealed secret; a submitter cannot rerun another's job"
