#include "controller/store/store.h"

#include "common/status_macros.h"
#include "controller/store/schema.h"
#include "controller/store/sqlite_database.h"

namespace arena {
namespace {

// The store's SQLite settings: a write that returned is on disk; readers
// never wait for a writer.
absl::StatusOr<std::unique_ptr<Database>> OpenConnection(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db, SqliteDatabase::Open(path));
  RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace

Store::Store(std::string path, std::unique_ptr<StoreConnection> connection)
    : path_(std::move(path)),
      connection_(std::move(connection)),
      jobs_(connection_.get()),
      access_(connection_.get()),
      results_(connection_.get()) {}

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path));
  auto connection = std::make_unique<StoreConnection>(std::move(db), std::make_shared<WriteGate>());
  RETURN_IF_ERROR(connection->Write([](Database& db) { return MigrateSchema(db); }));
  return std::unique_ptr<Store>(new Store(path, std::move(connection)));
}

absl::StatusOr<std::unique_ptr<Store>> Store::Connect() {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path_));
  return std::unique_ptr<Store>(
      new Store(path_, std::make_unique<StoreConnection>(std::move(db), connection_->gate())));
}

void Store::SetWriteObserver(std::function<void(double)> observer) {
  connection_->SetWriteObserver(std::move(observer));
}

absl::StatusOr<int> Store::SchemaVersion() {
  return connection_->Read([](Database& db) { return db.SchemaVersion(); });
}

absl::Status Store::BeginBatch() { return connection_->BeginBatch(); }
absl::Status Store::CommitBatch() { return connection_->CommitBatch(); }
absl::Status Store::RollbackBatch() { return connection_->RollbackBatch(); }

// AccessTable.

absl::Status Store::InsertJoinToken(const std::string& hash, int64_t expires_ms, int32_t uses,
                                    int64_t now_ms) {
  return access_.InsertJoinToken(hash, expires_ms, uses, now_ms);
}
absl::Status Store::ConsumeJoinToken(const std::string& hash, int64_t now_ms) {
  return access_.ConsumeJoinToken(hash, now_ms);
}
absl::Status Store::InsertApiToken(const std::string& hash, const ApiToken& token) {
  return access_.InsertApiToken(hash, token);
}
absl::StatusOr<ApiToken> Store::LookupApiToken(const std::string& hash) {
  return access_.LookupApiToken(hash);
}
absl::StatusOr<std::vector<ApiToken>> Store::ListApiTokens() { return access_.ListApiTokens(); }
absl::StatusOr<ApiToken> Store::RevokeApiToken(const std::string& id_or_name) {
  return access_.RevokeApiToken(id_or_name);
}
absl::Status Store::AppendAudit(const AuditRecord& entry) { return access_.AppendAudit(entry); }
absl::StatusOr<std::vector<AuditRecord>> Store::ListAudit(int limit) {
  return access_.ListAudit(limit);
}
absl::Status Store::PutCredential(CredentialScope scope, const CredentialRecord& record) {
  return access_.PutCredential(scope, record);
}
absl::StatusOr<CredentialRecord> Store::GetCredential(CredentialScope scope,
                                                      const std::string& host) {
  return access_.GetCredential(scope, host);
}
absl::StatusOr<std::vector<CredentialRecord>> Store::ListCredentials(CredentialScope scope) {
  return access_.ListCredentials(scope);
}
absl::StatusOr<CredentialRecord> Store::DeleteCredential(CredentialScope scope,
                                                         const std::string& host) {
  return access_.DeleteCredential(scope, host);
}
absl::Status Store::UpsertAgent(const AgentRecord& agent) { return access_.UpsertAgent(agent); }
absl::StatusOr<AgentRecord> Store::GetAgent(const std::string& id) { return access_.GetAgent(id); }
absl::StatusOr<std::vector<AgentRecord>> Store::ListAgents() { return access_.ListAgents(); }

// JobTable.

absl::Status Store::InsertJob(const v1::Job& job, const std::string& idempotency_key) {
  return jobs_.InsertJob(job, idempotency_key);
}
absl::StatusOr<std::string> Store::FindJobByIdempotencyKey(const std::string& key) {
  return jobs_.FindJobByIdempotencyKey(key);
}
absl::StatusOr<v1::Job> Store::GetJob(const std::string& id, const RowPage& page) {
  return jobs_.GetJob(id, page);
}
absl::StatusOr<v1::Job> Store::GetJobHeader(const std::string& id) {
  return jobs_.GetJobHeader(id);
}
absl::StatusOr<v1::Task> Store::GetTask(const std::string& task_id) {
  return jobs_.GetTask(task_id);
}
absl::StatusOr<std::vector<TaskStateCount>> Store::CountJobTasks(const std::string& job_id) {
  return jobs_.CountJobTasks(job_id);
}
absl::StatusOr<JobPage> Store::ListJobs(const JobQuery& query) { return jobs_.ListJobs(query); }
absl::StatusOr<std::vector<std::string>> Store::ListActiveJobIds() {
  return jobs_.ListActiveJobIds();
}
absl::Status Store::AddTasks(const std::string& job_id, const std::vector<v1::Task>& tasks) {
  return jobs_.AddTasks(job_id, tasks);
}
absl::Status Store::UpdateTask(const v1::Task& task) { return jobs_.UpdateTask(task); }
absl::StatusOr<std::map<int, int64_t>> Store::CountTasksByState() {
  return jobs_.CountTasksByState();
}
absl::Status Store::UpdateJobState(const std::string& job_id, v1::State state,
                                   const std::string& reason, int64_t finished_ms) {
  return jobs_.UpdateJobState(job_id, state, reason, finished_ms);
}
absl::Status Store::InsertAttempt(const AttemptRecord& attempt) {
  return jobs_.InsertAttempt(attempt);
}
absl::Status Store::UpdateAttempt(const AttemptRecord& attempt) {
  return jobs_.UpdateAttempt(attempt);
}
absl::StatusOr<AttemptRecord> Store::GetAttempt(const std::string& id) {
  return jobs_.GetAttempt(id);
}

// ResultsTable.

absl::Status Store::InsertTestResults(const std::string& job_id,
                                      const std::vector<v1::TestResult>& results) {
  return results_.InsertTestResults(job_id, results);
}
absl::StatusOr<std::vector<v1::TestResult>> Store::ListTestResults(const std::string& job_id) {
  return results_.ListTestResults(job_id);
}
absl::StatusOr<Page<v1::TestResult>> Store::ListTestResultsPage(const std::string& job_id,
                                                                const RowPage& page) {
  return results_.ListTestResultsPage(job_id, page);
}
absl::StatusOr<std::map<std::pair<std::string, std::string>, TestOutcome>> Store::TestOutcomes(
    const std::string& job_id) {
  return results_.TestOutcomes(job_id);
}
absl::StatusOr<std::map<std::string, int64_t>> Store::TestDurations(
    const std::string& arch, const std::vector<std::string>& keys) {
  return results_.TestDurations(arch, keys);
}
absl::StatusOr<std::vector<TestRun>> Store::RecentTestRuns(int64_t max_rows,
                                                           const std::string& owner) {
  return results_.RecentTestRuns(max_rows, owner);
}
absl::Status Store::UpsertArtifacts(const std::vector<ArtifactRecord>& artifacts) {
  return results_.UpsertArtifacts(artifacts);
}
absl::StatusOr<std::vector<ArtifactRecord>> Store::ListArtifacts(const std::string& job_id) {
  return results_.ListArtifacts(job_id);
}
absl::StatusOr<std::vector<ArtifactRecord>> Store::FindArtifacts(const std::string& job_id,
                                                                 const std::string& attempt_id,
                                                                 const std::string& path) {
  return results_.FindArtifacts(job_id, attempt_id, path);
}
absl::StatusOr<Page<ArtifactRecord>> Store::ListArtifactsPage(const std::string& job_id,
                                                              const std::string& task_id,
                                                              const RowPage& page) {
  return results_.ListArtifactsPage(job_id, task_id, page);
}
absl::Status Store::AddQuarantine(const v1::QuarantineEntry& entry) {
  return results_.AddQuarantine(entry);
}
absl::Status Store::RemoveQuarantine(const std::string& test_key) {
  return results_.RemoveQuarantine(test_key);
}
absl::StatusOr<std::vector<v1::QuarantineEntry>> Store::ListQuarantine() {
  return results_.ListQuarantine();
}

}  // namespace arena
