#!/bin/sh
# Pre-task hook: puts the rig into its known state before each attempt (here
# a file stands in for the rig's power and firmware). A failure ends the
# attempt as an infrastructure error, which the job's --retries may retry.
set -eu
mkdir -p "$RIG_DIR"
echo off >"$RIG_DIR/power"
echo factory >"$RIG_DIR/firmware"
echo "rig reset for task $ARENA_TASK_ID (attempt $ARENA_ATTEMPT_ID)"
