#include "controller/store/results_table.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/page_filler.h"
#include "controller/store/sql_query.h"

namespace arena {
namespace {

constexpr const char* kResultColumns =
    "task_id, attempt_id, attempt_number, agent_id, arch, suite, classname, name, test_key, "
    "status, duration_ms, message, text, finished_ms, quarantined, coalesce(share_ms, 0), id";

v1::TestResult ReadTestResult(const Statement& row) {
  ColumnReader in(row);
  v1::TestResult r;
  r.set_task_id(in.Text());
  r.set_attempt_id(in.Text());
  r.set_attempt_number(in.As<int32_t>());
  r.set_agent_id(in.Text());
  r.set_arch(in.Text());
  r.set_suite(in.Text());
  r.set_classname(in.Text());
  r.set_name(in.Text());
  r.set_test_key(in.Text());
  r.set_status(in.Text());
  r.set_duration_ms(in.Int());
  r.set_message(in.Text());
  r.set_text(in.Text());
  r.set_finished_unix_ms(in.Int());
  r.set_quarantined(in.Bool());
  r.set_share_ms(in.Int());
  return r;
}

constexpr const char* kArtifactColumns = "attempt_id, job_id, task_id, path, size, junit";

ArtifactRecord ReadArtifact(const Statement& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4), row.Int(5) != 0};
}

v1::QuarantineEntry ReadQuarantine(const Statement& row) {
  ColumnReader in(row);
  v1::QuarantineEntry e;
  e.set_test_key(in.Text());
  e.set_reason(in.Text());
  e.set_added_by(in.Text());
  e.set_added_unix_ms(in.Int());
  return e;
}

// Removes what the results' attempts stored before (they come grouped by
// attempt).
absl::Status ClearAttempts(Database& db, const std::vector<v1::TestResult>& results) {
  SqlQuery clear(db, "DELETE FROM test_results WHERE attempt_id = ?");
  std::string cleared;
  for (const v1::TestResult& r : results) {
    if (r.attempt_id() == cleared) continue;
    cleared = r.attempt_id();
    RETURN_IF_ERROR(clear.Bind(cleared).Run().status());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ResultsTable::InsertTestResults(const std::string& job_id,
                                             const std::vector<v1::TestResult>& results) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    RETURN_IF_ERROR(ClearAttempts(db, results));
    SqlQuery insert(db,
                    "INSERT INTO test_results(job_id, task_id, attempt_id, attempt_number, "
                    "agent_id, arch, suite, classname, name, test_key, status, duration_ms, "
                    "message, text, finished_ms, quarantined, share_ms) "
                    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,nullif(?, 0))");
    for (const v1::TestResult& r : results) {
      RETURN_IF_ERROR(insert
                          .Bind(job_id, r.task_id(), r.attempt_id(), r.attempt_number(),
                                r.agent_id(), r.arch(), r.suite(), r.classname(), r.name(),
                                r.test_key(), r.status(), r.duration_ms(), r.message(), r.text(),
                                r.finished_unix_ms(), r.quarantined(), r.share_ms())
                          .Run()
                          .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::TestResult>> ResultsTable::ListTestResults(
    const std::string& job_id) {
  ASSIGN_OR_RETURN(Page<v1::TestResult> page, ListTestResultsPage(job_id, RowPage{}));
  return std::move(page.rows);
}

absl::StatusOr<Page<v1::TestResult>> ResultsTable::ListTestResultsPage(const std::string& job_id,
                                                                       const RowPage& page) {
  PageFiller<v1::TestResult> filler(page);
  RETURN_IF_ERROR(connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kResultColumns,
                                     " FROM test_results WHERE job_id = ? AND id > ? "
                                     "ORDER BY id LIMIT ?"))
        .Bind(job_id, page.after, PageFiller<v1::TestResult>::LimitFor(page))
        .Each([&](const Statement& row) {
          if (filler.Full()) return false;
          v1::TestResult result = ReadTestResult(row);
          int64_t bytes = static_cast<int64_t>(result.ByteSizeLong());
          filler.Add(std::move(result), bytes, row.Int(16));
          return true;
        });
  }));
  return std::move(filler).Take();
}

absl::StatusOr<std::map<std::pair<std::string, std::string>, TestOutcome>>
ResultsTable::TestOutcomes(const std::string& job_id) {
  std::map<std::pair<std::string, std::string>, TestOutcome> outcomes;
  RETURN_IF_ERROR(connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT task_id, test_key, status, id FROM test_results "
                    "WHERE job_id = ? ORDER BY id")
        .Bind(job_id)
        .Each([&](const Statement& row) {
          TestOutcome& o = outcomes[{row.Text(0), row.Text(1)}];
          std::string status = row.Text(2);
          o.passed |= status == "passed";
          o.failed |= status == "failed" || status == "error";
          o.last_id = row.Int(3);
          o.last_status = std::move(status);
        });
  }));
  return outcomes;
}

absl::StatusOr<std::map<std::string, int64_t>> ResultsTable::TestDurations(
    const std::string& arch, const std::vector<std::string>& keys) {
  std::map<std::string, int64_t> durations;
  RETURN_IF_ERROR(connection_->Read([&](Database& db) -> absl::Status {
    SqlQuery mean(db,
                  "SELECT avg(took) FROM (SELECT coalesce(share_ms, duration_ms) AS took FROM "
                  "test_results "
                  "WHERE test_key = ? AND arch = ? AND status = 'passed' ORDER BY id DESC "
                  "LIMIT 5)");
    // "KEY::" <= test_key < "KEY:;": the keys that start with "KEY::".
    SqlQuery unit(db,
                  "SELECT sum(coalesce(share_ms, duration_ms)) FROM test_results WHERE arch = ?2 "
                  "AND status = "
                  "'passed' AND test_key >= ?1 || '::' AND test_key < ?1 || ':;' AND job_id = "
                  "(SELECT job_id FROM test_results WHERE arch = ?2 AND status = 'passed' AND "
                  "test_key >= ?1 || '::' AND test_key < ?1 || ':;' ORDER BY id DESC LIMIT 1)");
    for (const std::string& key : keys) {
      RETURN_IF_ERROR(mean.Bind(key, arch).Each([&](const Statement& row) {
        if (!row.IsNull(0)) durations[key] = row.Int(0);
        return false;
      }));
      if (durations.count(key) > 0) continue;
      RETURN_IF_ERROR(unit.Bind(key, arch).Each([&](const Statement& row) {
        if (!row.IsNull(0)) durations[key] = row.Int(0);
        return false;
      }));
    }
    return absl::OkStatus();
  }));
  return durations;
}

absl::StatusOr<std::vector<v1::TestHistoryRun>> ResultsTable::TestHistoryRuns(
    const std::string& test_key, const std::string& arch, int limit, const std::string& owner) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT job_id, arch, status, duration_ms, coalesce(share_ms, 0), "
                    "finished_ms, attempt_number FROM test_results WHERE test_key = ?1 AND "
                    "(?2 = '' OR arch = ?2) AND (?3 = '' OR job_id IN "
                    "(SELECT id FROM jobs WHERE owner = ?3)) ORDER BY id DESC LIMIT ?4")
        .Bind(test_key, arch, owner, limit)
        .All([](const Statement& row) {
          ColumnReader in(row);
          v1::TestHistoryRun run;
          run.set_job_id(in.Text());
          run.set_arch(in.Text());
          run.set_status(in.Text());
          run.set_duration_ms(in.Int());
          run.set_share_ms(in.Int());
          run.set_finished_unix_ms(in.Int());
          run.set_attempt_number(in.As<int32_t>());
          return run;
        });
  });
}

absl::StatusOr<std::vector<TestRun>> ResultsTable::RecentTestRuns(int64_t max_rows,
                                                                  const std::string& owner) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT test_key, arch, job_id, max(status = 'passed'), "
                    "max(status IN ('failed', 'error')), max(id) AS last FROM "
                    "(SELECT * FROM test_results WHERE ?2 = '' OR job_id IN "
                    "(SELECT id FROM jobs WHERE owner = ?2) ORDER BY id DESC LIMIT ?1) "
                    "GROUP BY test_key, arch, job_id ORDER BY last DESC")
        .Bind(max_rows, owner)
        .All([](const Statement& row) {
          return TestRun{row.Text(0), row.Text(1), row.Text(2), row.Int(3) != 0, row.Int(4) != 0};
        });
  });
}

absl::Status ResultsTable::UpsertArtifacts(const std::vector<ArtifactRecord>& artifacts) {
  return connection_->Write([&](Database& db) -> absl::Status {
    SqlQuery upsert(db, absl::StrCat("INSERT OR REPLACE INTO artifacts(", kArtifactColumns,
                                     ") VALUES(?,?,?,?,?,?)"));
    for (const ArtifactRecord& a : artifacts) {
      RETURN_IF_ERROR(
          upsert.Bind(a.attempt_id, a.job_id, a.task_id, a.path, a.size, a.junit).Run().status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ArtifactRecord>> ResultsTable::ListArtifacts(const std::string& job_id) {
  ASSIGN_OR_RETURN(Page<ArtifactRecord> page, ListArtifactsPage(job_id, "", RowPage{}));
  return std::move(page.rows);
}

absl::StatusOr<std::vector<ArtifactRecord>> ResultsTable::FindArtifacts(
    const std::string& job_id, const std::string& attempt_id, const std::string& path) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kArtifactColumns,
                                     " FROM artifacts WHERE attempt_id = ? AND path = ? "
                                     "AND job_id = ?"))
        .Bind(attempt_id, path, job_id)
        .All(ReadArtifact);
  });
}

absl::StatusOr<Page<ArtifactRecord>> ResultsTable::ListArtifactsPage(const std::string& job_id,
                                                                     const std::string& task_id,
                                                                     const RowPage& page) {
  PageFiller<ArtifactRecord> filler(page);
  RETURN_IF_ERROR(connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kArtifactColumns,
                                     ", rowid FROM artifacts WHERE job_id = ?1 AND rowid > ?2 "
                                     "AND (?3 = '' OR task_id = ?3) ORDER BY rowid LIMIT ?4"))
        .Bind(job_id, page.after, task_id, PageFiller<ArtifactRecord>::LimitFor(page))
        .Each([&](const Statement& row) {
          if (filler.Full()) return false;
          ArtifactRecord artifact = ReadArtifact(row);
          int64_t bytes = 128 + static_cast<int64_t>(artifact.path.size());
          filler.Add(std::move(artifact), bytes, row.Int(6));
          return true;
        });
  }));
  return std::move(filler).Take();
}

absl::Status ResultsTable::AddQuarantine(const v1::QuarantineEntry& entry) {
  return connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "INSERT OR REPLACE INTO quarantine(test_key, reason, added_by, added_ms) "
                    "VALUES(?,?,?,?)")
        .Bind(entry.test_key(), entry.reason(), entry.added_by(), entry.added_unix_ms())
        .Run()
        .status();
  });
}

absl::Status ResultsTable::RemoveQuarantine(const std::string& test_key) {
  ASSIGN_OR_RETURN(int64_t removed, connection_->Write([&](Database& db) {
    return SqlQuery(db, "DELETE FROM quarantine WHERE test_key = ?").Bind(test_key).Run();
  }));
  if (removed == 0) {
    return absl::NotFoundError(absl::StrCat("test ", test_key, " is not quarantined"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::QuarantineEntry>> ResultsTable::ListQuarantine() {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT test_key, reason, added_by, added_ms FROM quarantine "
                    "ORDER BY test_key")
        .All(ReadQuarantine);
  });
}

}  // namespace arena
