#include "controller/store/job_events.h"

namespace arena {

void JobEvents::StatesChanged() {
  absl::MutexLock lock(&mu_);
  ++generation_;
  ++state_generation_;
}

void JobEvents::LogsGrew() {
  absl::MutexLock lock(&mu_);
  ++generation_;
}

uint64_t JobEvents::Generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

uint64_t JobEvents::StateGeneration() const {
  absl::MutexLock lock(&mu_);
  return state_generation_;
}

void JobEvents::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return generation_ != seen; };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
}

void JobEvents::WaitForStateChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return state_generation_ != seen; };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
}

}  // namespace arena
