#!/bin/sh
# Post-task hook, and the agent's health check while it fails: the rig must
# be powered off after a test. A rig left on makes the agent unhealthy (no
# new work) until this passes again.
set -eu
power=$(cat "$RIG_DIR/power" 2>/dev/null || echo missing)
if [ "$power" != off ]; then
  echo "rig left powered ($power): switch it off before the next job"
  exit 1
fi
echo "rig safe"
