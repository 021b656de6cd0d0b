#include "agent/signal_waiter.h"

#include <string.h>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace arena {

SignalWaiter::SignalWaiter(absl::Notification* stop, std::initializer_list<int> signals)
    : stop_(stop), first_signal_(*signals.begin()) {
  sigemptyset(&signals_);
  for (int signo : signals) sigaddset(&signals_, signo);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  thread_ = std::thread([this] { Wait(); });
}

SignalWaiter::~SignalWaiter() {
  closing_ = true;
  pthread_kill(thread_.native_handle(), first_signal_);  // ends its sigwait
  thread_.join();
}

void SignalWaiter::Wait() {
  while (true) {
    int signo = 0;
    if (sigwait(&signals_, &signo) != 0) continue;
    if (closing_) return;
    if (stop_->HasBeenNotified()) {
      LogLine("agent", absl::StrCat("already stopping; ", strsignal(signo), " ignored"));
      continue;
    }
    LogLine("agent", absl::StrCat(strsignal(signo), ": stopping"));
    stop_->Notify();
  }
}

}  // namespace arena
