#include "common/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace arena {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

absl::Status BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("cannot block SIGINT/SIGTERM: ", std::strerror(rc)));
  }
  return absl::OkStatus();
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSet();
  int signo = 0;
  // sigwait fails only for an invalid set; retry on the impossible anyway.
  while (sigwait(&set, &signo) != 0) {
  }
  return signo;
}

}  // namespace arena
