// Change notification for people and CI waiting on jobs: a long poll waits
// for a task or job to change state, a log follow for new bytes or a state
// change. The scheduler announces state changes once a batch is durable;
// the log store announces stored bytes. Owned by the Controller; thread-safe.
#ifndef ARENA_CONTROLLER_STORE_JOB_EVENTS_H_
#define ARENA_CONTROLLER_STORE_JOB_EVENTS_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arena {

class JobEvents {
 public:
  // A task or job changed state: wakes job watchers and log readers.
  void StatesChanged();
  // Log bytes were stored: wakes log readers only.
  void LogsGrew();

  // Bumped by both.
  uint64_t Generation() const;
  // Bumped by StatesChanged only.
  uint64_t StateGeneration() const;
  // Block until the generation differs from `seen`, or the timeout passes.
  void WaitForChange(uint64_t seen, absl::Duration timeout) const;
  void WaitForStateChange(uint64_t seen, absl::Duration timeout) const;

 private:
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t state_generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_JOB_EVENTS_H_
