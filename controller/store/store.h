// Durable state of the controller: jobs, tasks, attempts, agents, tokens,
// credentials and test results, in one SQL database (SQLite today: WAL,
// synchronous=FULL, so a write that returned is on disk).
//
// Store is a facade: it owns one StoreConnection (the Database, its lock and
// the batch) and the tables over it — JobTable (jobs, tasks, attempts),
// AccessTable (tokens, audit, agents, credentials) and ResultsTable (test
// results, artifacts, quarantine) — and hands each call to its table. The
// tables' headers hold the contracts; schema.h the migrations.
//
// Owner: the Controller (one Store per thread that needs its own
// connection, through Connect()). Thread-safe: each Store's statements are
// serialised by its connection's lock; writers on every connection to the
// same file take turns in arrival order through a shared gate (a batch holds
// its turn for its whole transaction), so nobody spins on SQLite's busy
// handler. Secrets (join and API tokens) are stored only as SHA-256 hashes.
#ifndef ARENA_CONTROLLER_STORE_STORE_H_
#define ARENA_CONTROLLER_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"
#include "common/states.h"
#include "controller/store/access_table.h"
#include "controller/store/job_table.h"
#include "controller/store/records.h"
#include "controller/store/results_table.h"
#include "controller/store/store_connection.h"

namespace arena {

class Store {
 public:
  // Opens or creates the database at `path` and applies pending migrations.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  // Another connection to the same database, sharing this one's write gate:
  // readers on one never wait for a batch on the other.
  absl::StatusOr<std::unique_ptr<Store>> Connect();

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

  // Tokens, audit, agents and credentials: AccessTable (access_table.h).
  absl::Status InsertJoinToken(const std::string& hash, int64_t expires_ms, int32_t uses,
                               int64_t now_ms);
  absl::Status ConsumeJoinToken(const std::string& hash, int64_t now_ms);
  absl::Status InsertApiToken(const std::string& hash, const ApiToken& token);
  absl::StatusOr<ApiToken> LookupApiToken(const std::string& hash);
  absl::StatusOr<std::vector<ApiToken>> ListApiTokens();
  absl::StatusOr<ApiToken> RevokeApiToken(const std::string& id_or_name);
  absl::Status AppendAudit(const AuditRecord& entry);
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(int limit);
  absl::Status PutCredential(CredentialScope scope, const CredentialRecord& record);
  absl::StatusOr<CredentialRecord> GetCredential(CredentialScope scope, const std::string& host);
  absl::StatusOr<std::vector<CredentialRecord>> ListCredentials(CredentialScope scope);
  absl::StatusOr<CredentialRecord> DeleteCredential(CredentialScope scope, const std::string& host);
  absl::Status UpsertAgent(const AgentRecord& agent);
  absl::StatusOr<AgentRecord> GetAgent(const std::string& id);
  absl::StatusOr<std::vector<AgentRecord>> ListAgents();

  // Jobs, tasks and attempts: JobTable (job_table.h).
  absl::Status InsertJob(const v1::Job& job, const std::string& idempotency_key = "");
  absl::StatusOr<std::string> FindJobByIdempotencyKey(const std::string& key);
  absl::StatusOr<v1::Job> GetJob(const std::string& id, const RowPage& page = {});
  absl::StatusOr<v1::Job> GetJobHeader(const std::string& id);
  absl::StatusOr<v1::Task> GetTask(const std::string& task_id);
  absl::StatusOr<std::vector<TaskStateCount>> CountJobTasks(const std::string& job_id);
  absl::StatusOr<JobPage> ListJobs(const JobQuery& query);
  absl::StatusOr<std::vector<std::string>> ListActiveJobIds();
  absl::Status AddTasks(const std::string& job_id, const std::vector<v1::Task>& tasks);
  absl::Status UpdateTask(const v1::Task& task);
  absl::StatusOr<std::map<int, int64_t>> CountTasksByState();
  absl::Status UpdateJobState(const std::string& job_id, v1::State state, const std::string& reason,
                              int64_t finished_ms);
  absl::Status InsertAttempt(const AttemptRecord& attempt);
  absl::Status UpdateAttempt(const AttemptRecord& attempt);
  absl::StatusOr<AttemptRecord> GetAttempt(const std::string& id);

  // Test results, artifacts and quarantine: ResultsTable (results_table.h).
  absl::Status InsertTestResults(const std::string& job_id,
                                 const std::vector<v1::TestResult>& results);
  absl::StatusOr<std::vector<v1::TestResult>> ListTestResults(const std::string& job_id);
  absl::StatusOr<Page<v1::TestResult>> ListTestResultsPage(const std::string& job_id,
                                                           const RowPage& page);
  absl::StatusOr<std::map<std::pair<std::string, std::string>, TestOutcome>> TestOutcomes(
      const std::string& job_id);
  absl::StatusOr<std::map<std::string, int64_t>> TestDurations(
      const std::string& arch, const std::vector<std::string>& keys);
  absl::StatusOr<std::vector<TestRun>> RecentTestRuns(int64_t max_rows,
                                                      const std::string& owner = "");
  absl::Status UpsertArtifacts(const std::vector<ArtifactRecord>& artifacts);
  absl::StatusOr<std::vector<ArtifactRecord>> ListArtifacts(const std::string& job_id);
  absl::StatusOr<std::vector<ArtifactRecord>> FindArtifacts(const std::string& job_id,
                                                            const std::string& attempt_id,
                                                            const std::string& path);
  absl::StatusOr<Page<ArtifactRecord>> ListArtifactsPage(const std::string& job_id,
                                                         const std::string& task_id,
                                                         const RowPage& page);
  absl::Status AddQuarantine(const v1::QuarantineEntry& entry);
  absl::Status RemoveQuarantine(const std::string& test_key);
  absl::StatusOr<std::vector<v1::QuarantineEntry>> ListQuarantine();

 private:
  Store(std::string path, std::unique_ptr<StoreConnection> connection);

  const std::string path_;
  const std::unique_ptr<StoreConnection> connection_;
  JobTable jobs_;
  AccessTable access_;
  ResultsTable results_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_STORE_H_
