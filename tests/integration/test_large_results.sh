#!/usr/bin/env bash
# A job whose JUnit report holds 100,000 test cases (one failing) and 3,000
# artifact files: `arenactl wait` and `run` still give the CI verdict (exit 1,
# not a message-size error), `results` pages through every test, and REST
# answers stay quick whatever the client asks for (brotli, gzip, pages), so
# the gateway and its shutdown are never held by one big answer.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent agent

script='mkdir -p /out/junit /out/files/a /out/files/b
awk "BEGIN { print \"<testsuites><testsuite name=\\\"big\\\">\";
  for (i = 0; i < 100000; i++) {
    if (i == 4242) print \"<testcase classname=\\\"big.mod\\\" name=\\\"t\" i \"\\\"><failure message=\\\"boom\\\">x</failure></testcase>\";
    else print \"<testcase classname=\\\"big.mod\\\" name=\\\"t\" i \"\\\" time=\\\"0.001\\\"/>\" }
  print \"</testsuite></testsuites>\" }" > /out/junit/big.xml
i=0; while [ $i -lt 1500 ]; do echo $i > /out/files/a/f$i; echo $i > /out/files/b/f$i; i=$((i+1)); done
exit 1'
job=$(actl submit --junit /out/junit --artifact /out/files -- sh -c "$script")
set +e
actl wait "$job" >"$WORK/wait.out" 2>"$WORK/wait.err"
rc=$?
set -e
assert_eq 1 "$rc" "wait on a job with one failed test of 100,000 exits 1 (stderr: $(cat "$WORK/wait.err"))"
grep -q "tests: 100000, failed 1" "$WORK/wait.out" || fail "summary line: $(tail -5 "$WORK/wait.out")"
grep -q "FAILED  big.mod::t4242" "$WORK/wait.out" || fail "the failed test is named: $(tail -5 "$WORK/wait.out")"
actl results "$job" --junit-out "$WORK/merged.xml" >"$WORK/results.out"
grep -q "^100000 tests: 99999 passed, 1 failed" "$WORK/results.out" || fail "results: $(tail -2 "$WORK/results.out")"
assert_eq 100000 "$(grep -o '<testcase ' "$WORK/merged.xml" | wc -l)" "merged JUnit test cases"
set +e
actl run --junit /out/junit -- sh -c "$script" >"$WORK/run.out" 2>&1
rc=$?
set -e
assert_eq 1 "$rc" "run exits 1 ($(tail -3 "$WORK/run.out"))"
pass "100,000 results: wait and run exit 1 with the summary, results pages through all"

# REST: pages, and compression that costs milliseconds, not minutes.
count=0; token=""
for _ in $(seq 1 200); do
  page=$(curl -sf --max-time 20 -H "Authorization: Bearer $TOKEN" -H 'Accept-Encoding: br, gzip' \
    --compressed "$CTL_URL/api/v1/jobs/$job/results?page_size=10000&page_token=$token")
  count=$((count + $(echo "$page" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("results", [])))')))
  token=$(echo "$page" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("next_page_token", ""))')
  [ -n "$token" ] || break
done
assert_eq 100000 "$count" "REST result pages add up"
start=$(date +%s%N)
headers=$(curl -s -o /dev/null -D - --max-time 10 -H "Authorization: Bearer $TOKEN" \
  -H 'Accept-Encoding: br' "$CTL_URL/api/v1/jobs/$job/results?page_size=10000")
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_contains "$headers" "200" "a brotli-only client gets an answer"
case "$headers" in *"Content-Encoding: br"*) fail "answer compressed with brotli" ;; esac
headers=$(curl -s -o "$WORK/page.gz" -D - --max-time 10 -H "Authorization: Bearer $TOKEN" \
  -H 'Accept-Encoding: gzip' "$CTL_URL/api/v1/jobs/$job/results")
assert_contains "$headers" "Content-Encoding: gzip" "gzip when offered"
gunzip -c "$WORK/page.gz" | python3 -c 'import json,sys; assert len(json.load(sys.stdin)["results"]) == 1000' ||
  fail "a gzip page is valid JSON of 1000 results"
art=$(curl -sf --max-time 10 -H "Authorization: Bearer $TOKEN" --compressed \
  "$CTL_URL/api/v1/jobs/$job/artifacts?page_size=5000")
echo "$art" | python3 -c '
import json, sys
d = json.load(sys.stdin)
paths = [a["path"] for a in d["artifacts"] if not a.get("junit")]
assert len(paths) == 3000, len(paths)
assert len(set(paths)) == 3000, "artifact paths collide"
' || fail "artifact list of 3000 files"
pass "REST pages; br not used (answered in ${took_ms} ms), gzip when offered; 3000 artifacts listed"

# The dashboard's job page data (job + first result page) answers while a
# slow client holds a follow stream open, and SIGTERM ends the controller at once.
curl -s -N --max-time 60 -H "Authorization: Bearer $TOKEN" \
  "$CTL_URL/api/v1/jobs/$(actl submit -- sleep 50)/logs?follow=true" >/dev/null &
follower=$!
PIDS+=("$follower")
sleep 1
start=$(date +%s%N)
kill -TERM "$CTL_PID"
wait_until 10 process_gone "$CTL_PID" || fail "controller still running 10 s after SIGTERM"
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took_ms" -lt 6000 ] || fail "shutdown took ${took_ms} ms"
pass "SIGTERM with a log follower open: stopped in ${took_ms} ms"
