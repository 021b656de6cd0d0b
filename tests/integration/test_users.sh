#!/usr/bin/env bash
# People's accounts and dashboard sessions against a real controller over
# TLS: the first start's admin user (its password file 0600), arenactl user
# create/list/disable/enable/passwd, a password login's cookie (HttpOnly,
# Secure, SameSite=Strict), the CSRF token every change needs, a
# submitter's session seeing only its jobs, the lock after five failures
# (audited), logout ending the session on the controller, and bad input
# refused with a reason.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent one

pw_file="$CTL_DIR/admin.password"
assert_eq 600 "$(stat -c %a "$pw_file")" "admin.password is its owner's only"
assert_contains "$(cat "$WORK/ctl.log")" "created user admin with password $(cat "$pw_file")" \
  "the first start shows the admin password once"
pass "the first start creates user admin; its password in a 0600 file"

printf 'alice-password-1\n' | actl user create alice --role submitter >/dev/null
printf 'bob-password-22\n' | actl user create bob --role operator >/dev/null
list=$(actl user list)
assert_contains "$list" "alice" "alice listed"
assert_contains "$(grep bob <<<"$list")" "operator" "bob's role"
set +e
out=$(printf 'short\n' | actl user create carol 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a short password was accepted"
assert_eq 1 "$(wc -l <<<"$out")" "one line: $out"
assert_contains "$out" "12 characters" "why"
out=$(printf 'alice-password-1\n' | actl user create alice 2>&1) && fail "a taken name was accepted"
assert_contains "$out" "exists" "a taken name"
pass "arenactl user create and list; a short password and a taken name refused in one line"

# login COOKIEJAR USER PASSWORD: the HTTP status; the body in $WORK/login.json.
login() {
  curl -s -c "$1" -D "$WORK/login.headers" -o "$WORK/login.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "{\"username\": \"$2\", \"password\": \"$3\"}" \
    "$CTL_URL/api/v1/login"
}
assert_eq 200 "$(login "$WORK/alice.jar" alice alice-password-1)" "alice logs in"
cookie=$(grep -i '^set-cookie:' "$WORK/login.headers")
for attr in HttpOnly Secure SameSite=Strict Path=/; do assert_contains "$cookie" "$attr" "the cookie is $attr"; done
alice_csrf=$(jq -r .csrf_token "$WORK/login.json")
assert_eq "alice submitter" "$(jq -r '"\(.user) \(.role)"' "$WORK/login.json")" "who logged in"
acurl() { curl -s -b "$WORK/alice.jar" -w '\n%{http_code}' "$@"; }

job=$(actl submit -- sleep 30)  # the admin token's job
r=$(acurl -X POST -H "X-CSRF-Token: $alice_csrf" -H 'Content-Type: application/json' \
  -d '{"spec": {"command": ["true"]}}' "$CTL_URL/api/v1/jobs")
assert_eq 200 "$(code_of "$r")" "alice submits with her session: $(body_of "$r")"
own=$(body_of "$r" | jq -r .id)
assert_eq alice "$(body_of "$r" | jq -r .owner)" "a job's owner is the user"
r=$(acurl -X POST -d '{}' "$CTL_URL/api/v1/jobs/$own/cancel")
assert_eq 403 "$(code_of "$r")" "a change without the CSRF token"
assert_contains "$(body_of "$r")" "CSRF" "says why"
r=$(acurl -X POST -H "X-CSRF-Token: not-it" -d '{}' "$CTL_URL/api/v1/jobs/$own/cancel")
assert_eq 403 "$(code_of "$r")" "a change with a wrong CSRF token"
r=$(acurl "$CTL_URL/api/v1/jobs/$job")
assert_eq 403 "$(code_of "$r")" "a submitter's session cannot see another's job"
r=$(acurl "$CTL_URL/api/v1/jobs")
assert_eq "[\"$own\"]" "$(body_of "$r" | jq -c '[.jobs[].id]')" "alice lists only her job"
r=$(acurl "$CTL_URL/api/v1/session")
assert_eq "$alice_csrf" "$(body_of "$r" | jq -r .csrf_token)" "the session's CSRF token again, for a reload"
actl cancel "$job" >/dev/null
pass "a password login's cookie is HttpOnly, Secure, SameSite=Strict; changes need its CSRF token; a submitter sees only its jobs"

# Tokens belong to users: alice makes her own (no more than her role); an
# admin makes a service user's; a job's owner and the audit's actor are the
# user; disabling the user stops its tokens.
r=$(acurl -X POST -H "X-CSRF-Token: $alice_csrf" -d '{"name": "alice-ci", "role": "submitter"}' \
  "$CTL_URL/api/v1/tokens")
assert_eq 400 "$(code_of "$r")" "her own token needs an expiry"
assert_contains "$(body_of "$r")" "90 days" "says the most"
r=$(acurl -X POST -H "X-CSRF-Token: $alice_csrf" \
  -d '{"name": "alice-ci", "role": "submitter", "ttl_ms": "3600000"}' "$CTL_URL/api/v1/tokens")
assert_eq 200 "$(code_of "$r")" "alice makes her own token: $(body_of "$r")"
assert_eq alice "$(body_of "$r" | jq -r .info.user)" "the token is alice's"
alice_token=$(body_of "$r" | jq -r .token)
r=$(acurl -X POST -H "X-CSRF-Token: $alice_csrf" -d '{"name": "more", "role": "operator", "ttl_ms": "3600000"}' \
  "$CTL_URL/api/v1/tokens")
assert_eq 403 "$(code_of "$r")" "no more than her role"
r=$(acurl -X POST -H "X-CSRF-Token: $alice_csrf" -d '{"name": "x", "role": "submitter", "user": "bob"}' \
  "$CTL_URL/api/v1/tokens")
assert_eq 403 "$(code_of "$r")" "not another user's"
by_token=$("$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$alice_token" submit -- true)
assert_eq alice "$(actl -o json status "$by_token" | jq -r .owner)" "a job by alice's token is alice's"
assert_contains "$(actl -o json audit --limit 5 | jq -c '[.entries[] | select(.target == "'"$by_token"'")]')" \
  '"actor":"alice"' "the audit names the user"
printf 'ci-bot-password-1\n' | actl user create ci-bot --role operator >/dev/null
out=$(actl token create --name ci-bot 2>&1) && fail "a token of no user took a user's name"
assert_contains "$out" "is a user's name" "a token of no user under a user's name"
actl token create --name team-x >/dev/null
out=$(printf 'team-x-password-1\n' | actl user create team-x 2>&1) && fail "a user took a token's name"
assert_contains "$out" "an API token of no user is named team-x" "a user under a token's name"
bot=$(actl token create --name bot --role admin --user ci-bot)
assert_contains "$(actl token list | grep ' bot ')" "ci-bot" "the token list names its user"
botctl() { "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$bot" "$@"; }
botctl jobs >/dev/null || fail "the service user's token lists jobs"
out=$(botctl token list 2>&1) && fail "an admin token of an operator user acted as admin"
assert_contains "$out" "operator" "its role is its user's: $out"
actl user disable ci-bot >/dev/null
out=$(botctl jobs 2>&1) && fail "a disabled user's token still works"
assert_contains "$out" "disabled" "why: $out"
pass "tokens belong to users: alice's own (at most her role), a service user's by an admin; owner and audit name the user; disabling stops them"

# Five failures lock bob; the lock and the failures are audited.
for i in 1 2 3 4 5; do assert_eq 401 "$(login "$WORK/x.jar" bob wrong-password-$i)" "failure $i"; done
assert_contains "$(jq -r .error "$WORK/login.json")" "wrong user name or password" "no hint which"
assert_eq 429 "$(login "$WORK/bob.jar" bob bob-password-22)" "locked, even with the right password"
assert_contains "$(jq -r .error "$WORK/login.json")" "try again in" "says for how long"
assert_eq 401 "$(login "$WORK/x.jar" nobody some-password-1)" "an unknown user"
audit=$(actl -o json audit --limit 50)
assert_eq 5 "$(jq '[.entries[] | select(.action == "login.failed" and .actor == "bob")] | length' <<<"$audit")" \
  "five failures audited"
assert_eq 1 "$(jq '[.entries[] | select(.action == "login.locked")] | length' <<<"$audit")" "the lock audited"
assert_contains "$(actl user list | grep bob)" "locked" "arenactl user list shows the lock"
printf 'bob-password-333\n' | actl user passwd bob >/dev/null
assert_eq 200 "$(login "$WORK/bob.jar" bob bob-password-333)" "a new password lifts the lock"
pass "five failed logins lock the user (429, audited); a new password lifts it"

# Logout ends the session on the controller; a disabled user's session ends.
r=$(acurl -X POST -H "X-CSRF-Token: $alice_csrf" -d '{}' "$CTL_URL/api/v1/logout")
assert_eq 200 "$(code_of "$r")" "logout"
assert_eq 401 "$(code_of "$(acurl "$CTL_URL/api/v1/jobs")")" "the old cookie after logout"
bob_csrf=$(jq -r .csrf_token "$WORK/login.json")
actl user disable bob >/dev/null
assert_eq 401 "$(code_of "$(curl -s -b "$WORK/bob.jar" -w '\n%{http_code}' "$CTL_URL/api/v1/jobs")")" \
  "a disabled user's session"
assert_eq 401 "$(login "$WORK/bob.jar" bob bob-password-333)" "a disabled user cannot log in"
actl user enable bob >/dev/null
assert_eq 200 "$(login "$WORK/bob.jar" bob bob-password-333)" "enabled again"
pass "logout and disabling end sessions on the controller"

expect_http 400 "bad JSON" -H 'Content-Type: application/json' -d '{"username": ' "$CTL_URL/api/v1/login"
expect_http 400 "Content-Type: application/json" -H 'Content-Type: text/plain' \
  -d '{"username": "alice", "password": "alice-password-1"}' "$CTL_URL/api/v1/login"
expect_http 401 "wrong user name or password" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$(printf 'a%.0s' $(seq 1 63))\\u00e9\", \"password\": \"x\"}" "$CTL_URL/api/v1/login"
assert_contains "$(actl audit --limit 3)" "(not a user name)" "a name that could be no user's is not audited as typed"
expect_http 401 "wrong user name or password" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$(printf 'a%.0s' $(seq 1 300))\", \"password\": \"x\"}" "$CTL_URL/api/v1/login"
expect_http 401 "" "$CTL_URL/api/v1/session"
sub=$(actl token create --name team --role submitter)
expect_http 403 "admin" -H "Authorization: Bearer $sub" "$CTL_URL/api/v1/users"
expect_http 403 "admin" -H "Authorization: Bearer $sub" -d '{"password": "team-password-1"}' \
  "$CTL_URL/api/v1/users/alice/password"
pass "bad login bodies, a missing session and a submitter token's user calls refused with a reason"
