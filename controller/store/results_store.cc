// The Store's test-intelligence tables: per-test results, artifacts and the
// quarantine list.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sqlite.h"
#include "controller/store/store.h"
#include "controller/store/write_gate.h"

namespace arena {

absl::Status Store::InsertTestResults(const std::string& job_id,
                                      const std::vector<v1::TestResult>& results) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  return Transaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    // A result event resent after a crash replaces what its attempt stored.
    ASSIGN_OR_RETURN(Statement clear,
                     db_->Prepare("DELETE FROM test_results WHERE attempt_id = ?"));
    std::string cleared;
    for (const v1::TestResult& r : results) {
      if (r.attempt_id() == cleared) continue;
      cleared = r.attempt_id();
      RETURN_IF_ERROR(clear.Bind(1, cleared).Run());
      clear.Reset();
    }
    ASSIGN_OR_RETURN(
        Statement stmt,
        db_->Prepare("INSERT INTO test_results(job_id, task_id, attempt_id, attempt_number, "
                     "agent_id, arch, suite, classname, name, test_key, status, duration_ms, "
                     "message, text, finished_ms, quarantined) "
                     "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    for (const v1::TestResult& r : results) {
      RETURN_IF_ERROR(stmt.Bind(1, job_id)
                          .Bind(2, r.task_id())
                          .Bind(3, r.attempt_id())
                          .Bind(4, r.attempt_number())
                          .Bind(5, r.agent_id())
                          .Bind(6, r.arch())
                          .Bind(7, r.suite())
                          .Bind(8, r.classname())
                          .Bind(9, r.name())
                          .Bind(10, r.test_key())
                          .Bind(11, r.status())
                          .Bind(12, r.duration_ms())
                          .Bind(13, r.message())
                          .Bind(14, r.text())
                          .Bind(15, r.finished_unix_ms())
                          .Bind(16, r.quarantined() ? 1 : 0)
                          .Run());
      stmt.Reset();
    }
    return absl::OkStatus();
  });
}

namespace {

void ReadTestResult(const Statement& row, v1::TestResult* r) {
  r->set_task_id(row.Text(0));
  r->set_attempt_id(row.Text(1));
  r->set_attempt_number(static_cast<int32_t>(row.Int(2)));
  r->set_agent_id(row.Text(3));
  r->set_arch(row.Text(4));
  r->set_suite(row.Text(5));
  r->set_classname(row.Text(6));
  r->set_name(row.Text(7));
  r->set_test_key(row.Text(8));
  r->set_status(row.Text(9));
  r->set_duration_ms(row.Int(10));
  r->set_message(row.Text(11));
  r->set_text(row.Text(12));
  r->set_finished_unix_ms(row.Int(13));
  r->set_quarantined(row.Int(14) != 0);
}

constexpr const char* kResultColumns =
    "task_id, attempt_id, attempt_number, agent_id, arch, suite, classname, name, test_key, "
    "status, duration_ms, message, text, finished_ms, quarantined, id";

}  // namespace

absl::StatusOr<std::vector<v1::TestResult>> Store::ListTestResults(const std::string& job_id) {
  ASSIGN_OR_RETURN(Page<v1::TestResult> page, ListTestResultsPage(job_id, RowPage{}));
  return std::move(page.rows);
}

absl::StatusOr<Page<v1::TestResult>> Store::ListTestResultsPage(const std::string& job_id,
                                                                const RowPage& page) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kResultColumns,
                                             " FROM test_results WHERE job_id = ? AND id > ? "
                                             "ORDER BY id LIMIT ?")));
  stmt.Bind(1, job_id).Bind(2, page.after).Bind(3, page.limit > 0 ? page.limit + 1 : -1);
  Page<v1::TestResult> out;
  int64_t last_id = 0, bytes = 0;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    if (out.next_after > 0) return;
    if ((page.limit > 0 && static_cast<int>(out.rows.size()) == page.limit) ||
        (page.max_bytes > 0 && bytes >= page.max_bytes)) {
      out.next_after = last_id;
      return;
    }
    v1::TestResult& r = out.rows.emplace_back();
    ReadTestResult(row, &r);
    bytes += static_cast<int64_t>(r.ByteSizeLong());
    last_id = row.Int(15);
  }));
  return out;
}

absl::StatusOr<std::map<std::pair<std::string, std::string>, TestOutcome>> Store::TestOutcomes(
    const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT task_id, test_key, status, id FROM test_results "
                                "WHERE job_id = ? ORDER BY id"));
  stmt.Bind(1, job_id);
  std::map<std::pair<std::string, std::string>, TestOutcome> outcomes;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    TestOutcome& o = outcomes[{row.Text(0), row.Text(1)}];
    std::string status = row.Text(2);
    o.passed |= status == "passed";
    o.failed |= status == "failed" || status == "error";
    o.last_id = row.Int(3);
    o.last_status = std::move(status);
  }));
  return outcomes;
}

absl::StatusOr<std::map<std::string, int64_t>> Store::TestDurations(
    const std::string& arch, const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  // The last five passing runs of each test.
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT avg(duration_ms) FROM (SELECT duration_ms FROM "
                                "test_results WHERE test_key = ? AND arch = ? AND status = "
                                "'passed' ORDER BY id DESC LIMIT 5)"));
  std::map<std::string, int64_t> durations;
  for (const std::string& key : keys) {
    stmt.Bind(1, key).Bind(2, arch);
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row && !stmt.Text(0).empty()) durations[key] = stmt.Int(0);
    stmt.Reset();
  }
  return durations;
}

absl::StatusOr<std::vector<TestRun>> Store::RecentTestRuns(int64_t max_rows,
                                                           const std::string& owner) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT test_key, arch, job_id, "
                                "max(status = 'passed'), max(status IN ('failed', 'error')), "
                                "max(id) AS last FROM (SELECT * FROM test_results "
                                "WHERE ?2 = '' OR job_id IN (SELECT id FROM jobs WHERE owner = ?2) "
                                "ORDER BY id DESC LIMIT ?1) GROUP BY test_key, arch, job_id "
                                "ORDER BY last DESC"));
  stmt.Bind(1, max_rows).Bind(2, owner);
  std::vector<TestRun> runs;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    runs.push_back({row.Text(0), row.Text(1), row.Text(2), row.Int(3) != 0, row.Int(4) != 0});
  }));
  return runs;
}

absl::Status Store::UpsertArtifacts(const std::vector<ArtifactRecord>& artifacts) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT OR REPLACE INTO artifacts(attempt_id, job_id, task_id, "
                                "path, size, junit) VALUES(?,?,?,?,?,?)"));
  for (const ArtifactRecord& a : artifacts) {
    RETURN_IF_ERROR(stmt.Bind(1, a.attempt_id)
                        .Bind(2, a.job_id)
                        .Bind(3, a.task_id)
                        .Bind(4, a.path)
                        .Bind(5, a.size)
                        .Bind(6, a.junit ? 1 : 0)
                        .Run());
    stmt.Reset();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ArtifactRecord>> Store::ListArtifacts(const std::string& job_id) {
  ASSIGN_OR_RETURN(Page<ArtifactRecord> page, ListArtifactsPage(job_id, "", RowPage{}));
  return std::move(page.rows);
}

absl::StatusOr<std::vector<ArtifactRecord>> Store::FindArtifacts(const std::string& job_id,
                                                                 const std::string& attempt_id,
                                                                 const std::string& path) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT attempt_id, job_id, task_id, path, size, junit "
                                "FROM artifacts WHERE attempt_id = ? AND path = ? AND job_id = ?"));
  stmt.Bind(1, attempt_id).Bind(2, path).Bind(3, job_id);
  std::vector<ArtifactRecord> found;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    found.push_back(
        {row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4), row.Int(5) != 0});
  }));
  return found;
}

absl::StatusOr<Page<ArtifactRecord>> Store::ListArtifactsPage(const std::string& job_id,
                                                              const std::string& task_id,
                                                              const RowPage& page) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT attempt_id, job_id, task_id, path, size, junit, rowid "
                                "FROM artifacts WHERE job_id = ?1 AND rowid > ?2 "
                                "AND (?3 = '' OR task_id = ?3) ORDER BY rowid LIMIT ?4"));
  stmt.Bind(1, job_id)
      .Bind(2, page.after)
      .Bind(3, task_id)
      .Bind(4, page.limit > 0 ? page.limit + 1 : -1);
  Page<ArtifactRecord> out;
  int64_t last_rowid = 0, bytes = 0;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    if (out.next_after > 0) return;
    if ((page.limit > 0 && static_cast<int>(out.rows.size()) == page.limit) ||
        (page.max_bytes > 0 && bytes >= page.max_bytes)) {
      out.next_after = last_rowid;
      return;
    }
    bytes += 128 + static_cast<int64_t>(row.Text(3).size());
    out.rows.push_back(
        {row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4), row.Int(5) != 0});
    last_rowid = row.Int(6);
  }));
  return out;
}

absl::Status Store::AddQuarantine(const v1::QuarantineEntry& entry) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT OR REPLACE INTO quarantine(test_key, reason, added_by, "
                                "added_ms) VALUES(?,?,?,?)"));
  return stmt.Bind(1, entry.test_key())
      .Bind(2, entry.reason())
      .Bind(3, entry.added_by())
      .Bind(4, entry.added_unix_ms())
      .Run();
}

absl::Status Store::RemoveQuarantine(const std::string& test_key) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM quarantine WHERE test_key = ?"));
  RETURN_IF_ERROR(stmt.Bind(1, test_key).Run());
  if (db_->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("test ", test_key, " is not quarantined"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::QuarantineEntry>> Store::ListQuarantine() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("SELECT test_key, reason, added_by, added_ms "
                                                "FROM quarantine ORDER BY test_key"));
  std::vector<v1::QuarantineEntry> entries;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement& row) {
    v1::QuarantineEntry& e = entries.emplace_back();
    e.set_test_key(row.Text(0));
    e.set_reason(row.Text(1));
    e.set_added_by(row.Text(2));
    e.set_added_unix_ms(row.Int(3));
  }));
  return entries;
}

}  // namespace arena
