#!/bin/sh
# Starts the bench's agent (run on the bench host, as the user that may drive
# the rig; under systemd put these flags in /etc/default/arena-agent). One
# slot: one job at a time on the rig. No Docker: the process executor runs
# each task's command on the host in a fresh workspace. The hooks reset the
# rig before every attempt and check it after; a rig left unsafe makes the
# agent unhealthy, so it takes no work until the rig is safe again.
#
#   ARENA_CONTROLLER  host:port of the controller     ARENA_CA_FILE  its CA
#   STATE_DIR         the agent's state dir           RIG_DIR        the rig
#   JOIN_TOKEN        the first start only (arenactl join-token create)
# Extra arguments go to arena-agent as they are.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export RIG_DIR
exec arena-agent --controller "$ARENA_CONTROLLER" --ca-file "$ARENA_CA_FILE" \
  --state-dir "$STATE_DIR" ${JOIN_TOKEN:+--join-token "$JOIN_TOKEN"} \
  --executor process --slots 1 --labels bench=rig1 \
  --pre-task "$here/reset-rig.sh" --post-task "$here/check-rig.sh" --hook-timeout 2m \
  "$@"
