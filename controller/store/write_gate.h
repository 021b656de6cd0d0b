// The store's write gate: writers' turns, first come first served, across
// every connection to one database file (see Store::Connect). Internal to
// the store.
//
// Owner: shared by every StoreConnection to one database file (the first
// Store creates it, Connect() shares it). Thread-safe.
#ifndef ARENA_CONTROLLER_STORE_WRITE_GATE_H_
#define ARENA_CONTROLLER_STORE_WRITE_GATE_H_

#include <cstdint>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arena {

// Writers take turns in arrival order (tickets); a batch holds its turn until
// it commits, and the batch owner's own writes inside it pass straight through.
class WriteGate {
 public:
  // Returns false (and takes no turn) for the owner of the open batch.
  bool Enter() {
    absl::MutexLock lock(&mu_);
    if (batch_ && owner_ == std::this_thread::get_id()) return false;
    TakeTurn();
    return true;
  }
  void Exit() {
    absl::MutexLock lock(&mu_);
    ++serving_;
  }
  void BeginBatch() {
    absl::MutexLock lock(&mu_);
    TakeTurn();
    batch_ = true;
    owner_ = std::this_thread::get_id();
  }
  void EndBatch() {
    absl::MutexLock lock(&mu_);
    batch_ = false;
    ++serving_;
  }
  // Blocks until at least `writers` writers wait behind the one whose turn
  // it is, or `timeout` passes; false then. For tests that must know a
  // writer is queued before they let the turn go.
  bool AwaitQueuedWriters(uint64_t writers, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto queued = [this, writers]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return next_ticket_ > serving_ && next_ticket_ - serving_ - 1 >= writers;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&queued), timeout);
  }

 private:
  void TakeTurn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    uint64_t ticket = next_ticket_++;
    auto mine = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return serving_ == ticket; };
    mu_.Await(absl::Condition(&mine));
  }

  absl::Mutex mu_;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t serving_ ABSL_GUARDED_BY(mu_) = 0;
  bool batch_ ABSL_GUARDED_BY(mu_) = false;
  std::thread::id owner_ ABSL_GUARDED_BY(mu_);
};

// One write's turn at the gate, for the scope of a store method.
class WriteTurn {
 public:
  explicit WriteTurn(WriteGate* gate) : gate_(gate), entered_(gate->Enter()) {}
  ~WriteTurn() {
    if (entered_) gate_->Exit();
  }
  WriteTurn(const WriteTurn&) = delete;
  WriteTurn& operator=(const WriteTurn&) = delete;

 private:
  WriteGate* gate_;
  bool entered_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_WRITE_GATE_H_
