// A thread role as a capability clang's -Wthread-safety can check: state
// confined to one thread is ABSL_GUARDED_BY(role), functions that may run
// only on that thread are ABSL_EXCLUSIVE_LOCKS_REQUIRED(role), and the
// thread that plays the role says so once with Assume() (the scheduler's
// loop at the top of Run). Nothing is locked: it costs nothing at run time.
//
// Owned by the class whose state it guards. Thread-safe (stateless).
#ifndef ARENA_CONTROLLER_SCHEDULER_THREAD_ROLE_H_
#define ARENA_CONTROLLER_SCHEDULER_THREAD_ROLE_H_

#include "absl/base/thread_annotations.h"

namespace arena {

class ABSL_LOCKABLE ThreadRole {
 public:
  ThreadRole() = default;
  ThreadRole(const ThreadRole&) = delete;
  ThreadRole& operator=(const ThreadRole&) = delete;

  // The calling thread plays the role until the end of its scope. Only the
  // role's thread may call it, or a thread that runs while that one cannot
  // (before it starts, after it is joined).
  void Assume() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_THREAD_ROLE_H_
