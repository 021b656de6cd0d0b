# Each test sees its own id and job in the environment Arena gives it.
[ "$ARENA_TEST" = tests/env_clean.sh ] && [ -n "$ARENA_JOB_ID" ]
