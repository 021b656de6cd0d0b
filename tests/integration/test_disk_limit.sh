#!/usr/bin/env bash
# The container disk limit (--max-disk-mb, resources.disk_mb): /tmp is
# limited, and so is the writable layer — by StorageOpt size where the
# storage driver supports it, else by a watch that kills the container with
# a clear reason. A job under the limit is untouched; one asking for more
# than the policy allows is refused at submit.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0 --max-disk-mb 64
start_agent agent

out=$(actl run -- sh -c 'dd if=/dev/zero of=/small bs=1M count=8 2>/dev/null; dd if=/dev/zero of=/tmp/small bs=1M count=8 2>/dev/null; sleep 3; echo fine' 2>&1) ||
  fail "a job under the disk limit failed: $out"
assert_contains "$out" "fine" "job under the limit"
pass "a job under the disk limit runs untouched"

start=$(date +%s)
set +e
out=$(actl run -- sh -c 'echo writing; dd if=/dev/zero of=/big bs=1M count=200 2>&1; echo wrote; sleep 60' 2>&1)
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
assert_eq 1 "$rc" "exit status of a job over its disk limit: $out"
[ "$elapsed" -lt 30 ] || fail "the job over its disk limit ran ${elapsed}s"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
reason=$(actl -o json status "$job" | jq -r '.tasks[0].reason')
if grep -q "cannot limit a container's size" "$WORK/agent.log"; then
  assert_contains "$reason" "writable layer over 64 MiB disk limit" "reason of the killed container"
  assert_contains "$(actl logs "$job")" "arena: writable layer over 64 MiB disk limit" "the log says why"
  how="killed by the writable-layer watch"
else
  assert_contains "$out" "No space left on device" "StorageOpt size stops the writes"
  how="stopped by the storage driver's quota"
fi
wait_until 15 no_containers "$job" || fail "container of the killed job still there"
pass "a job writing 200 MiB past a 64 MiB limit is ${how} in ${elapsed}s"

set +e
out=$(actl run -- sh -c 'dd if=/dev/zero of=/tmp/big bs=1M count=100 2>&1; echo "dd exit $?"' 2>&1)
set -e
assert_contains "$out" "No space left on device" "/tmp is a 64 MiB tmpfs or inside the limited layer"
pass "/tmp is limited too"

code=$(command curl -s -o "$WORK/refused.json" -w '%{http_code}' --cacert "$CA" -X POST \
  -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs" \
  -d '{"spec": {"command": ["true"], "resources": {"disk_mb": 100000}}}')
assert_eq 400 "$code" "a job over the disk policy"
assert_contains "$(cat "$WORK/refused.json")" "policy: disk 100000 MiB exceeds the controller's limit of 64 MiB" "policy message"
pass "a job asking for more disk than --max-disk-mb is refused at submit"
