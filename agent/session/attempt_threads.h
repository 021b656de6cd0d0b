// The threads the agent runs its attempts on (and other work that uses the
// agent), owned and joined so none outlives what it uses: one that has
// finished is joined at the next Start, the rest by JoinAll (and the
// destructor).
//
// Owned by the AgentSession. Thread-safe; JoinAll waits for threads started before
// and during it.
#ifndef ARENA_AGENT_SESSION_ATTEMPT_THREADS_H_
#define ARENA_AGENT_SESSION_ATTEMPT_THREADS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace arena {

class AttemptThreads {
 public:
  AttemptThreads() = default;
  ~AttemptThreads();
  AttemptThreads(const AttemptThreads&) = delete;
  AttemptThreads& operator=(const AttemptThreads&) = delete;

  // Runs `body` on a new thread.
  void Start(std::function<void()> body) ABSL_LOCKS_EXCLUDED(mu_);
  // Blocks until every thread has returned.
  void JoinAll() ABSL_LOCKS_EXCLUDED(mu_);
  // Threads not yet joined (running, or finished since the last Start).
  int size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void JoinEnded() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> ended_ ABSL_GUARDED_BY(mu_);  // their bodies returned
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_ATTEMPT_THREADS_H_
