// A question an attempt's build asks the controller over the stream (the
// credentials for its base images' registry hosts) and the wait for its
// answer: bounded, and over when the attempt is cancelled. A reconnect
// drops the question; the wait then ends at its timeout with no answer.
// Owned by the session's entry for the attempt (shared with its build).
// Thread-safe: the attempt's thread waits, the stream's reader answers.
#ifndef ARENA_AGENT_SESSION_CREDENTIAL_WAIT_H_
#define ARENA_AGENT_SESSION_CREDENTIAL_WAIT_H_

#include <optional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"
#include "agent/executor/registry_auth.h"

namespace arena {

class CredentialWait {
 public:
  // Forgets an earlier answer: the next Wait is for a new question.
  void Reset() {
    absl::MutexLock lock(&mu_);
    answer_.reset();
  }
  void Answer(std::vector<RegistryLogin> logins) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(logins);
  }
  // The answer, or none after `timeout` or once `stop` is cancelled.
  std::vector<RegistryLogin> Wait(absl::Duration timeout, const StopSignal* stop) {
    absl::Time deadline = absl::Now() + timeout;
    absl::MutexLock lock(&mu_);
    auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return answer_.has_value(); };
    while (!answer_.has_value() && absl::Now() < deadline && !stop->cancelled()) {
      mu_.AwaitWithDeadline(absl::Condition(&answered),
                            std::min(deadline, absl::Now() + absl::Milliseconds(200)));
    }
    return answer_.value_or(std::vector<RegistryLogin>());
  }

 private:
  absl::Mutex mu_;
  std::optional<std::vector<RegistryLogin>> answer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_CREDENTIAL_WAIT_H_
