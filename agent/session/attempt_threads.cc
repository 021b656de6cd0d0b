#include "agent/session/attempt_threads.h"

#include <utility>

namespace arena {

AttemptThreads::~AttemptThreads() { JoinAll(); }

void AttemptThreads::JoinEnded() {
  // A thread in `ended_` holds no lock any more and is about to return.
  for (uint64_t id : ended_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    it->second.join();
    threads_.erase(it);
  }
  ended_.clear();
}

void AttemptThreads::Start(std::function<void()> body) {
  absl::MutexLock lock(&mu_);
  JoinEnded();
  uint64_t id = next_id_++;
  threads_.emplace(id, std::thread([this, id, body = std::move(body)] {
                     body();
                     absl::MutexLock lock(&mu_);
                     ended_.push_back(id);
                   }));
}

void AttemptThreads::JoinAll() {
  while (true) {
    std::map<uint64_t, std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      JoinEnded();
      if (threads_.empty()) return;
      threads.swap(threads_);
    }
    for (auto& [id, thread] : threads) thread.join();
  }
}

int AttemptThreads::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(threads_.size());
}

}  // namespace arena
