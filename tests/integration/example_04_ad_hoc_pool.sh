#!/usr/bin/env bash
# examples/04-ad-hoc-pool runs as written on three agents: lab-a
# (pool=adhoc, amd64 + arm64 by emulation), lab-b (pool=adhoc, amd64 only)
# and perf (pool=perf). The tests the repo lists are pulled one by one:
# arm64 ones only by lab-a, none by perf (no pool=adhoc label); each test
# runs by docker exec in a warm container of the job, so Docker creates
# fewer containers than there are tests (counted from dockerd's events).
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
example="$root/examples/04-ad-hoc-pool"
start_controller ctl
start_agent lab-a --slots 2 --labels pool=adhoc,zone=a
lab_a=$AGENT_ID
start_agent lab-b --slots 2 --labels pool=adhoc,zone=b --emulation false
lab_b=$AGENT_ID
start_agent perf --slots 2 --labels pool=perf
perf=$AGENT_ID
example_repo "$example/project" device-tests
export ARENA_CONTROLLER="$CONTROLLER" ARENA_CA_FILE="$CA" ARENA_TOKEN="$TOKEN" REPO COMMIT
export PATH="$BIN:$PATH"

since=$(date +%s)
set +e
sh "$example/run.sh" >"$WORK/run.out" 2>&1
rc=$?
set -e
until=$(( $(date +%s) + 1 ))
assert_eq 0 "$rc" "run.sh: $(tail -20 "$WORK/run.out")"
job=$(actl -o json jobs --limit 1 | jq -r '.jobs[0].id')
status=$(actl -o json status "$job")
tests=$(jq -c '[.tasks[] | select(.kind == "TASK_KIND_TEST")]' <<<"$status")
listed=$(ls "$example/project/tests" | wc -l)
assert_eq $((listed * 2)) "$(jq 'length' <<<"$tests")" "every listed test on both architectures"
assert_eq $((listed * 2)) "$(jq '[.[] | select(.state == "PASSED")] | length' <<<"$tests")" "every test passed"
assert_eq "$lab_a" "$(jq -r '[.[] | select(.arch == "arm64") | .agent_id] | unique | join(" ")' <<<"$tests")" \
  "arm64 tests ran only on the agent that offers arm64"
all_agents=$(jq -r '[.tasks[].attempts[].agent_id] | unique | join(" ")' <<<"$status")
case " $all_agents " in *" $perf "*) fail "the agent without pool=adhoc took work: $all_agents" ;; esac
amd64_agents=$(jq -r '[.[] | select(.arch == "amd64") | .agent_id] | unique | .[]' <<<"$tests")
for a in $amd64_agents; do
  [ "$a" = "$lab_a" ] || [ "$a" = "$lab_b" ] || fail "an amd64 test ran on $a"
done
assert_contains "$(actl logs "$job" --task arm64/tests/net_offline.sh)" "on aarch64" "arm64 tests ran emulated"
pass "tests pulled by the labelled agents that offer their platform; perf took none"

# Every container dockerd created for the job: the list task's (one per
# architecture) and the warm ones the tests ran in by docker exec.
docker events --since "$since" --until "$until" --filter event=create --filter "label=arena.job=$job" \
  --format '{{index .Actor.Attributes "arena.session"}}' >"$WORK/creates"
warm=$(grep -c . "$WORK/creates" || true)
total=$(wc -l <"$WORK/creates")
assert_eq 2 "$((total - warm))" "one container per architecture for the list task"
[ "$warm" -ge 2 ] && [ "$warm" -lt "$listed" ] ||
  fail "$((listed * 2)) tests ran in $warm warm containers (want at least 1 per architecture, fewer than $listed)"
seen=$(for t in $(jq -r '.[].id' <<<"$tests"); do actl logs "$job" --task "$t"; done |
  grep -o 'in container [0-9a-f]*' | sort -u | wc -l)
assert_eq "$warm" "$seen" "the tests' logs name as many containers as dockerd created warm"
pass "$((listed * 2)) tests ran in $warm warm containers (dockerd created $total for the job)"
