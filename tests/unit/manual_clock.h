// Time as a test sets it, for the clocks the scheduler, the agent session
// and others take as a std::function<absl::Time()>: it moves only when the
// test calls Advance. Owned by the test; thread-safe.
#ifndef ARENA_TESTS_UNIT_MANUAL_CLOCK_H_
#define ARENA_TESTS_UNIT_MANUAL_CLOCK_H_

#include <functional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arena {

class ManualClock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1780000000)) : now_(start) {}
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }
  // The clock as a function; `this` must outlive it.
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_TESTS_UNIT_MANUAL_CLOCK_H_
