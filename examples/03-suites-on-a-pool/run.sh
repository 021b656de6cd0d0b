#!/bin/sh
# Suites on a pool, as CI runs them. Needs ARENA_CONTROLLER, ARENA_CA_FILE,
# ARENA_TOKEN (arenactl reads them), REPO (a git URL) and COMMIT.
#   REPO=https://git.example.com/ledger.git COMMIT=main ./run.sh
# Exit: 0 passed, 1 a suite failed, 3 the pool cannot run it (or error).
set -u
here=$(cd "$(dirname "$0")" && pwd)
junit=${JUNIT_OUT:-arena-junit.xml}

# Smoke check: is there a healthy agent for amd64 right now? Exit 3 if not,
# before anything is queued.
arenactl doctor --arch amd64 || exit $?

# The image is built from the repo; unit, integration and security run at
# once, then e2e and performance one at a time; one merged JUnit report.
exec arenactl run -f "$here/job.yaml" --repo "$REPO" --commit "$COMMIT" --junit-out "$junit"
