#include "controller/store/allure_uploads.h"

#include "absl/strings/str_cat.h"
#include "arena/v1/jobs.pb.h"
#include "common/status_macros.h"
#include "controller/store/sql_query.h"

namespace arena {
namespace {

constexpr char kColumns[] =
    "u.job_id, u.project, u.state, u.tries, u.next_try_ms, COALESCE(j.finished_ms, 0), "
    "u.report_url, u.reason";

AllureUploadRecord ReadUpload(const Statement& row) {
  AllureUploadRecord record;
  record.job_id = row.Text(0);
  record.project = row.Text(1);
  record.state = row.Text(2);
  record.tries = static_cast<int>(row.Int(3));
  record.next_try_ms = row.Int(4);
  record.ended_ms = row.Int(5);
  record.report_url = row.Text(6);
  record.reason = row.Text(7);
  return record;
}

// A job has ended once its state is one a job does not leave.
std::string EndedStates() {
  return absl::StrCat("(", v1::PASSED, ",", v1::FAILED, ",", v1::ERROR, ",", v1::CANCELLED, ",",
                      v1::TIMED_OUT, ")");
}

}  // namespace

absl::Status AllureUploads::Add(const std::string& job_id, const std::string& project) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t added,
                     SqlQuery(db,
                              "INSERT OR IGNORE INTO allure_uploads(job_id, project, state) "
                              "VALUES(?, ?, 'waiting')")
                         .Bind(job_id, project)
                         .Run());
    if (added == 0) return absl::AlreadyExistsError(absl::StrCat(job_id, " has an upload"));
    return absl::OkStatus();
  });
}

absl::Status AllureUploads::Remove(const std::string& job_id) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    return SqlQuery(db, "DELETE FROM allure_uploads WHERE job_id = ?").Bind(job_id).Run().status();
  });
}

absl::StatusOr<AllureUploadRecord> AllureUploads::Get(const std::string& job_id) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<AllureUploadRecord> {
    ASSIGN_OR_RETURN(
        std::optional<AllureUploadRecord> record,
        SqlQuery(db, absl::StrCat("SELECT ", kColumns,
                                  " FROM allure_uploads u LEFT JOIN jobs j ON j.id = u.job_id "
                                  "WHERE u.job_id = ?"))
            .Bind(job_id)
            .One(ReadUpload));
    if (!record) return absl::NotFoundError(absl::StrCat(job_id, " uploads to no Allure server"));
    return *std::move(record);
  });
}

absl::StatusOr<std::vector<AllureUploadRecord>> AllureUploads::Due(int64_t now_ms, int limit) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kColumns,
                                     " FROM allure_uploads u JOIN jobs j ON j.id = u.job_id "
                                     "WHERE j.state IN ",
                                     EndedStates(),
                                     " AND (u.state = 'waiting' OR (u.state = 'pending' AND "
                                     "u.next_try_ms <= ?)) ORDER BY j.finished_ms, u.job_id "
                                     "LIMIT ?"))
        .Bind(now_ms, limit)
        .All(ReadUpload);
  });
}

absl::StatusOr<std::optional<int64_t>> AllureUploads::NextTry() {
  return connection_->Read([&](Database& db) -> absl::StatusOr<std::optional<int64_t>> {
    std::optional<int64_t> next;
    RETURN_IF_ERROR(SqlQuery(db, absl::StrCat("SELECT MIN(u.next_try_ms) FROM allure_uploads u "
                                              "JOIN jobs j ON j.id = u.job_id WHERE j.state IN ",
                                              EndedStates(), " AND u.state = 'pending'"))
                        .Each([&](const Statement& row) {
                          if (!row.IsNull(0)) next = row.Int(0);
                        }));
    return next;
  });
}

absl::Status AllureUploads::Update(const AllureUploadRecord& record) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t changed,
                     SqlQuery(db,
                              "UPDATE allure_uploads SET state = ?, tries = ?, next_try_ms = ?, "
                              "report_url = ?, reason = ? WHERE job_id = ?")
                         .Bind(record.state, record.tries, record.next_try_ms, record.report_url,
                               record.reason, record.job_id)
                         .Run());
    if (changed == 0) return absl::NotFoundError(absl::StrCat(record.job_id, " has no upload"));
    return absl::OkStatus();
  });
}

}  // namespace arena
