// Takes the process's termination signals (SIGINT, SIGTERM) on a thread of
// its own with sigwait (common/signals.h) instead of in a signal handler: the
// first one notifies `stop`, later ones are logged and ignored. Nothing runs
// in signal context, so taking locks (the notification's, the logger's) is
// safe.
//
// Construct it on the main thread before any other thread starts: the
// signals are blocked in the constructing thread, and threads inherit that
// mask, so only the waiter takes them. Owned by main; the destructor ends
// and joins the thread (the signals stay blocked).
#ifndef ARENA_AGENT_SIGNAL_WAITER_H_
#define ARENA_AGENT_SIGNAL_WAITER_H_

#include <pthread.h>

#include <atomic>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"

namespace arena {

class SignalWaiter {
 public:
  explicit SignalWaiter(absl::Notification* stop);
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // Whether the signals could be blocked (if not, they end the process as
  // by default).
  const absl::Status& status() const { return status_; }
  // The waiting thread, to direct a signal at it (tests).
  pthread_t thread_handle() { return thread_.native_handle(); }

 private:
  void Wait();

  absl::Notification* const stop_;
  absl::Status status_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_AGENT_SIGNAL_WAITER_H_
