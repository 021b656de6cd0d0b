#!/usr/bin/env bash
# Pulls from a real registry (Debian's docker-registry with TLS on
# 127.0.0.1): one multi-arch name on an amd64 task and an emulated arm64
# task, the pull policies, typed failures (unknown tag, missing platform),
# the registry killed and restarted or down for good, four tasks sharing
# one pull, and the digest each attempt ran.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry.sh"
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || fail "qemu-aarch64 is not registered in binfmt_misc"
start_registry pub
MULTI="$REG/multi/busybox:1"
SINGLE="$REG/single/busybox:1"
push_multiarch "$MULTI"
push_single "$SINGLE"
# Images this test pulls are its own: removed before (a rerun) and after.
# Digest references (NAME@sha256:...) go too: an untag leaves them behind.
drop_images() {
  docker rmi -f "$MULTI" "$SINGLE" "$REG/multi/busybox:latest" >/dev/null 2>&1 || true
  docker images --digests --format '{{.Repository}}@{{.Digest}}' | grep "^$REG/" |
    xargs -r docker rmi >/dev/null 2>&1 || true
}
drop_images
trap 'rc=$?; set +e; drop_images; (exit "$rc"); registry_cleanup' EXIT
start_controller ctl
start_agent agent --slots 4 --pull-stall-timeout 3s --pull-timeout 25s
AGENT_LOG="$WORK/agent.log"
pulls_of() { grep -c "pulling $1 for $2 (try" "$AGENT_LOG" || true; }

# One name, two platforms: uname -m differs, each task ran its own digest.
out=$(actl run --arch amd64,arm64 --image "$MULTI" --pull always -- uname -m 2>&1) ||
  fail "multi-arch pull: $out"
assert_contains "$out" "[amd64] x86_64" "amd64 task ran the amd64 image"
assert_contains "$out" "[arm64] aarch64" "arm64 task ran the arm64 image under emulation"
assert_contains "$out" "arena: pulling $MULTI for linux/arm64 from $REG" "pull progress as arena: lines"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
status=$(actl -o json status "$job")
d_amd=$(echo "$status" | json_field 'd["tasks"][0]["attempts"][0]["image_digest"]')
d_arm=$(echo "$status" | json_field 'd["tasks"][1]["attempts"][0]["image_digest"]')
assert_contains "$d_amd" "$REG/multi/busybox@sha256:" "amd64 digest recorded"
assert_contains "$d_arm" "$REG/multi/busybox@sha256:" "arm64 digest recorded"
# A multi-arch name's repo digest is its index's: the same for both tasks,
# which differ by platform (recorded with the task).
assert_eq "$d_amd" "$d_arm" "both platforms ran the one index digest"
rest=$(curl -s -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/jobs/$job")
assert_contains "$rest" "$d_arm" "digest in the REST job"
assert_contains "$(actl status "$job")" "attempt 1: $d_arm (linux/arm64)" "digest in arenactl status"
pass "one multi-arch name: amd64 and emulated arm64 pulled and ran, digests recorded"

# if-not-present: the arm64 image is not present under the name (the
# amd64 pull moved the tag or the other way round), so it is pulled again;
# a second run for the same platform is not.
before=$(pulls_of "$MULTI" linux/amd64)
actl run --arch amd64 --image "$MULTI" --pull if-not-present -- true >/dev/null 2>&1 || fail "if-not-present"
actl run --arch amd64 --image "$MULTI" --pull if-not-present -- true >/dev/null 2>&1 || fail "if-not-present 2"
after=$(pulls_of "$MULTI" linux/amd64)
[ $((after - before)) -le 1 ] || fail "if-not-present pulled $((after - before)) times for two runs"
out=$(actl run --arch arm64 --image "$MULTI" --pull if-not-present -- uname -m 2>&1) || fail "$out"
assert_contains "$out" "aarch64" "if-not-present pulls a present name of another platform"
pass "if-not-present pulls only what is not present for the task's platform"

# never: a missing image is a clear error and no pull happens.
set +e
out=$(actl run --image "$REG/multi/busybox:absent" --pull never -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "never with a missing image is an error"
assert_contains "$out" "image $REG/multi/busybox:absent not found on this host (pull policy never)" "never: reason"
assert_eq 0 "$(pulls_of "$REG/multi/busybox:absent" linux/amd64)" "never pulls nothing"
pass "never with a missing image -> error naming it, no pull"

# The default for a registry name with a tag is if-not-present; for a
# name without a registry host never (the local test images keep working).
out=$(actl run --image "$SINGLE" -- echo ran 2>&1) || fail "default policy: $out"
assert_contains "$out" "ran" "default policy pulls a registry image"
spec_policy=$(actl -o json status "$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')" |
  json_field 'd["spec"].get("pull_policy", "")')
assert_eq "" "$spec_policy" "no policy stored when none was asked for"
pass "default policy: registry names pulled when absent"

# Unknown tag and missing platform: typed errors, not retried.
set +e
out=$(actl run --image "$REG/multi/busybox:nope" --pull always --retries 2 -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "unknown tag exit code"
assert_contains "$out" "image $REG/multi/busybox:nope not found in $REG" "unknown tag reason"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
assert_eq 1 "$(actl -o json status "$job" | json_field 'len(d["tasks"][0]["attempts"])')" "not found is not retried"
set +e
out=$(actl run --arch arm64 --image "$SINGLE" --pull always -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "missing platform exit code"
assert_contains "$out" "image $SINGLE has no linux/arm64 (it has linux/amd64)" "missing platform names what the image has"
pass "unknown tag and missing platform -> typed errors without retries"

# Four concurrent tasks of one image and platform share one pull.
docker rmi -f "$SINGLE" >/dev/null 2>&1 || true
before=$(pulls_of "$SINGLE" linux/amd64)
ids=()
for i in 1 2 3 4; do ids+=("$(actl submit --image "$SINGLE" --pull if-not-present -- sh -c 'sleep 1; echo shared')"); done
for id in "${ids[@]}"; do
  out=$(actl wait "$id" 2>&1) || fail "shared pull task $id: $out"
done
assert_eq 1 "$(( $(pulls_of "$SINGLE" linux/amd64) - before ))" "one pull for four tasks"
pass "four concurrent tasks waited for one shared pull"

# The registry down, then back: retried inside the attempt, then passes.
stop_registry pub
docker rmi -f "$SINGLE" >/dev/null 2>&1 || true
job=$(actl submit --image "$SINGLE" --pull always -- echo back)
wait_until 20 log_has "$job" "retrying in" || fail "no retry while the registry is down"
restart_registry pub
out=$(actl wait "$job" 2>&1) || fail "after restart: $out"
assert_contains "$(actl logs "$job")" "back" "task ran after the registry came back"
pass "registry down then restarted -> pull retried, task passed"

# Down for good: an infrastructure error after the pull's retries, which
# --retries may retry (here once, on the same single agent).
stop_registry pub
set +e
out=$(actl run --image "$SINGLE" --pull always --retries 1 -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "registry down for good exit code"
assert_contains "$out" "gave up after the pull's retries" "reason names the given-up pull"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
assert_eq 2 "$(actl -o json status "$job" | json_field 'len(d["tasks"][0]["attempts"])')" "--retries retried the transient failure"
pass "registry down for good -> infrastructure error, retried by --retries"

# A controller may restrict the policies; the default counts too.
restart_registry pub
start_controller strict 0 --allowed-pull-policies if-not-present,never
expect_http_refusal=$(actl submit --image "$REG/multi/busybox:latest" -- true 2>&1) && fail "always was not refused"
assert_contains "$expect_http_refusal" "pull policy \"always\" (for $REG/multi/busybox:latest) is not allowed (allowed: if-not-present, never)" "refusal names the allowed list"
out=$(actl submit --image "$REG/multi/busybox:1" --pull always -- true 2>&1) && fail "explicit always was not refused"
assert_contains "$out" "allowed: if-not-present, never" "explicit policy refused too"
actl submit --image "$REG/multi/busybox:1" -- true >/dev/null || fail "if-not-present default refused"
pass "--allowed-pull-policies refuses other policies at submit, naming the allowed ones"
