#include "controller/store/schema.h"

#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/test_identity.h"

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
    // v13: each job's upload to the team's Allure server
    // (controller/store/allure_uploads.h).
    R"sql(
CREATE TABLE allure_uploads(
  job_id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  state TEXT NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0,
  next_try_ms INTEGER NOT NULL DEFAULT 0,
  report_url TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '');
CREATE INDEX allure_uploads_by_state ON allure_uploads(state);
)sql",
    // v14: pytest results keyed by their node id in every mode; the rows
    // are rekeyed by RekeyPytestResults below (the rule is C++, not SQL).
    R"sql(
CREATE INDEX IF NOT EXISTS test_results_key ON test_results(test_key, arch, id);
)sql",
    // v15: a test-queue attempt run in another attempt's process (a batch).
    R"sql(
ALTER TABLE attempts ADD COLUMN batch_attempt_id TEXT NOT NULL DEFAULT '';
)sql",
    // v16: each result's share of its run's wall time (TestResult.share_ms);
    // NULL in rows recorded before.
    R"sql(
ALTER TABLE test_results ADD COLUMN share_ms INTEGER;
)sql",
    // v17: the fleet's history, a row per architecture a sample
    // (controller/store/fleet_samples.h).
    R"sql(
CREATE TABLE fleet_samples(
  unix_ms INTEGER NOT NULL,
  arch TEXT NOT NULL,
  agents INTEGER NOT NULL,
  slots INTEGER NOT NULL,
  busy INTEGER NOT NULL,
  unavailable INTEGER NOT NULL,
  queued INTEGER NOT NULL,
  started INTEGER NOT NULL,
  start_wait_ms_avg INTEGER NOT NULL,
  start_wait_ms_max INTEGER NOT NULL,
  PRIMARY KEY(unix_ms, arch));
)sql",
    // v18: the job a job reruns (Job.rerun_of, RerunJob).
    R"sql(
ALTER TABLE jobs ADD COLUMN rerun_of TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_rerun_of ON jobs(rerun_of) WHERE rerun_of != '';
)sql",
    // v19: people's accounts, their dashboard sessions
    // (controller/store/user_table.h) and the user a token belongs to.
    R"sql(
CREATE TABLE users(
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until_ms INTEGER NOT NULL DEFAULT 0,
  last_login_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sessions(
  hash TEXT PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users(name),
  csrf TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  ended INTEGER NOT NULL DEFAULT 0);
CREATE INDEX sessions_by_user ON sessions(user);
ALTER TABLE api_tokens ADD COLUMN user TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr int kRekeyedVersion = 14;

// Suite-mode rows keyed "classname::name" and quarantine entries written so
// get the key the JUnit parser now gives them (common/test_identity.h);
// queue-mode rows, keyed by their test id, keep it.
absl::Status RekeyPytestResults(Database& db) {
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> rows,
                   db.Prepare("SELECT id, classname, name, test_key FROM test_results"));
  std::vector<std::pair<int64_t, std::string>> changes;
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows->Step());
    if (!row) break;
    std::string classname = rows->Text(1);
    std::string name = rows->Text(2);
    std::string key = TestKeyOf(classname, name);
    if (rows->Text(3) == absl::StrCat(classname, "::", name) && key != rows->Text(3)) {
      changes.emplace_back(rows->Int(0), std::move(key));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> update,
                   db.Prepare("UPDATE test_results SET test_key = ?1 WHERE id = ?2"));
  for (const auto& [id, key] : changes) {
    update->BindText(1, key);
    update->BindInt(2, id);
    RETURN_IF_ERROR(update->Step().status());
    update->Reset();
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> entries,
                   db.Prepare("SELECT test_key FROM quarantine"));
  std::vector<std::pair<std::string, std::string>> renames;
  while (true) {
    ASSIGN_OR_RETURN(bool row, entries->Step());
    if (!row) break;
    std::string old_key = entries->Text(0);
    size_t sep = old_key.find("::");
    if (sep == std::string::npos) continue;
    std::string key = TestKeyOf(old_key.substr(0, sep), old_key.substr(sep + 2));
    if (key != old_key) renames.emplace_back(old_key, key);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> rename,
                   db.Prepare("UPDATE OR IGNORE quarantine SET test_key = ?1 WHERE test_key = ?2"));
  for (const auto& [old_key, key] : renames) {
    rename->BindText(1, key);
    rename->BindText(2, old_key);
    RETURN_IF_ERROR(rename->Step().status());
    rename->Reset();
  }
  return absl::OkStatus();
}

absl::Status ApplyMigration(Database& db, int from) {
  RETURN_IF_ERROR(db.Begin());
  absl::Status status = db.Exec(kMigrations[from]);
  if (status.ok() && from + 1 == kRekeyedVersion) status = RekeyPytestResults(db);
  if (status.ok()) status = db.SetSchemaVersion(from + 1);
  if (!status.ok()) {
    db.Rollback().IgnoreError();
    return status;
  }
  return db.Commit();
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

absl::Status MigrateSchema(Database& db) {
  ASSIGN_OR_RETURN(int version, db.SchemaVersion());
  const int latest = LatestSchemaVersion();
  if (version > latest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", version, " is newer than this controller (", latest, ")"));
  }
  for (int v = version; v < latest; ++v) RETURN_IF_ERROR(ApplyMigration(db, v));
  return absl::OkStatus();
}

}  // namespace arena
