// One run of a piece of work per key at a time: the first caller leads and
// does it; callers that ask for the same key meanwhile wait and share its
// outcome. A leader that was cancelled does not share that: the next waiter
// leads again. Used for pulls (image, platform) and builds (tag).
//
// Owned by ImagePuller and ImageBuilder. Thread-safe. The work runs on the
// leader's thread, without the lock.
#ifndef ARENA_AGENT_EXECUTOR_SINGLE_FLIGHT_H_
#define ARENA_AGENT_EXECUTOR_SINGLE_FLIGHT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"

namespace arena {

template <typename T>
class SingleFlight {
 public:
  // Runs `work` for `key`, or waits for the run in flight and returns its
  // result; `on_wait` is called once before a caller waits. Cancelled when
  // `stop` is cancelled while waiting.
  absl::StatusOr<T> Do(const std::string& key, const std::function<absl::StatusOr<T>()>& work,
                       const std::function<void()>& on_wait, const StopSignal* stop) {
    while (true) {
      std::shared_ptr<Flight> flight;
      bool lead = false;
      {
        absl::MutexLock lock(&mu_);
        std::shared_ptr<Flight>& slot = flights_[key];
        if (slot == nullptr) {
          slot = std::make_shared<Flight>();
          lead = true;
          ++started_;
        }
        flight = slot;
      }
      if (lead) return Lead(key, flight, work);
      on_wait();
      while (!flight->done.WaitForNotificationWithTimeout(absl::Milliseconds(500))) {
        if (stop->cancelled()) return absl::CancelledError(stop->reason());
      }
      // The leader was cancelled: the work is not over for us; lead it now.
      if (!absl::IsCancelled(flight->result.status())) return flight->result;
    }
  }

  // Runs led since construction (a shared run counts once).
  int started() const {
    absl::MutexLock lock(&mu_);
    return started_;
  }

 private:
  struct Flight {
    absl::Notification done;
    absl::StatusOr<T> result;
  };

  absl::StatusOr<T> Lead(const std::string& key, const std::shared_ptr<Flight>& flight,
                         const std::function<absl::StatusOr<T>()>& work) {
    flight->result = work();
    {
      absl::MutexLock lock(&mu_);
      flights_.erase(key);
    }
    flight->done.Notify();
    return flight->result;
  }

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  int started_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_SINGLE_FLIGHT_H_
