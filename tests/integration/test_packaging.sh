#!/usr/bin/env bash
# Deployment as an operator does it: cpack builds the three .deb packages
# (binaries, units, /etc/arena defaults, users made by postinst), both units
# pass `systemd-analyze verify`, both daemons report READY=1 and watchdog
# pings over $NOTIFY_SOCKET, and deploy/install-agent.sh installs the agent
# package on this host, enrolls it as its own user in the docker group, and
# that agent runs a job. Installs packages on the host: CI machines are
# throwaway; the package is removed again at the end.
source "$(dirname "$0")/lib.sh"
build=$(cd "$BIN/.." && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
(cd "$build" && cpack -G DEB -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1) || fail "cpack: $(tail -5 "$WORK/cpack.log")"
for p in arena-controller arena-agent arenactl; do
  ls "$WORK/pkg/${p}_"*.deb >/dev/null 2>&1 || fail "no $p package: $(ls "$WORK/pkg")"
done
ctl_deb=$(ls "$WORK/pkg"/arena-controller_*.deb)
agent_deb=$(ls "$WORK/pkg"/arena-agent_*.deb)
contents=$(dpkg-deb -c "$ctl_deb")
for f in ./usr/bin/arena-controller ./usr/lib/systemd/system/arena-controller.service ./etc/arena/controller.env; do
  assert_contains "$contents" "$f" "controller package contents"
done
assert_contains "$(dpkg-deb -c "$agent_deb")" "./usr/share/arena/install-agent.sh" "agent package ships install-agent.sh"
assert_contains "$(dpkg-deb -f "$agent_deb" Depends)" "docker.io" "agent depends on Docker"
dpkg-deb -e "$ctl_deb" "$WORK/ctl-control"
assert_contains "$(cat "$WORK/ctl-control/postinst")" "adduser --system" "postinst creates the user"
assert_eq "/etc/arena/controller.env" "$(cat "$WORK/ctl-control/conffiles")" "config is a conffile"
pass "cpack: arena-controller, arena-agent, arenactl .deb with units, /etc/arena and users"

mkdir -p "$WORK/root"
dpkg-deb -x "$ctl_deb" "$WORK/root"
dpkg-deb -x "$agent_deb" "$WORK/root"
mkdir -p "$WORK/units"
for unit in arena-controller arena-agent; do
  # The unit as packaged, pointed at the extracted binary (verify checks it exists).
  sed "s#/usr/bin/#$WORK/root/usr/bin/#g" "$WORK/root/usr/lib/systemd/system/$unit.service" \
    >"$WORK/units/$unit.service"
  systemd-analyze verify "$WORK/units/$unit.service" >"$WORK/verify.log" 2>&1 ||
    fail "systemd-analyze verify $unit: $(cat "$WORK/verify.log")"
  ! grep -qi "unknown\|ignoring" "$WORK/verify.log" || fail "verify warnings for $unit: $(cat "$WORK/verify.log")"
done
pass "both units pass systemd-analyze verify (Type=notify, watchdog, users, hardening)"

# A notify socket of our own stands in for systemd.
python3 - "$WORK/notify.sock" >"$WORK/notify.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
try:
    while True:
        print(s.recv(4096).decode().replace("\n", " "), flush=True)
except socket.timeout:
    pass
PY
PIDS+=($!)
wait_until 5 test -S "$WORK/notify.sock" || fail "notify socket"
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 start_controller ctl
wait_until 10 grep -q "READY=1" "$WORK/notify.log" || fail "controller sent no READY=1"
wait_until 5 grep -q "WATCHDOG=1" "$WORK/notify.log" || fail "controller sent no watchdog ping"
pass "controller: READY=1 after listening, WATCHDOG=1 pings ($(grep -c WATCHDOG=1 "$WORK/notify.log") so far)"

cleanup_package() {
  pkill -u arena-agent arena-agent 2>/dev/null || true
  dpkg -r arena-agent >/dev/null 2>&1 || true
  rm -rf /var/lib/arena-agent /etc/arena/agent.env /etc/arena/ca.pem
}
trap 'rc=$?; cleanup_package; (exit $rc); cleanup' EXIT
ARENA_NO_START=1 ARENA_AGENT_DEB="$agent_deb" bash "$root/deploy/install-agent.sh" \
  "$CONTROLLER" "$(actl join-token create)" "$CA" --slots 2 --labels pkg=yes >"$WORK/install.log" 2>&1 ||
  fail "install-agent.sh: $(cat "$WORK/install.log")"
assert_contains "$(id arena-agent)" "(docker)" "arena-agent is in the docker group"
assert_contains "$(cat /etc/arena/agent.env)" "--labels pkg=yes" "agent.env holds the flags"
[ "$(stat -c %U /var/lib/arena-agent/agent.key)" = arena-agent ] || fail "the key belongs to arena-agent"
runuser -u arena-agent -- sh -c '. /etc/arena/agent.env; exec /usr/bin/arena-agent --state-dir /var/lib/arena-agent --work-dir /var/lib/arena-agent/work $ARENA_AGENT_ARGS' \
  >>"$WORK/installed-agent.log" 2>&1 &
PIDS+=($!)
installed=$(cat /var/lib/arena-agent/agent.id)
wait_until 10 agent_connected "$installed" || fail "the installed agent did not connect"
job=$(actl submit --label pkg=yes -- sh -c 'echo from the packaged agent')
actl wait "$job" >/dev/null || fail "job on the packaged agent"
assert_eq "$installed" "$(actl -o json status "$job" | jq -r '.tasks[0].agent_id')" "ran on the installed agent"
pass "install-agent.sh: package, user, enrollment as arena-agent, and a job on that agent"
