#!/usr/bin/env bash
# arenactl doctor, the check CI runs before a long job: one line per check,
# exit 0 when a job with the architectures and labels asked for could start
# now, 3 with the problem named otherwise: no agent for an architecture or
# label, a draining agent, a refused token, a CA that does not sign the
# controller's certificate, a server name the certificate does not carry,
# a controller that is not listening. Any role may run it.
source "$(dirname "$0")/lib.sh"
start_controller ctl
start_agent one --slots 2 --labels pool=gpu

doctor() {  # EXPECTED_EXIT ARGS...: runs arenactl doctor, output in $WORK/doctor.out
  local want=$1; shift
  set +e
  "$@" >"$WORK/doctor.out" 2>&1
  local rc=$?
  set -e
  assert_eq "$want" "$rc" "exit code of $*: $(cat "$WORK/doctor.out")"
}

native=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
doctor 0 actl doctor
assert_contains "$(cat "$WORK/doctor.out")" "ok   controller $CONTROLLER reachable, TLS verified" "doctor's controller line"
assert_contains "$(cat "$WORK/doctor.out")" 'ok   token "admin" (role admin)' "doctor's token line"
assert_contains "$(cat "$WORK/doctor.out")" "ok   $native: 1 agent could run it now (2 free slots)" "doctor's agent line"
pass "doctor passes with an agent for the native architecture"

doctor 0 actl doctor --arch "$native" --label pool=gpu
assert_contains "$(cat "$WORK/doctor.out")" "ok   $native: 1 agent" "the native line with the label"
doctor 3 actl doctor --label pool=cpu
assert_contains "$(cat "$WORK/doctor.out")" "FAIL $native: " "a label no agent has"
assert_eq 3 "$(wc -l <"$WORK/doctor.out")" "lines of a doctor run with one problem"
pass "a label no agent has fails with its architecture's line"
expect_usage "architecture" actl doctor --arch sparc64x
pass "an unknown architecture is a usage error"

submitter=$(actl token create --name ci --role submitter)
doctor 0 "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token "$submitter" doctor
assert_contains "$(cat "$WORK/doctor.out")" 'ok   token "ci" (role submitter)' "a submitter's doctor"
doctor 3 "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$CA" --token aat_wrong doctor
assert_contains "$(cat "$WORK/doctor.out")" "FAIL token (--token): " "a refused token"
pass "a submitter may run doctor; a wrong token fails on its line"

actl agent drain "$(cat "$WORK/one/agent.id")" >/dev/null
doctor 3 actl doctor
assert_contains "$(cat "$WORK/doctor.out")" "FAIL $native: " "a draining agent does not count"
actl agent undrain "$(cat "$WORK/one/agent.id")" >/dev/null
pass "a draining agent does not count"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/other.key" -out "$WORK/other.pem" \
  -days 1 -subj /CN=other >/dev/null 2>&1
doctor 3 "$BIN/arenactl" --controller "$CONTROLLER" --ca-file "$WORK/other.pem" --token "$TOKEN" doctor
assert_contains "$(cat "$WORK/doctor.out")" "FAIL TLS: the controller's certificate is not signed by the CA in $WORK/other.pem" "a CA that did not sign the controller"
assert_eq 2 "$(wc -l <"$WORK/doctor.out")" "lines of a TLS failure (gRPC's own log kept out)"
# 127.1 is 127.0.0.1 to getaddrinfo (gRPC's native resolver), a name the
# certificate does not carry.
port=${CONTROLLER##*:}
doctor 3 env GRPC_DNS_RESOLVER=native "$BIN/arenactl" --controller "127.1:$port" --ca-file "$CA" --token "$TOKEN" doctor
assert_contains "$(cat "$WORK/doctor.out")" "FAIL TLS: the controller's certificate does not name 127.1" "a server name the certificate lacks"
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
doctor 3 "$BIN/arenactl" --controller "127.0.0.1:$free_port" --ca-file "$CA" --token "$TOKEN" doctor
assert_contains "$(cat "$WORK/doctor.out")" "FAIL controller 127.0.0.1:$free_port not reachable: Connection refused" "a controller that is not listening"
pass "TLS and reachability problems fail with their lines"

expect_usage "unknown flag --arhc for doctor" actl doctor --arhc amd64
pass "a mistyped flag is a usage error"
