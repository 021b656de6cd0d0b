#include "agent/signal_waiter.h"

#include <signal.h>
#include <string.h>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/signals.h"

namespace arena {

SignalWaiter::SignalWaiter(absl::Notification* stop) : stop_(stop) {
  status_ = BlockTerminationSignals();
  if (status_.ok()) thread_ = std::thread([this] { Wait(); });
}

SignalWaiter::~SignalWaiter() {
  if (!thread_.joinable()) return;
  closing_ = true;
  pthread_kill(thread_.native_handle(), SIGTERM);  // ends its wait
  thread_.join();
}

void SignalWaiter::Wait() {
  while (true) {
    int signo = WaitForTerminationSignal();
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
