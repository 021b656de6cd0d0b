// Takes the process's stop signals (SIGINT, SIGTERM) on a thread of its own
// with sigwait, instead of in a signal handler: the first one notifies
// `stop`, later ones are logged and ignored. Nothing runs in signal context,
// so taking locks (the notification's, the logger's) is safe.
//
// Construct it on the main thread before any other thread starts: the
// signals are blocked in the constructing thread, and threads inherit that
// mask, so only the waiter receives them. Owned by main; the destructor ends
// and joins the thread.
#ifndef ARENA_AGENT_SIGNAL_WAITER_H_
#define ARENA_AGENT_SIGNAL_WAITER_H_

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <initializer_list>
#include <thread>

#include "absl/synchronization/notification.h"

namespace arena {

class SignalWaiter {
 public:
  explicit SignalWaiter(absl::Notification* stop,
                        std::initializer_list<int> signals = {SIGINT, SIGTERM});
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // The waiting thread, to direct a signal at it (tests).
  pthread_t thread_handle() { return thread_.native_handle(); }

 private:
  void Wait();

  absl::Notification* const stop_;
  sigset_t signals_;
  int first_signal_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_AGENT_SIGNAL_WAITER_H_
