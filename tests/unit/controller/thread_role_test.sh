#!/usr/bin/env bash
# ThreadRole (controller/scheduler/thread_role.h) is a capability clang's
# -Wthread-safety checks: state guarded by a role may be touched only where
# the role is held (asserted by Assume(), or required by the function), and
# a touch anywhere else fails to compile. The scheduler's loop relies on it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cxx=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$cxx" ] || { echo "FAIL: no clang++ (tests/run.sh installs clang-14)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

compile() {  # $1: the body of Loop::Touch
  cat >"$work/t.cc" <<CC
#include "controller/scheduler/thread_role.h"
class Loop {
 public:
  void Run() { role_.Assume(); Step(); ++count_; }
  void Touch() { $1 }
 private:
  void Step() ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_) { ++count_; }
  arena::ThreadRole role_;
  int count_ ABSL_GUARDED_BY(role_) = 0;
};
int main() { Loop l; l.Run(); l.Touch(); }
CC
  "$cxx" -std=c++17 -fsyntax-only -Wthread-safety -Werror -I"$root" "$work/t.cc" 2>&1
}

out=$(compile 'role_.Assume(); ++count_; Step();') || { echo "FAIL: the role held: $out"; exit 1; }
echo "ok - guarded state and required functions compile where the role is held"
for body in '++count_;' 'Step();'; do
  if out=$(compile "$body"); then echo "FAIL: '$body' without the role compiled"; exit 1; fi
  case "$out" in
    *"requires holding"*) echo "ok - '$body' without the role fails: ${out%%$'\n'*}" ;;
    *) echo "FAIL: not a thread-safety error: $out"; exit 1 ;;
  esac
done
