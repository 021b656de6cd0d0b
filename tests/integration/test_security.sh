#!/usr/bin/env bash
# Roles over gRPC and REST, token revocation and expiry, the audit trail,
# agent revocation and drain, expired join tokens; tokens never stored plain.
source "$(dirname "$0")/lib.sh"
start_controller ctl 0 --agent-lease 3s
admin=$TOKEN
url="$CTL_URL"
start_agent a --heartbeat 500ms --labels host=a
agent_a=$AGENT_ID
agent_a_pid=$AGENT_PID

op=$(actl token create --name ops --role operator)
sub1=$(actl token create --name team-one --role submitter)
sub2=$(actl token create --name team-two --role submitter)
as() { local t=$1; shift; "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$t" "$@"; }
denied() {  # NEEDLE COMMAND...
  local needle=$1; shift
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  assert_eq 2 "$rc" "exit code of: $*"
  assert_contains "$out" "$needle" "refusal of: $*"
}
rest() {  # TOKEN METHOD PATH -> status code
  curl -s -o "$WORK/rest.out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" "$url$3" -d "${4:-}"
}

job=$(as "$sub1" submit -- sh -c 'echo mine')
as "$sub1" wait "$job" >/dev/null || fail "submitter's job"
assert_eq "mine" "$(as "$sub1" logs "$job")" "owner reads its log"
denied "submitted by another token" as "$sub2" status "$job"
denied "submitted by another token" as "$sub2" logs "$job"
denied "submitted by another token" as "$sub2" cancel "$job"
assert_eq 0 "$(as "$sub2" -o json jobs | json_field 'len(d.get("jobs", []))')" "submitter lists only its own jobs"
assert_eq 1 "$(as "$sub1" -o json jobs | json_field 'len(d.get("jobs", []))')" "owner lists its job"
denied "needs the operator or admin role" as "$sub1" agents
denied "needs the operator or admin role" as "$sub1" join-token create
denied "needs the admin role" as "$sub1" token list
denied "needs the admin role" as "$sub1" audit
assert_eq 403 "$(rest "$sub2" GET "/api/v1/jobs/$job")" "REST: other submitter's job"
assert_contains "$(cat "$WORK/rest.out")" "PERMISSION_DENIED" "REST error code"
assert_eq 403 "$(rest "$sub1" GET /api/v1/agents)" "REST: submitter lists agents"
assert_eq 403 "$(rest "$sub1" POST /api/v1/tokens '{"name": "x", "role": "admin"}')" "REST: submitter creates a token"
assert_eq 200 "$(rest "$sub1" GET "/jobs/$job")" "REST: owner reads its job"
pass "submitter: own jobs only, no agents, tokens or audit (gRPC and REST)"

assert_eq "mine" "$(as "$op" logs "$job")" "operator reads any job"
as "$op" agents | grep -q "$agent_a" || fail "operator lists agents"
as "$op" join-token create >/dev/null || fail "operator creates join tokens"
denied "needs the admin role" as "$op" token create --name y --role admin
denied "needs the admin role" as "$op" audit
assert_eq 200 "$(rest "$op" GET /api/v1/agents)" "REST: operator lists agents"
assert_eq 403 "$(rest "$op" GET /api/v1/audit)" "REST: operator reads the audit"
pass "operator: every job and agent, no tokens or audit"

actl token revoke team-two >/dev/null
denied "was revoked" as "$sub2" jobs
assert_eq 401 "$(rest "$sub2" GET /api/v1/jobs)" "REST: revoked token"
short=$(actl token create --name brief --role submitter --ttl 1s)
sleep 1.5
denied "has expired" as "$short" jobs
denied "unknown API token" as "not-a-token" jobs
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/jobs")" "REST without a token"
denied "unknown role" actl token create --name z --role root
for secret in "$op" "$sub1" "$admin"; do
  if grep -q "$secret" "$CTL_DIR/arena.db" "$CTL_DIR/arena.db-wal" 2>/dev/null; then
    fail "a token is stored in plain text"
  fi
done
pass "revoked, expired and unknown tokens refused; tokens stored only hashed"

expired_join=$(actl join-token create --ttl 1s)
sleep 1.5
set +e
"$BIN/arena-agent" --controller "$CONTROLLER" --ca-file "$CA" --join-token "$expired_join" \
  --state-dir "$WORK/late" >"$WORK/late.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "expired join token enrolled"
assert_contains "$(cat "$WORK/late.log")" "expired" "expired join token message"
pass "expired join token refused"

start_agent b --heartbeat 500ms --labels host=b
agent_b=$AGENT_ID
actl agent drain "$agent_b" | grep -q draining || fail "drain output"
queued=$(actl submit --label host=b -- true)
sleep 0.5
assert_contains "$(actl status "$queued")" "all draining" "drained agent gets no work"
actl agent undrain "$agent_b" >/dev/null
actl wait "$queued" >/dev/null || fail "job after undrain"
pass "drain: no new work until undrained"

job=$(actl submit --retries 1 -- sh -c 'echo started; sleep 30')
wait_until 10 task_started "$job" || fail "job did not start"
victim=$(actl -o json status "$job" | json_field 'd["tasks"][0]["agent_id"]')
first_attempt=$(actl -o json status "$job" | json_field 'd["tasks"][0]["attempt_id"]')
start=$(date +%s)
actl agent revoke "$victim" | grep -q revoked || fail "revoke output"
wait_until 10 sh -c "! $BIN/arenactl --controller $CONTROLLER --ca-file $CA --token $admin agents | grep $victim | grep -q connected" ||
  fail "revoked agent still connected"
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -le 5 ] || fail "revocation took ${elapsed}s"
wait_until 20 sh -c "[ -z \"\$(docker ps -q --filter label=arena.attempt=$first_attempt)\" ]" ||
  fail "revoked agent's container still runs"
assert_contains "$(actl -o json status "$job" | json_field 'd["tasks"][0]["attempts"][0]["reason"]')" "revoked" "attempt reason"
other=$([ "$victim" = "$agent_a" ] && echo "$agent_b" || echo "$agent_a")
assert_eq "$other" "$(actl -o json status "$job" | json_field 'd["tasks"][0]["agent_id"]')" "retried on the other agent"
victim_dir=$([ "$victim" = "$agent_a" ] && echo "$WORK/a" || echo "$WORK/b")
victim_log=$([ "$victim" = "$agent_a" ] && echo "$WORK/a.log" || echo "$WORK/b.log")
wait_until 10 grep -q "PERMISSION_DENIED\|is not enrolled or was revoked" "$victim_log" || fail "revoked agent was not refused on reconnect"
actl cancel "$job" >/dev/null
pass "revoke: stream closed in ${elapsed}s, reconnect refused, container stopped, work retried elsewhere"

audit=$(actl -o json audit --limit 200)
for action in job.submit job.cancel token.create token.revoke enroll enroll.refused agent.drain agent.undrain agent.revoke join_token.create; do
  echo "$audit" | grep -q "\"action\": \"$action\"" || fail "audit has no $action"
done
echo "$audit" | grep -q '"actor": "team-one"' || fail "audit does not name the submitter"
pass "audit trail records submissions, cancels, tokens, enrollments and agent actions"
