#!/usr/bin/env bash
# Every product header opens with a comment that says what the thing is,
# who owns it and whether it is thread-safe (STYLE.md, habit 1). This
# checks the last two are said at all: the comment before the include
# guard names threads, and names an owner (or says there is nothing to
# own: pure functions, constants, macros, plain values). The tree as it is
# passes; planted headers without either statement fail, named.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
owner='own|pure|stateless|functions|macros|constants|plain value|one per'

# Prints one line per header of DIR that breaks the rule; fails if any does.
check_tree() {
  local failed=0 lead header
  while IFS= read -r header; do
    lead=$(awk '/^#(ifndef|pragma|include)/ {exit} {print}' "$header")
    if ! grep -qE '^//' <<<"$lead"; then
      echo "${header#"$1"/} has no leading comment"; failed=1; continue
    fi
    grep -qi 'thread' <<<"$lead" || { echo "${header#"$1"/} does not say whether it is thread-safe"; failed=1; }
    grep -qiE "$owner" <<<"$lead" || { echo "${header#"$1"/} does not say who owns it"; failed=1; }
  done < <(find "$1/agent" "$1/controller" "$1/common" "$1/cli" -name '*.h' | sort)
  return $failed
}

count=$(find "$root/agent" "$root/controller" "$root/common" "$root/cli" -name '*.h' | wc -l)
[ "$count" -gt 50 ] || { echo "FAIL: only $count headers found"; exit 1; }
out=$(check_tree "$root") || { echo "FAIL: $out"; exit 1; }
echo "ok - $count headers state owner and thread-safety"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{agent,controller,common,cli}
printf '// A widget.\n// Owner: the Controller.\n#ifndef W_H_\n' >"$work/agent/no_threads.h"
printf '// A widget. Thread-safe.\n#ifndef W_H_\n' >"$work/controller/no_owner.h"
printf '#ifndef W_H_\n' >"$work/common/no_comment.h"
printf '// A widget. Owner: main. Thread-safe.\n#ifndef W_H_\n' >"$work/cli/fine.h"
if out=$(check_tree "$work"); then echo "FAIL: planted headers passed"; exit 1; fi
for want in "agent/no_threads.h does not say whether it is thread-safe" \
  "controller/no_owner.h does not say who owns it" "common/no_comment.h has no leading comment"; do
  grep -qF "$want" <<<"$out" || { echo "FAIL: missing \"$want\" in: $out"; exit 1; }
done
if grep -q fine.h <<<"$out"; then echo "FAIL: a header that says both was refused: $out"; exit 1; fi
echo "ok - headers without an owner, a thread-safety statement or a comment are named"
