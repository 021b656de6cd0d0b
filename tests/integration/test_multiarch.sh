#!/usr/bin/env bash
# Multi-arch fan-out on two agents: one offering only native amd64, one that
# also runs arm64 under qemu emulation. One task per architecture, one
# verdict, per-architecture results, and reasons for tasks that wait.
source "$(dirname "$0")/lib.sh"
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || fail "qemu-aarch64 is not registered in binfmt_misc"
start_controller ctl
start_agent native --emulation false --labels role=native --slots 2
native_id=$AGENT_ID
start_agent emu --labels role=emu --slots 2
emu_id=$AGENT_ID
agents=$(actl agents)
assert_contains "$agents" "arm64(emulated)" "emulating agent advertises arm64 as emulated"

out=$(actl run --arch x86_64,aarch64 --image 'arena-test/busybox:{arch}' \
  --junit-out "$WORK/pass.xml" -- uname -m 2>&1) || fail "multi-arch job: $out"
assert_contains "$out" "[amd64] x86_64" "amd64 task output"
assert_contains "$out" "[arm64] aarch64" "arm64 task output under emulation"
job=$(actl -o json jobs --limit 1 | json_field 'd["jobs"][0]["id"]')
status=$(actl -o json status "$job")
assert_eq "amd64 arm64" "$(echo "$status" | json_field '" ".join(t["arch"] for t in d["tasks"])')" "normalised task names"
assert_eq "$emu_id True" "$(echo "$status" | json_field 'd["tasks"][1]["agent_id"] + " " + str(d["tasks"][1].get("emulated", False))')" "arm64 runs emulated on the emulating agent"
assert_eq "False" "$(echo "$status" | json_field 'str(d["tasks"][0].get("emulated", False))')" "amd64 runs natively"
assert_eq aarch64 "$(actl logs "$job" --task arm64)" "logs --task arm64"
pass "fan-out: one task per architecture, arm64 emulated, both passed"

set +e
out=$(actl run --arch amd64,arm64 --image 'arena-test/busybox:{arch}' \
  --junit-out "$WORK/fail.xml" -- sh -c 'echo "checking $(uname -m)"; test "$(uname -m)" = x86_64' 2>&1)
rc=$?
set -e
assert_eq 1 "$rc" "one failing architecture fails the job"
assert_contains "$out" "verdict: failed" "verdict"
python3 - "$WORK/fail.xml" <<'PY' || fail "JUnit XML"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = {c.get("name"): c for c in root.iter("testcase")}
assert set(cases) == {"amd64", "arm64"}, cases
assert cases["amd64"].find("failure") is None
failure = cases["arm64"].find("failure")
assert failure is not None and "checking aarch64" in failure.text, failure
assert root.get("tests") == "2" and root.get("failures") == "1", root.attrib
PY
python3 -c "import sys,xml.etree.ElementTree as ET; r=ET.parse(sys.argv[1]).getroot(); assert r.get('failures')=='0'" "$WORK/pass.xml" || fail "passing JUnit"
pass "one verdict for all architectures; JUnit parsed back with the failing log lines"

set +e
out=$(actl run --arch arm64 --image arena-test/busybox:amd64 -- true 2>&1)
rc=$?
set -e
assert_eq 3 "$rc" "platform mismatch exit code"
assert_contains "$out" "is built for linux/amd64 but the task runs on linux/arm64" "platform mismatch reason"
out=$(actl run --arch arm64 --image amd64=arena-test/busybox:amd64 --image arm64=arena-test/busybox:arm64 -- uname -m 2>&1) ||
  fail "image map: $out"
assert_contains "$out" "aarch64" "image map picks the arm64 image"
pass "image per architecture: {arch}, a map, and a clear error on mismatch"

gpu=$(actl submit --label gpu=1 -- true)
sleep 0.5
assert_contains "$(actl status "$gpu")" "required label gpu=1 matches no agent offering amd64" "label reason"
b1=$(actl submit --label role=native -- sleep 30)
b2=$(actl submit --label role=native -- sleep 30)
wait_until 10 task_started "$b2" || fail "busy jobs did not start"
waiting=$(actl submit --label role=native -- true)
sleep 0.5
assert_contains "$(actl status "$waiting")" "1 matching agent, all slots busy" "busy reason"
kill "$AGENT_PID"  # the emulating agent: nothing offers arm64 any more
wait_until 10 sh -c "! $BIN/arenactl --controller $CONTROLLER --ca-file $CA --token $TOKEN agents | grep $emu_id | grep -q connected" ||
  fail "emulating agent still listed as connected"
arm=$(actl submit --arch arm64 --image arena-test/busybox:arm64 -- true)
assert_contains "$(actl status "$arm")" "no connected agent offers arm64" "platform reason"
for j in "$gpu" "$arm" "$b1" "$b2" "$waiting"; do actl cancel "$j" >/dev/null; done
pass "queued tasks explain why they wait"
