#!/usr/bin/env bash
# The same idempotency key submitted concurrently creates exactly one job,
# over gRPC and REST alike; reusing the key for another spec is refused.
source "$(dirname "$0")/../integration/lib.sh"
start_controller ctl
start_agent agent

for n in $(seq 1 12); do
  actl submit --idempotency-key build-42 -- sh -c 'echo once' >"$WORK/submit.$n" 2>&1 &
done
for n in $(seq 1 12); do
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: build-42-rest" \
    "$CTL_URL/jobs" -d '{"test_command": "echo once"}' | jq -r .job_id >"$WORK/rest.$n" &
done
wait
ids=$(cat "$WORK"/submit.* | sort -u)
[ "$(echo "$ids" | wc -l)" = 1 ] || fail "gRPC submits gave several ids: $ids"
[[ "$ids" =~ ^job- ]] || fail "gRPC submit failed: $ids"
rest_ids=$(cat "$WORK"/rest.* | sort -u)
[ "$(echo "$rest_ids" | wc -l)" = 1 ] || fail "REST submits gave several ids: $rest_ids"
[[ "$rest_ids" =~ ^job- ]] || fail "REST submit failed: $rest_ids"
assert_eq 2 "$(actl -o json jobs --limit 100 | json_field 'len(d["jobs"])')" "jobs created"
actl wait "$ids" >/dev/null || fail "the job did not pass"
assert_eq "once" "$(actl logs "$ids")" "the job ran once"
pass "12 concurrent submits per key: one job over gRPC, one over REST"

set +e
out=$(actl submit --idempotency-key build-42 -- sh -c 'echo different' 2>&1)
rc=$?
set -e
assert_eq 2 "$rc" "reused key with another spec"
assert_contains "$out" "with a different spec" "message"
assert_eq "$ids" "$(actl submit --idempotency-key build-42 -- sh -c 'echo once')" "a retried submit returns the job"
pass "a retried submit returns the same job; another spec under the key is refused"
