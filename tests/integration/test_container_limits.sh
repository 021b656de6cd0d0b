#!/usr/bin/env bash
# Every task's container: capabilities dropped to a minimal set,
# no-new-privileges, Docker's seccomp filter, no network, memory/CPU/pids
# limits; specs asking for more than the policy are refused at submit; a
# memory hog, a fork bomb and a stdout flood end with a clear reason and
# leave the agent and dockerd serving.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0 --max-memory-mb 512 --max-pids 512 --max-cpus 2 --max-log-bytes 1000000
start_agent agent --slots 2

out=$(actl run -- sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes' 2>&1) ||
  fail "inspection job: $out"
# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID NET_BIND_SERVICE = 0x4fb
assert_contains "$out" "CapEff:	00000000000004fb" "effective capabilities"
assert_contains "$out" "NoNewPrivs:	1" "no-new-privileges"
assert_contains "$out" "Seccomp:	2" "seccomp filter"
assert_contains "$out" "$(printf 'lo\n')" "loopback only"
echo "$out" | grep -qE '^(eth|veth|docker)' && fail "container has a network interface: $out"
assert_contains "$out" "512" "pids limit (controller default capped by the policy)"
assert_contains "$out" "536870912" "memory limit 512 MiB"
pass "default container: minimal capabilities, no-new-privileges, seccomp, no network, limits"

assert_eq "1000" "$(actl run --user 1000:1000 -- id -u 2>/dev/null | head -n 1)" "--user"
expect_refused() {  # NEEDLE ARGS...
  local needle=$1; shift
  set +e; out=$(actl submit "$@" -- true 2>&1); rc=$?; set -e
  assert_eq 2 "$rc" "exit code for $*"
  assert_contains "$out" "$needle" "reason for $*"
}
expect_refused "exceeds the controller's limit of 512 MiB" --memory-mb 4096
expect_refused "exceed the controller's limit of 2" --cpus 8
expect_refused "exceeds the controller's limit of 512" --pids 100000
expect_refused 'network "host" is not allowed' --network host
pass "specs asking for more than the policy are refused at submit"

set +e
out=$(actl run --memory-mb 32 -- sh -c 'echo allocating; x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived' 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "memory hog fails"
assert_contains "$out" "out of memory: killed at the 32 MiB limit" "oom reason"
pass "memory hog: ends with an out-of-memory reason"

start=$(date +%s)
set +e
out=$(actl run --pids 64 --timeout 5s -- sh -c 'bomb() { bomb | bomb & }; bomb; sleep 60' 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "fork bomb ends as timed out"
assert_contains "$out" "timed_out" "fork bomb verdict"
pass "fork bomb under --pids 64: ended by its timeout after $(( $(date +%s) - start ))s"

set +e
out=$(actl run --timeout 8s -- sh -c 'yes "flood flood flood flood flood flood flood flood"' 2>/dev/null | tail -c 300)
set -e
assert_contains "$out" "arena: log truncated" "flood hits the log cap"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
bytes=$(actl -o json status "$job" | json_field 'int(d["tasks"][0]["log_bytes"])')
[ "$bytes" -lt 1001000 ] || fail "flood stored $bytes bytes"
assert_contains "$(actl status "$job")" "timed out" "flood reason"
pass "stdout flood: capped at 1 MB with a marker ($bytes bytes stored), ended by its timeout"

kill -0 "$AGENT_PID" || fail "agent died"
docker info >/dev/null || fail "dockerd died"
out=$(actl run -- echo still serving 2>&1) || fail "agent stopped serving: $out"
assert_contains "$out" "still serving" "a job after the abuse"
pass "agent and dockerd keep serving after the hog, the bomb and the flood"
