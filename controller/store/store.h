// Durable state of the controller: jobs, tasks, attempts, agents, tokens,
// credentials and test results, in one SQL database (SQLite today: WAL,
// synchronous=FULL, so a write that returned is on disk).
//
// Store owns one StoreConnection (the Database, its lock and the batch) and
// the tables over it, and hands the tables out: JobTable (jobs, tasks,
// attempts), AccessTable (tokens, audit, agents, credentials) and
// ResultsTable (test results, artifacts, quarantine). Callers use a table
// directly (`store->jobs().GetJob(id)`); its header holds the contracts.
// What is the store's own: opening and migrating (schema.h), another
// connection, the batch, the write observer.
//
// Owner: the Controller (one Store per thread that needs its own
// connection, through Connect()). Thread-safe: each Store's statements are
// serialised by its connection's lock; writers on every connection to the
// same file take turns in arrival order through a shared gate (a batch holds
// its turn for its whole transaction), so nobody spins on SQLite's busy
// handler. Secrets (join and API tokens) are stored only as SHA-256 hashes.
#ifndef ARENA_CONTROLLER_STORE_STORE_H_
#define ARENA_CONTROLLER_STORE_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/store/access_table.h"
#include "controller/store/allure_uploads.h"
#include "controller/store/fleet_samples.h"
#include "controller/store/job_table.h"
#include "controller/store/results_table.h"
#include "controller/store/store_connection.h"
#include "controller/store/user_table.h"

namespace arena {

class Store {
 public:
  // Opens or creates the database at `path` and applies pending migrations.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  // Another connection to the same database, sharing this one's write gate:
  // readers on one never wait for a batch on the other.
  absl::StatusOr<std::unique_ptr<Store>> Connect();
  // `n` more connections for this Store's reads, so that readers on many
  // threads (the API's) do not wait for each other. The Store then holds
  // no batch (StoreConnection::AddReaders).
  absl::Status AddReaders(int n);

  // Called with the duration of every durable write (for metrics). Set it
  // before other threads use the store.
  void SetWriteObserver(std::function<void(double)> observer);

  // Schema version after migrations (schema.h).
  absl::StatusOr<int> SchemaVersion();

  // Group commit: every write the calling thread makes between BeginBatch
  // and CommitBatch lands in one transaction, durable (one fsync) when
  // CommitBatch returns. Other threads' writes wait for their turn after it.
  // A failed CommitBatch rolls the whole batch back; it also fails (and
  // keeps nothing) when SQLite already rolled the batch back itself
  // (SQLITE_FULL, SQLITE_IOERR inside it).
  absl::Status BeginBatch();
  absl::Status CommitBatch();
  absl::Status RollbackBatch();

  // The tables over this store's connection, which hold the contracts of
  // their calls. They live as long as the store.
  JobTable& jobs() { return jobs_; }
  AccessTable& access() { return access_; }
  ResultsTable& results() { return results_; }
  // Each job's upload to the Allure server (allure_uploads.h).
  AllureUploads& allure_uploads() { return allure_; }
  // The fleet's per-minute history (fleet_samples.h).
  FleetSamples& fleet() { return fleet_; }
  // People's accounts and dashboard sessions (user_table.h).
  UserTable& users() { return users_; }

 private:
  Store(std::string path, std::unique_ptr<StoreConnection> connection);

  const std::string path_;
  const std::unique_ptr<StoreConnection> connection_;
  JobTable jobs_;
  AccessTable access_;
  ResultsTable results_;
  AllureUploads allure_;
  FleetSamples fleet_;
  UserTable users_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_STORE_H_
