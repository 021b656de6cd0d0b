#!/bin/sh
# The multi-arch CI loop with curl and jq only: submit job.json for the
# commit under test to the REST API, poll until the verdict, print each
# architecture's result. Needs ARENA_URL (https://HOST:PORT), ARENA_TOKEN,
# ARENA_CA_FILE, REPO (a git URL) and COMMIT.
# Exit: 0 when every architecture passed, 1 otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
api() { curl -sS --fail-with-body --cacert "$ARENA_CA_FILE" -H "Authorization: Bearer $ARENA_TOKEN" "$@"; }

job=$(jq --arg repo "$REPO" --arg commit "$COMMIT" '.spec.repo = $repo | .spec.commit = $commit' \
  "$here/job.json" | api -X POST "$ARENA_URL/api/v1/jobs" -d @- | jq -r .id)
echo "submitted $job"
until status=$(api "$ARENA_URL/jobs/$job" | jq -r .status);
      case "$status" in passed | failed | error | cancelled | timed_out) true ;; *) false ;; esac; do
  sleep "${POLL_SECONDS:-5}"
done
api "$ARENA_URL/jobs/$job" | jq -r '.architectures | to_entries[] | "\(.key): \(.value.status) (exit \(.value.exit_code))"'
for arch in $(jq -r '.spec.architectures[]' "$here/job.json"); do
  echo "---- $arch"
  api "$ARENA_URL/api/v1/jobs/$job/logs?task=$arch"
done
echo "verdict: $status"
[ "$status" = passed ]
