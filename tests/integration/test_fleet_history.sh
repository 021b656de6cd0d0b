#!/usr/bin/env bash
# The fleet's history: a controller sampling every second keeps per
# architecture the slots, how many are busy, the queue depth and the time
# to start, and serves them from GET /api/v1/fleet/history and arenactl
# fleet, to any role; bad parameters get a 400 and one readable line.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0 --fleet-sample-interval 1s
start_agent one --slots 2

# Four tasks of 3 s on two slots: two wait while two run.
job=$(actl submit --tests t1 --tests t2 --tests t3 --tests t4 --test-command 'sleep 3 # {test}')
actl wait "$job" >/dev/null || fail "the job failed"
sleep 2  # a sample after the end

hist=$(curl -sf -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/fleet/history?hours=1&arch=amd64")
assert_eq 1000 "$(jq -r '.interval_ms | tonumber' <<<"$hist")" "the sample interval"
n=$(jq '.samples | length' <<<"$hist")
[ "$n" -ge 6 ] || fail "too few samples over a 6 s job: $n"
assert_eq '["amd64"]' "$(jq -c '[.samples[].arch] | unique' <<<"$hist")" "one architecture asked for"
assert_eq 2 "$(jq '[.samples[].slots // 0] | max' <<<"$hist")" "the agent's two slots"
assert_eq 2 "$(jq '[.samples[].busy // 0] | max' <<<"$hist")" "both slots busy at the peak"
assert_eq 0 "$(jq '.samples[-1].busy // 0' <<<"$hist")" "none busy after the job"
queued=$(jq '[.samples[].queued // 0] | max' <<<"$hist")
[ "$queued" -ge 1 ] && [ "$queued" -le 2 ] || fail "the queue peak should be 1 or 2, was $queued"
assert_eq 4 "$(jq '[.samples[].started // 0] | add' <<<"$hist")" "each task's first start counted once"
wait_max=$(jq '[.samples[].start_wait_ms_max // "0" | tonumber] | max' <<<"$hist")
[ "$wait_max" -ge 2500 ] || fail "the last two tasks waited about 3 s for a slot; max was ${wait_max} ms"
ordered=$(jq '[.samples[].unix_ms | tonumber] | . == sort' <<<"$hist")
assert_eq true "$ordered" "oldest first"
pass "fleet history: $n samples a second apart, 2 slots busy at the peak, queue up to $queued, 4 starts (longest wait ${wait_max} ms)"

# A submitter reads the fleet too; arenactl gathers it into steps.
sub=$(actl token create --name team --role submitter)
expect_http 200 '"samples"' -H "Authorization: Bearer $sub" "$CTL_URL/api/v1/fleet/history"
table=$(actl fleet --step 1h)
assert_contains "$table" "ARCH" "the table's header"
row=$(grep -E ' amd64 ' <<<"$table" | tail -1)
read -r _ _ arch agents slots busy unavail queued started _ <<<"$row"
assert_eq "amd64 1 2 2 0" "$arch $agents $slots $busy $unavail" "one hour's row: $row"
[ "$started" -ge 4 ] || fail "the step's starts: $row"
# The same samples up to the REST answer's newest (a sample a second may
# land between the two reads).
rest=$(curl -sf -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/fleet/history?hours=1")
newest=$(jq '.samples[-1].unix_ms | tonumber' <<<"$rest")
# (REST writes zeros, arenactl's JSON leaves them out.)
upto() {
  jq --argjson t "$newest" -c '[.samples[] | select((.unix_ms | tonumber) <= $t)
    | "\(.unix_ms) \(.arch) \(.slots // 0) \(.busy // 0) \(.queued // 0) \(.started // 0)"]'
}
assert_eq "$(upto <<<"$rest")" "$(actl -o json fleet | upto)" "arenactl -o json fleet is the API's answer"
pass "a submitter reads the fleet; arenactl fleet --step 1h: $row"

expect_http 400 "hours must be from 1 to 168" -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/fleet/history?hours=500"
expect_http 400 "hours" -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/fleet/history?hours=x"
expect_http 400 "architecture" -H "Authorization: Bearer $TOKEN" "$CTL_URL/api/v1/fleet/history?arch=z80"
expect_http 401 "" "$CTL_URL/api/v1/fleet/history"
set +e
out=$(actl fleet --hours 0 2>&1); rc=$?
set -e
assert_eq 1 "$(wc -l <<<"$out")" "one line: $out"
[ "$rc" -ne 0 ] || fail "arenactl fleet --hours 0 succeeded"
out=$("$BIN/arena-controller" --data-dir "$WORK/x" --fleet-sample-interval 2h 2>&1) &&
  fail "a 2 h sample interval was accepted"
assert_contains "$out" "--fleet-sample-interval wants a duration from 1s to 1h" "the flag's check"
pass "bad hours, architecture, token and interval refused with a message"
