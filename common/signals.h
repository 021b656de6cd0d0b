// Termination signals (SIGINT, SIGTERM) taken synchronously with sigwait,
// never in a signal handler: the waiting thread may then lock, log and stop
// the process's parts like any other code. Functions over the process's
// signal mask: call BlockTerminationSignals from main before any thread
// starts; WaitForTerminationSignal from one thread at a time.
#ifndef ARENA_COMMON_SIGNALS_H_
#define ARENA_COMMON_SIGNALS_H_

#include "absl/status/status.h"

namespace arena {

// Blocks SIGINT and SIGTERM in the calling thread. Threads started after
// it inherit the mask, so the signals stay pending for
// WaitForTerminationSignal instead of ending the process or interrupting
// another thread. REQUIRES: called before the process starts any thread.
absl::Status BlockTerminationSignals();

// Blocks until SIGINT or SIGTERM is pending and takes it; returns its
// number. REQUIRES: BlockTerminationSignals ran in this thread.
int WaitForTerminationSignal();

}  // namespace arena

#endif  // ARENA_COMMON_SIGNALS_H_
