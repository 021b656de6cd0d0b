#include "controller/store/store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "controller/store/sqlite.h"
#include "controller/store/write_gate.h"

namespace arena {
namespace {

// Each entry migrates from version i to i+1. Append only; never edit one that
// has shipped.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE jobs(
  id TEXT PRIMARY KEY,
  spec BLOB NOT NULL,
  state INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX jobs_created ON jobs(created_ms);
CREATE TABLE tasks(
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs(id),
  seq INTEGER NOT NULL,
  arch TEXT NOT NULL,
  state INTEGER NOT NULL,
  exit_code INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  agent_id TEXT NOT NULL DEFAULT '',
  attempt_id TEXT NOT NULL DEFAULT '',
  started_ms INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  log_bytes INTEGER NOT NULL DEFAULT 0);
CREATE INDEX tasks_job ON tasks(job_id, seq);
CREATE TABLE attempts(
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES tasks(id),
  job_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  exit_code INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  started_ms INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  log_bytes INTEGER NOT NULL DEFAULT 0);
CREATE INDEX attempts_task ON attempts(task_id);
CREATE TABLE agents(
  id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  platforms TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '',
  slots INTEGER NOT NULL DEFAULT 0,
  enrolled_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE join_tokens(
  hash TEXT PRIMARY KEY,
  expires_ms INTEGER NOT NULL,
  uses_left INTEGER NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE TABLE api_tokens(
  hash TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
)sql",
    R"sql(
ALTER TABLE tasks ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN emulated INTEGER NOT NULL DEFAULT 0;
)sql",
    R"sql(
ALTER TABLE jobs ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX jobs_idempotency ON jobs(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
ALTER TABLE attempts ADD COLUMN emulated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX attempts_job ON attempts(job_id);
)sql",
    R"sql(
ALTER TABLE api_tokens ADD COLUMN id TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET id = 'tok-' || substr(hash, 1, 12) WHERE id IS NULL;
CREATE UNIQUE INDEX api_tokens_id ON api_tokens(id);
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_owner ON jobs(owner);
ALTER TABLE agents ADD COLUMN draining INTEGER NOT NULL DEFAULT 0;
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  unix_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL);
)sql",
    R"sql(
ALTER TABLE tasks ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN suite TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN test_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN serial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN flaky INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN command BLOB NOT NULL DEFAULT x'';
CREATE TABLE test_results(
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  attempt_id TEXT NOT NULL,
  attempt_number INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  arch TEXT NOT NULL,
  suite TEXT NOT NULL,
  classname TEXT NOT NULL,
  name TEXT NOT NULL,
  test_key TEXT NOT NULL,
  status TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  message TEXT NOT NULL,
  text TEXT NOT NULL,
  finished_ms INTEGER NOT NULL,
  quarantined INTEGER NOT NULL DEFAULT 0);
CREATE INDEX test_results_job ON test_results(job_id, id);
CREATE INDEX test_results_key ON test_results(test_key, arch, id);
CREATE TABLE artifacts(
  attempt_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  junit INTEGER NOT NULL,
  PRIMARY KEY(attempt_id, junit, path));
CREATE INDEX artifacts_job ON artifacts(job_id);
CREATE TABLE quarantine(
  test_key TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  added_by TEXT NOT NULL,
  added_ms INTEGER NOT NULL);
)sql",
    // v6: a result resent for an attempt replaces the attempt's rows, found
    // by this index rather than a scan of every result.
    R"sql(
CREATE INDEX test_results_attempt ON test_results(attempt_id);
)sql",
    // v7: when the agent had each attempt's result.
    R"sql(
ALTER TABLE attempts ADD COLUMN exited_ms INTEGER NOT NULL DEFAULT 0;
)sql",
    // v8: what the agent skipped, truncated or refused, one note a line.
    R"sql(
ALTER TABLE attempts ADD COLUMN notes TEXT NOT NULL DEFAULT '';
)sql",
    // v9: idempotency keys belong to their submitter (owner, US, key).
    R"sql(
UPDATE jobs SET idempotency_key = owner || char(31) || idempotency_key
  WHERE idempotency_key IS NOT NULL;
)sql",
    // v10: credentials for private git hosts; `sealed` is a SecretBox box
    // of a GitAccess (never plain text).
    R"sql(
CREATE TABLE git_credentials(
  host TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  username TEXT NOT NULL,
  has_ca INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  created_ms INTEGER NOT NULL);
)sql",
    // v11: the image each attempt ran.
    R"sql(
ALTER TABLE attempts ADD COLUMN image_digest TEXT NOT NULL DEFAULT '';
)sql",
    // v12: container registries' credentials, sealed RegistryAuth boxes.
    R"sql(
CREATE TABLE registry_credentials(
  host TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  username TEXT NOT NULL,
  has_ca INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  created_ms INTEGER NOT NULL);
)sql",
};

constexpr const char* kTaskColumns =
    "id, arch, state, exit_code, reason, agent_id, attempt_id, started_ms, "
    "finished_ms, log_bytes, image, emulated, kind, suite, test_id, serial, flaky, quarantined, "
    "command, seq";

// A task's command is stored as a serialized Task holding only the command.
std::string EncodeCommand(const v1::Task& task) {
  v1::Task holder;
  *holder.mutable_command() = task.command();
  return holder.SerializeAsString();
}

// Reads kAttemptColumns starting at column `first` of the row.
constexpr const char* kAttemptColumns =
    "id, agent_id, state, exit_code, reason, started_ms, finished_ms, log_bytes, emulated, "
    "exited_ms, notes, image_digest";

void ReadAttempt(const Statement& row, int first, v1::Attempt* a) {
  a->set_id(row.Text(first));
  a->set_agent_id(row.Text(first + 1));
  a->set_state(static_cast<v1::State>(row.Int(first + 2)));
  a->set_exit_code(static_cast<int32_t>(row.Int(first + 3)));
  a->set_reason(row.Text(first + 4));
  a->set_started_unix_ms(row.Int(first + 5));
  a->set_finished_unix_ms(row.Int(first + 6));
  a->set_log_bytes(row.Int(first + 7));
  a->set_emulated(row.Int(first + 8) != 0);
  a->set_exited_unix_ms(row.Int(first + 9));
  for (absl::string_view note : absl::StrSplit(row.Text(first + 10), '\n', absl::SkipEmpty())) {
    a->add_notes(std::string(note));
  }
  a->set_image_digest(row.Text(first + 11));
}

v1::Task ReadTask(const Statement& row) {
  v1::Task task;
  task.set_id(row.Text(0));
  task.set_arch(row.Text(1));
  task.set_state(static_cast<v1::State>(row.Int(2)));
  task.set_exit_code(static_cast<int32_t>(row.Int(3)));
  task.set_reason(row.Text(4));
  task.set_agent_id(row.Text(5));
  task.set_attempt_id(row.Text(6));
  task.set_started_unix_ms(row.Int(7));
  task.set_finished_unix_ms(row.Int(8));
  task.set_log_bytes(row.Int(9));
  task.set_image(row.Text(10));
  task.set_emulated(row.Int(11) != 0);
  task.set_kind(static_cast<v1::TaskKind>(row.Int(12)));
  task.set_suite(row.Text(13));
  task.set_test_id(row.Text(14));
  task.set_serial(row.Int(15) != 0);
  task.set_flaky(row.Int(16) != 0);
  task.set_quarantined(row.Int(17) != 0);
  v1::Task holder;
  if (holder.ParseFromString(row.Text(18))) *task.mutable_command() = holder.command();
  if (task.started_unix_ms() > 0 && task.finished_unix_ms() >= task.started_unix_ms()) {
    task.set_duration_ms(task.finished_unix_ms() - task.started_unix_ms());
  }
  return task;
}
}  // namespace

Store::Store(std::unique_ptr<Database> db, std::string path, std::shared_ptr<WriteGate> gate)
    : path_(std::move(path)), gate_(std::move(gate)), db_(std::move(db)) {}
Store::~Store() = default;

namespace {

absl::StatusOr<std::unique_ptr<Database>> OpenConnection(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path));
  RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "PRAGMA foreign_keys=ON;"));
  return db;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path));
  std::unique_ptr<Store> store(new Store(std::move(db), path, std::make_shared<WriteGate>()));
  absl::MutexLock lock(&store->mu_);
  RETURN_IF_ERROR(store->Migrate());
  return store;
}

absl::StatusOr<std::unique_ptr<Store>> Store::Connect() {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenConnection(path_));
  return std::unique_ptr<Store>(new Store(std::move(db), path_, gate_));
}

absl::Status Store::Migrate() {
  ASSIGN_OR_RETURN(Statement version_stmt, db_->Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool has_row, version_stmt.Step());
  int version = has_row ? static_cast<int>(version_stmt.Int(0)) : 0;
  constexpr int kLatest = sizeof(kMigrations) / sizeof(kMigrations[0]);
  if (version > kLatest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", version, " is newer than this controller (", kLatest, ")"));
  }
  for (int v = version; v < kLatest; ++v) {
    RETURN_IF_ERROR(Transaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
      RETURN_IF_ERROR(db_->Exec(kMigrations[v]));
      return db_->Exec(absl::StrCat("PRAGMA user_version=", v + 1));
    }));
  }
  return absl::OkStatus();
}

void Store::SetWriteObserver(std::function<void(double)> observer) {
  absl::MutexLock lock(&mu_);
  db_->set_write_observer(std::move(observer));
}

absl::StatusOr<int> Store::SchemaVersion() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? static_cast<int>(stmt.Int(0)) : 0;
}

absl::Status Store::InsertJobLocked(const v1::Job& job, const std::string& idempotency_key) {
  ASSIGN_OR_RETURN(Statement job_stmt,
                   db_->Prepare("INSERT INTO jobs(id, spec, state, reason, created_ms, "
                                "idempotency_key, owner) VALUES(?,?,?,?,?,NULLIF(?,''),?)"));
  RETURN_IF_ERROR(job_stmt.Bind(1, job.id())
                      .BindBlob(2, job.spec().SerializeAsString())
                      .Bind(3, job.state())
                      .Bind(4, job.reason())
                      .Bind(5, job.created_unix_ms())
                      .Bind(6, idempotency_key)
                      .Bind(7, job.owner())
                      .Run());
  return InsertTasksLocked(job.id(), {job.tasks().begin(), job.tasks().end()}, 0);
}

absl::Status Store::InsertTasksLocked(const std::string& job_id, const std::vector<v1::Task>& tasks,
                                      int64_t first_seq) {
  ASSIGN_OR_RETURN(Statement task_stmt,
                   db_->Prepare("INSERT INTO tasks(id, job_id, seq, arch, state, image, kind, "
                                "suite, test_id, serial, command) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
  for (size_t i = 0; i < tasks.size(); ++i) {
    const v1::Task& task = tasks[i];
    RETURN_IF_ERROR(task_stmt.Bind(1, task.id())
                        .Bind(2, job_id)
                        .Bind(3, first_seq + static_cast<int64_t>(i))
                        .Bind(4, task.arch())
                        .Bind(5, task.state())
                        .Bind(6, task.image())
                        .Bind(7, task.kind())
                        .Bind(8, task.suite())
                        .Bind(9, task.test_id())
                        .Bind(10, task.serial() ? 1 : 0)
                        .BindBlob(11, EncodeCommand(task))
                        .Run());
    task_stmt.Reset();
  }
  return absl::OkStatus();
}

absl::Status Store::AddTasks(const std::string& job_id, const std::vector<v1::Task>& tasks) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  return Transaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    ASSIGN_OR_RETURN(Statement seq,
                     db_->Prepare("SELECT coalesce(max(seq), -1) FROM tasks WHERE job_id = ?"));
    seq.Bind(1, job_id);
    ASSIGN_OR_RETURN(bool row, seq.Step());
    return InsertTasksLocked(job_id, tasks, row ? seq.Int(0) + 1 : 0);
  });
}

absl::Status Store::Transaction(const std::function<absl::Status()>& body) {
  if (in_batch_) {
    RETURN_IF_ERROR(db_->Exec("SAVEPOINT body"));
    absl::Status status = body();
    if (!status.ok()) db_->Exec("ROLLBACK TO body").IgnoreError();
    db_->Exec("RELEASE body").IgnoreError();
    return status;
  }
  RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (!status.ok()) {
    db_->Exec("ROLLBACK").IgnoreError();
    return status;
  }
  return db_->Exec("COMMIT");
}

absl::Status Store::BeginBatch() {
  gate_->BeginBatch();
  absl::MutexLock lock(&mu_);
  absl::Status status = in_batch_ ? absl::FailedPreconditionError("a batch is already open")
                                  : db_->Exec("BEGIN IMMEDIATE");
  if (!status.ok()) {
    gate_->EndBatch();
    return status;
  }
  in_batch_ = true;
  return absl::OkStatus();
}

absl::Status Store::CommitBatch() {
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (!in_batch_) return absl::FailedPreconditionError("no batch is open");
    in_batch_ = false;
    if (db_->InAutocommit()) {
      // SQLite ended the transaction on an error; later writes of the batch
      // committed one by one. Report it so the caller reloads.
      status = absl::AbortedError("the store rolled the batch back after a failed write");
    } else {
      status = db_->Exec("COMMIT");
      if (!status.ok()) db_->Exec("ROLLBACK").IgnoreError();
    }
  }
  gate_->EndBatch();
  return status;
}

absl::Status Store::RollbackBatch() {
  {
    absl::MutexLock lock(&mu_);
    if (!in_batch_) return absl::FailedPreconditionError("no batch is open");
    in_batch_ = false;
    if (!db_->InAutocommit()) db_->Exec("ROLLBACK").IgnoreError();
  }
  gate_->EndBatch();
  return absl::OkStatus();
}

absl::Status Store::InsertJob(const v1::Job& job, const std::string& idempotency_key) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  return Transaction(
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return InsertJobLocked(job, idempotency_key); });
}

absl::StatusOr<std::vector<v1::Task>> Store::LoadTasks(const std::string& job_id,
                                                       const RowPage& page, int64_t* next_after) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kTaskColumns,
                                             " FROM tasks WHERE job_id = ? AND seq >= ? "
                                             "ORDER BY seq LIMIT ?")));
  stmt.Bind(1, job_id).Bind(2, page.after).Bind(3, page.limit > 0 ? page.limit + 1 : -1);
  std::vector<v1::Task> tasks;
  int64_t last_seq = 0, bytes = 0;
  *next_after = 0;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement&) {
    if (*next_after > 0) return;
    if ((page.limit > 0 && static_cast<int>(tasks.size()) == page.limit) ||
        (page.max_bytes > 0 && bytes >= page.max_bytes)) {
      *next_after = last_seq + 1;  // sequence numbers start at 0
      return;
    }
    tasks.push_back(ReadTask(stmt));
    // Attempts come later: count each task as if it had a few.
    bytes += 4 * static_cast<int64_t>(tasks.back().ByteSizeLong());
    last_seq = stmt.Int(19);
  }));
  return tasks;
}

absl::StatusOr<v1::Job> Store::LoadJobHeader(const std::string& id) {
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT id, spec, state, reason, created_ms, "
                                                "finished_ms, owner FROM jobs WHERE id = ?"));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("job ", id, " not found"));
  v1::Job job;
  job.set_id(stmt.Text(0));
  if (!job.mutable_spec()->ParseFromString(stmt.Text(1))) {
    return absl::DataLossError(absl::StrCat("job ", id, " has a corrupt spec"));
  }
  job.set_state(static_cast<v1::State>(stmt.Int(2)));
  job.set_reason(stmt.Text(3));
  job.set_created_unix_ms(stmt.Int(4));
  job.set_finished_unix_ms(stmt.Int(5));
  job.set_owner(stmt.Text(6));
  return job;
}

absl::StatusOr<v1::Job> Store::GetJobHeader(const std::string& id) {
  absl::MutexLock lock(&mu_);
  return LoadJobHeader(id);
}

absl::StatusOr<v1::Task> Store::GetTask(const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE id = ?")));
  stmt.Bind(1, task_id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  v1::Task task = ReadTask(stmt);
  ASSIGN_OR_RETURN(Statement attempts,
                   db_->Prepare(absl::StrCat("SELECT ", kAttemptColumns, " FROM attempts ",
                                             "WHERE task_id = ? ORDER BY started_ms, rowid")));
  attempts.Bind(1, task_id);
  RETURN_IF_ERROR(
      attempts.ForEachRow([&](const Statement& row) { ReadAttempt(row, 0, task.add_attempts()); }));
  return task;
}

absl::StatusOr<std::vector<TaskStateCount>> Store::CountJobTasks(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT state, quarantined, count(*) FROM tasks WHERE job_id = ? "
                                "GROUP BY state, quarantined"));
  stmt.Bind(1, job_id);
  std::vector<TaskStateCount> counts;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    counts.push_back({static_cast<v1::State>(row.Int(0)), row.Int(1) != 0, row.Int(2)});
  }));
  return counts;
}

absl::StatusOr<v1::Job> Store::GetJob(const std::string& id, const RowPage& page) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(v1::Job job, LoadJobHeader(id));
  int64_t next_after = 0;
  ASSIGN_OR_RETURN(std::vector<v1::Task> tasks, LoadTasks(id, page, &next_after));
  if (next_after > 0) job.set_next_task_page_token(absl::StrCat(next_after));
  ASSIGN_OR_RETURN(
      Statement attempts,
      db_->Prepare(absl::StrCat("SELECT task_id, ", kAttemptColumns,
                                " FROM attempts WHERE job_id = ? ", "ORDER BY started_ms, rowid")));
  attempts.Bind(1, id);
  std::map<std::string, v1::Task*> by_id;
  for (v1::Task& task : tasks) by_id[task.id()] = &task;
  RETURN_IF_ERROR(attempts.ForEachRow([&](const Statement& row) {
    auto task = by_id.find(row.Text(0));
    if (task != by_id.end()) ReadAttempt(row, 1, task->second->add_attempts());
  }));
  for (v1::Task& task : tasks) *job.add_tasks() = std::move(task);
  ASSIGN_OR_RETURN(Statement counts,
                   db_->Prepare("SELECT state, count(*) FROM tasks WHERE job_id = ? "
                                "GROUP BY state ORDER BY state"));
  counts.Bind(1, id);
  RETURN_IF_ERROR(counts.ForEachRow([&](const Statement& row) {
    v1::TaskCount* count = job.add_task_counts();
    count->set_state(static_cast<v1::State>(row.Int(0)));
    count->set_count(row.Int(1));
    job.set_task_total(job.task_total() + row.Int(1));
  }));
  return job;
}

absl::StatusOr<JobPage> Store::ListJobs(const JobQuery& query) {
  std::vector<std::string> ids;
  int64_t last_rowid = 0;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(Statement stmt,
                     db_->Prepare("SELECT id, rowid FROM jobs WHERE (?1 = 0 OR rowid < ?1) "
                                  "AND (?2 = 0 OR state = ?2) AND (?4 = '' OR owner = ?4) "
                                  "AND (?5 = '' OR EXISTS (SELECT 1 FROM tasks "
                                  "WHERE tasks.job_id = jobs.id AND tasks.arch = ?5)) "
                                  "ORDER BY rowid DESC LIMIT ?3"));
    stmt.Bind(1, query.before_rowid)
        .Bind(2, query.state)
        .Bind(3, query.limit + 1)
        .Bind(4, query.owner)
        .Bind(5, query.arch);
    RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement&) {
      ids.push_back(stmt.Text(0));
      last_rowid = stmt.Int(1);
    }));
  }
  JobPage page;
  if (static_cast<int>(ids.size()) > query.limit) {
    ids.pop_back();
    page.more = true;
  }
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(v1::Job job, GetJob(id, RowPage{0, query.tasks_per_job}));
    page.jobs.push_back(std::move(job));
  }
  if (page.more) {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT rowid FROM jobs WHERE id = ?"));
    stmt.Bind(1, ids.back());
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    page.next_before_rowid = row ? stmt.Int(0) : last_rowid;
  }
  return page;
}

absl::StatusOr<std::vector<std::string>> Store::ListActiveJobIds() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT id FROM jobs WHERE state IN (?, ?) "
                                                "ORDER BY created_ms, rowid"));
  stmt.Bind(1, v1::QUEUED).Bind(2, v1::RUNNING);
  std::vector<std::string> ids;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement&) { ids.push_back(stmt.Text(0)); }));
  return ids;
}

absl::Status Store::UpdateTask(const v1::Task& task) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("UPDATE tasks SET state=?, exit_code=?, reason=?, "
                                                "agent_id=?, attempt_id=?, started_ms=?, "
                                                "finished_ms=?, log_bytes=?, emulated=?, flaky=?, "
                                                "quarantined=? WHERE id=?"));
  return stmt.Bind(1, task.state())
      .Bind(2, task.exit_code())
      .Bind(3, task.reason())
      .Bind(4, task.agent_id())
      .Bind(5, task.attempt_id())
      .Bind(6, task.started_unix_ms())
      .Bind(7, task.finished_unix_ms())
      .Bind(8, task.log_bytes())
      .Bind(9, task.emulated() ? 1 : 0)
      .Bind(10, task.flaky() ? 1 : 0)
      .Bind(11, task.quarantined() ? 1 : 0)
      .Bind(12, task.id())
      .Run();
}

absl::StatusOr<std::map<int, int64_t>> Store::CountTasksByState() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT state, count(*) FROM tasks GROUP BY state"));
  std::map<int, int64_t> counts;
  RETURN_IF_ERROR(stmt.ForEachRow(
      [&](const Statement&) { counts[static_cast<int>(stmt.Int(0))] = stmt.Int(1); }));
  return counts;
}

absl::Status Store::UpdateJobState(const std::string& job_id, v1::State state,
                                   const std::string& reason, int64_t finished_ms) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("UPDATE jobs SET state=?, reason=?, finished_ms=? "
                                                "WHERE id=?"));
  return stmt.Bind(1, state).Bind(2, reason).Bind(3, finished_ms).Bind(4, job_id).Run();
}

absl::Status Store::InsertAttempt(const AttemptRecord& a) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT INTO attempts(id, task_id, job_id, agent_id, state, "
                                "started_ms, emulated) VALUES(?,?,?,?,?,?,?)"));
  return stmt.Bind(1, a.id)
      .Bind(2, a.task_id)
      .Bind(3, a.job_id)
      .Bind(4, a.agent_id)
      .Bind(5, a.state)
      .Bind(6, a.started_ms)
      .Bind(7, a.emulated ? 1 : 0)
      .Run();
}

absl::StatusOr<std::string> Store::FindJobByIdempotencyKey(const std::string& key) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT id FROM jobs WHERE idempotency_key = ?"));
  stmt.Bind(1, key);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no job with that idempotency key");
  return stmt.Text(0);
}

absl::Status Store::UpdateAttempt(const AttemptRecord& a) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("UPDATE attempts SET state=?, exit_code=?, reason=?, "
                                "finished_ms=?, log_bytes=?, exited_ms=?, notes=?, image_digest=? "
                                "WHERE id=?"));
  // Notes hold no newline (the recorder escapes them): one a line.
  return stmt.Bind(1, a.state)
      .Bind(2, a.exit_code)
      .Bind(3, a.reason)
      .Bind(4, a.finished_ms)
      .Bind(5, a.log_bytes)
      .Bind(6, a.exited_ms)
      .Bind(7, absl::StrJoin(a.notes, "\n"))
      .Bind(8, a.image_digest)
      .Bind(9, a.id)
      .Run();
}

absl::StatusOr<AttemptRecord> Store::GetAttempt(const std::string& id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT id, task_id, job_id, agent_id, state, "
                                                "exit_code, reason, started_ms, finished_ms, "
                                                "log_bytes, exited_ms FROM attempts WHERE id = ?"));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("unknown attempt ", id));
  AttemptRecord a;
  a.id = stmt.Text(0);
  a.task_id = stmt.Text(1);
  a.job_id = stmt.Text(2);
  a.agent_id = stmt.Text(3);
  a.state = static_cast<v1::State>(stmt.Int(4));
  a.exit_code = static_cast<int32_t>(stmt.Int(5));
  a.reason = stmt.Text(6);
  a.started_ms = stmt.Int(7);
  a.finished_ms = stmt.Int(8);
  a.log_bytes = stmt.Int(9);
  a.exited_ms = stmt.Int(10);
  return a;
}

}  // namespace arena
