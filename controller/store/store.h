// Durable state of the controller: jobs, tasks, attempts, agents and secrets,
// in one SQLite file (WAL, synchronous=FULL: a write that returned is on disk).
//
// Thread-safe: one connection serialised by a mutex. Connect() opens another
// connection to the same file; writers on all of them take turns in arrival
// order through a shared gate (a batch holds its turn for its whole
// transaction), so nobody spins on SQLite's busy handler. Secrets (join and
// API tokens) are stored only as SHA-256 hashes.
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
#include "absl/synchronization/mutex.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"
#include "common/states.h"

namespace arena {

class Database;
class WriteGate;

struct AgentRecord {
  std::string id;
  std::string hostname;
  std::string platforms;  // "amd64,arm64(emulated)"
  std::string labels;     // "k=v,k2=v2"
  int32_t slots = 0;
  int64_t enrolled_ms = 0;
  int64_t last_seen_ms = 0;
  bool revoked = false;
  bool draining = false;
};

struct ApiToken {
  std::string id;
  std::string name;
  std::string role;  // admin | operator | submitter
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // 0: never
  bool revoked = false;
};

struct AuditRecord {
  int64_t unix_ms = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail;
};

// Where a host credential belongs: a private git host's or a container
// registry's. Each has its own table; one credential per host in each.
enum class CredentialScope { kGit, kRegistry };

// A host's credential as stored: `sealed` is opened only by the controller's
// SecretBox (a GitAccess for git, a RegistryAuth for registries).
struct CredentialRecord {
  std::string host;
  std::string kind;  // git: https-token | ssh-key; registry: basic
  std::string username;
  bool has_ca = false;
  std::string sealed;
  int64_t created_ms = 0;
};

struct AttemptRecord {
  std::string id;
  std::string task_id;
  std::string job_id;
  std::string agent_id;
  v1::State state = v1::QUEUED;
  int32_t exit_code = 0;
  std::string reason;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  int64_t exited_ms = 0;  // the agent had the result (its clock)
  int64_t log_bytes = 0;
  bool emulated = false;
  std::vector<std::string> notes;  // no newlines (see AttemptNotes)
  std::string image_digest;        // what ran (repo digest, else image id)
};

// A page of rows after a position (a row id or a task's sequence number),
// at most `limit` of them (0: every row), and no more rows once they hold
// `max_bytes` (0: no such bound; a page has at least one row).
struct RowPage {
  int64_t after = 0;
  int limit = 0;
  int64_t max_bytes = 0;
};

// How one test of one task of a job went, over all its recorded rows.
struct TestOutcome {
  bool passed = false;      // some row passed
  bool failed = false;      // some row failed or errored
  int64_t last_id = 0;      // the latest row
  std::string last_status;  // ... and its status
};

template <typename Row>
struct Page {
  std::vector<Row> rows;
  int64_t next_after = 0;  // where the next page starts; 0 on the last page
};

struct ArtifactRecord {
  std::string attempt_id;
  std::string job_id;
  std::string task_id;
  std::string path;
  int64_t size = 0;
  bool junit = false;
};

// One test's outcome in one job (for flake statistics).
struct TestRun {
  std::string test_key;
  std::string arch;
  std::string job_id;
  bool passed = false;
  bool failed = false;  // failed or error
};

struct JobQuery {
  int limit = 50;
  int64_t before_rowid = 0;  // page cursor; 0 for the first page
  int state = 0;             // v1::State, 0 for any
  std::string owner;         // only this owner's jobs when set
  std::string arch;          // only jobs with a task for this architecture
  int tasks_per_job = 100;   // each listed job carries its first tasks only
};

struct JobPage {
  std::vector<v1::Job> jobs;  // newest first
  bool more = false;
  int64_t next_before_rowid = 0;
};

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

  // Schema version after migrations (PRAGMA user_version).
  absl::StatusOr<int> SchemaVersion();

  // Group commit: every write the calling thread makes between BeginBatch
  // and CommitBatch lands in one transaction, durable (one fsync) when
  // CommitBatch returns. Other threads' writes wait for their turn after it.
  // A failed CommitBatch rolls the whole batch back.
  absl::Status BeginBatch();
  // Fails (and keeps nothing) when SQLite already rolled the batch back
  // itself (SQLITE_FULL, SQLITE_IOERR inside it).
  absl::Status CommitBatch();
  absl::Status RollbackBatch();

  absl::Status InsertJoinToken(const std::string& hash, int64_t expires_ms, int32_t uses,
                               int64_t now_ms);
  // Uses up one use of the token; PermissionDenied if unknown, expired or used.
  absl::Status ConsumeJoinToken(const std::string& hash, int64_t now_ms);

  absl::Status InsertApiToken(const std::string& hash, const ApiToken& token);
  // The token with this hash (revoked and expired ones too), or NotFound.
  absl::StatusOr<ApiToken> LookupApiToken(const std::string& hash);
  absl::StatusOr<std::vector<ApiToken>> ListApiTokens();
  // Revokes the token with this id, or every token with this name.
  absl::StatusOr<ApiToken> RevokeApiToken(const std::string& id_or_name);

  absl::Status AppendAudit(const AuditRecord& entry);
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(int limit);

  // Replaces any credential of the scope for the same host.
  absl::Status PutCredential(CredentialScope scope, const CredentialRecord& record);
  // NotFound when the host has none.
  absl::StatusOr<CredentialRecord> GetCredential(CredentialScope scope, const std::string& host);
  absl::StatusOr<std::vector<CredentialRecord>> ListCredentials(CredentialScope scope);
  // The removed record; NotFound when the host had none.
  absl::StatusOr<CredentialRecord> DeleteCredential(CredentialScope scope, const std::string& host);

  absl::Status UpsertAgent(const AgentRecord& agent);
  absl::StatusOr<AgentRecord> GetAgent(const std::string& id);
  absl::StatusOr<std::vector<AgentRecord>> ListAgents();

  // Inserts the job and its tasks in one transaction. A non-empty
  // idempotency key already in use fails with AlreadyExists.
  absl::Status InsertJob(const v1::Job& job, const std::string& idempotency_key = "");
  absl::StatusOr<std::string> FindJobByIdempotencyKey(const std::string& key);
  // The job with one page of its tasks in creation order (for tasks,
  // `page.after` is the first sequence number to include; the job's
  // next_task_page_token names the next page), their attempts and the job's
  // task counts by state.
  absl::StatusOr<v1::Job> GetJob(const std::string& id, const RowPage& page = {});
  // The job without its tasks (spec, state, owner, times): what the
  // scheduler needs per event, at a cost that does not grow with the job.
  absl::StatusOr<v1::Job> GetJobHeader(const std::string& id);
  // One task with its attempts (oldest first).
  absl::StatusOr<v1::Task> GetTask(const std::string& task_id);
  // The job's tasks counted by state and quarantine mark.
  absl::StatusOr<std::vector<TaskStateCount>> CountJobTasks(const std::string& job_id);
  absl::StatusOr<JobPage> ListJobs(const JobQuery& query);
  // Ids of jobs not yet in a terminal state, oldest first.
  absl::StatusOr<std::vector<std::string>> ListActiveJobIds();

  // Appends tasks to an existing job (tests found by a list task).
  absl::Status AddTasks(const std::string& job_id, const std::vector<v1::Task>& tasks);
  absl::Status UpdateTask(const v1::Task& task);
  // Number of tasks in each state.
  absl::StatusOr<std::map<int, int64_t>> CountTasksByState();
  absl::Status UpdateJobState(const std::string& job_id, v1::State state, const std::string& reason,
                              int64_t finished_ms);

  absl::Status InsertAttempt(const AttemptRecord& attempt);
  absl::Status UpdateAttempt(const AttemptRecord& attempt);
  absl::StatusOr<AttemptRecord> GetAttempt(const std::string& id);

  // Test intelligence (results_store.cc).
  absl::Status InsertTestResults(const std::string& job_id,
                                 const std::vector<v1::TestResult>& results);
  absl::StatusOr<std::vector<v1::TestResult>> ListTestResults(const std::string& job_id);
  // A page of the job's results in the order recorded (`page.after` is a
  // row id).
  absl::StatusOr<Page<v1::TestResult>> ListTestResultsPage(const std::string& job_id,
                                                           const RowPage& page);
  // Every (task id, test key) of the job with how it went: one pass over the
  // job's rows, however many pages they fill.
  absl::StatusOr<std::map<std::pair<std::string, std::string>, TestOutcome>> TestOutcomes(
      const std::string& job_id);
  // Mean duration of each of `keys` over its recent passing runs on `arch`;
  // unknown keys are absent.
  absl::StatusOr<std::map<std::string, int64_t>> TestDurations(
      const std::string& arch, const std::vector<std::string>& keys);
  // Per (test, arch, job) outcomes, newest jobs first, from the latest
  // `max_rows` results.
  // Only runs in jobs of `owner` when it is set.
  absl::StatusOr<std::vector<TestRun>> RecentTestRuns(int64_t max_rows,
                                                      const std::string& owner = "");
  absl::Status UpsertArtifacts(const std::vector<ArtifactRecord>& artifacts);
  absl::StatusOr<std::vector<ArtifactRecord>> ListArtifacts(const std::string& job_id);
  // A page of the job's artifacts (`page.after` is a row id; `task_id`
  // empty for all tasks).
  // The artifact and the JUnit report (either may be absent) an attempt
  // stored at `path`.
  absl::StatusOr<std::vector<ArtifactRecord>> FindArtifacts(const std::string& job_id,
                                                            const std::string& attempt_id,
                                                            const std::string& path);
  absl::StatusOr<Page<ArtifactRecord>> ListArtifactsPage(const std::string& job_id,
                                                         const std::string& task_id,
                                                         const RowPage& page);
  absl::Status AddQuarantine(const v1::QuarantineEntry& entry);
  // NotFound when the test is not quarantined.
  absl::Status RemoveQuarantine(const std::string& test_key);
  absl::StatusOr<std::vector<v1::QuarantineEntry>> ListQuarantine();

 private:
  Store(std::unique_ptr<Database> db, std::string path, std::shared_ptr<WriteGate> gate);
  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertJobLocked(const v1::Job& job, const std::string& idempotency_key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `body` in BEGIN IMMEDIATE ... COMMIT (a savepoint inside a batch);
  // rolls back when it fails.
  absl::Status Transaction(const std::function<absl::Status()>& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertTasksLocked(const std::string& job_id, const std::vector<v1::Task>& tasks,
                                 int64_t first_seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::Job> LoadJobHeader(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<v1::Task>> LoadTasks(const std::string& job_id, const RowPage& page,
                                                  int64_t* next_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const std::shared_ptr<WriteGate> gate_;
  absl::Mutex mu_;
  std::unique_ptr<Database> db_ ABSL_GUARDED_BY(mu_);
  bool in_batch_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_STORE_H_
