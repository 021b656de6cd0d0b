#!/bin/sh
# The bench's tests: power the rig on, flash, measure, power it off. They
# expect the rig reset (the pre-task hook did it) and leave it off.
set -eu
[ "$(cat "$RIG_DIR/power")" = off ] || { echo "rig not reset"; exit 2; }
[ "$(cat "$RIG_DIR/firmware")" = factory ] || { echo "rig not at factory firmware"; exit 2; }
echo on >"$RIG_DIR/power"
echo "test-build-$ARENA_JOB_ID" >"$RIG_DIR/firmware"
echo "flashed $(cat "$RIG_DIR/firmware"); measuring"
sleep "${BENCH_SECONDS:-1}"
mkdir -p reports
printf '<testsuite name="bench"><testcase classname="rig1" name="boot"/><testcase classname="rig1" name="current_draw"/></testsuite>\n' >reports/bench.xml
[ "${LEAVE_POWERED:-0}" = 1 ] || echo off >"$RIG_DIR/power"
echo "bench tests done"
