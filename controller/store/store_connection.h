// StoreConnection: one Database connection as a Store's tables share it. A
// lock serialises its statements; its writers take turns with every other
// connection to the same database at a shared WriteGate (first come, first
// served, so nobody spins on the engine's busy handler); it runs
// transactions and holds the group-commit batch. Given reader connections
// (AddReaders), its reads run on those, several at once, instead of
// waiting for each other at the lock; such a connection holds no batch.
//
// Owner: the Store, which hands a pointer to each of its tables. Thread-safe.
#ifndef ARENA_CONTROLLER_STORE_STORE_CONNECTION_H_
#define ARENA_CONTROLLER_STORE_STORE_CONNECTION_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "controller/store/database.h"
#include "controller/store/write_gate.h"

namespace arena {

class StoreConnection {
 public:
  StoreConnection(std::unique_ptr<Database> db, std::shared_ptr<WriteGate> gate)
      : gate_(std::move(gate)), db_(std::move(db)) {}
  StoreConnection(const StoreConnection&) = delete;
  StoreConnection& operator=(const StoreConnection&) = delete;

  // The gate this connection's writers wait at, for another connection to
  // the same database.
  const std::shared_ptr<WriteGate>& gate() const { return gate_; }

  // Runs `body(Database&)` with the connection to itself (or with an idle
  // reader, waiting for one, when there are readers) and returns what it
  // returns. For reads.
  template <typename Fn>
  auto Read(Fn&& body) {
    if (Database* reader = TakeReader()) {
      ReaderLease lease{this, reader};
      return body(*reader);
    }
    absl::MutexLock lock(&mu_);
    return body(*db_);
  }

  // Connections to the same database that Read uses from now on (each by
  // one thread at a time). Refused once a batch was open; BeginBatch is
  // refused after it (a batch's reads must see its own writes).
  absl::Status AddReaders(std::vector<std::unique_ptr<Database>> readers);

  // The same at this writer's turn: each statement `body` runs commits on
  // its own (or joins the open batch).
  template <typename Fn>
  auto Write(Fn&& body) {
    WriteTurn turn(gate_.get());
    absl::MutexLock lock(&mu_);
    return body(*db_);
  }

  // Runs `body` at this writer's turn in one transaction (a savepoint when
  // the calling thread's batch is open); nothing of it stays when it fails.
  absl::Status Transaction(const std::function<absl::Status(Database&)>& body);

  // Group commit: every write the calling thread makes between BeginBatch
  // and CommitBatch lands in one transaction, durable when CommitBatch
  // returns. Other threads' writes wait for their turn after it.
  absl::Status BeginBatch();
  // Fails (and keeps nothing) when the engine already rolled the batch back
  // itself (a full disk, an I/O error inside it); a failed commit rolls the
  // whole batch back.
  absl::Status CommitBatch();
  absl::Status RollbackBatch();

  void SetWriteObserver(WriteObserver observer);

 private:
  // Gives an idle reader back to the pool when a Read ends.
  struct ReaderLease {
    StoreConnection* connection;
    Database* reader;
    ~ReaderLease() { connection->ReturnReader(reader); }
  };
  Database* TakeReader();  // null without readers
  void ReturnReader(Database* reader);

  const std::shared_ptr<WriteGate> gate_;
  absl::Mutex mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(mu_);
  bool in_batch_ ABSL_GUARDED_BY(mu_) = false;
  bool batched_ ABSL_GUARDED_BY(mu_) = false;  // a batch was ever open
  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<Database>> readers_ ABSL_GUARDED_BY(pool_mu_);
  std::vector<Database*> idle_ ABSL_GUARDED_BY(pool_mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_STORE_CONNECTION_H_
