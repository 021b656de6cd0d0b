#!/bin/sh
# Runs the ad-hoc pool job. Needs ARENA_CONTROLLER, ARENA_CA_FILE,
# ARENA_TOKEN, REPO (a git URL) and COMMIT.
# Exit: 0 passed, 1 a test failed, 3 error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exec arenactl run -f "$here/job.yaml" --repo "$REPO" --commit "$COMMIT"
