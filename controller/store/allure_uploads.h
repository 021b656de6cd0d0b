// AllureUploads: where each job's allure-results stand on the team's Allure
// server, durable so an upload survives a controller restart. A row is
// added when a job that names a project is submitted ("waiting"); once the
// job has ended it is due, and the uploader moves it to "uploaded" or, after
// failures, "pending" with a next try, and finally "failed".
//
// Owner: the Store, over its StoreConnection. Thread-safe (the connection
// serialises the statements; writes take their turn at the write gate).
#ifndef ARENA_CONTROLLER_STORE_ALLURE_UPLOADS_H_
#define ARENA_CONTROLLER_STORE_ALLURE_UPLOADS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/store/store_connection.h"

namespace arena {

struct AllureUploadRecord {
  std::string job_id;
  std::string project;
  std::string state;  // waiting, pending, uploaded, failed (jobs.proto AllureUpload)
  int tries = 0;
  int64_t next_try_ms = 0;  // pending: not before
  int64_t ended_ms = 0;     // the job's end, 0 while it runs
  std::string report_url;
  std::string reason;
};

class AllureUploads {
 public:
  explicit AllureUploads(StoreConnection* connection) : connection_(connection) {}

  // Adds the job's row as "waiting". AlreadyExists if it has one.
  absl::Status Add(const std::string& job_id, const std::string& project);
  // Removes the row (a submission that did not store its job).
  absl::Status Remove(const std::string& job_id);
  // NotFound when the job uploads nowhere.
  absl::StatusOr<AllureUploadRecord> Get(const std::string& job_id);
  // Rows whose job has ended, "waiting" or "pending" with next_try_ms <=
  // `now_ms`, oldest job end first; at most `limit`.
  absl::StatusOr<std::vector<AllureUploadRecord>> Due(int64_t now_ms, int limit);
  // The earliest next_try_ms of a pending row whose job has ended, if any.
  absl::StatusOr<std::optional<int64_t>> NextTry();
  // Writes state, tries, next_try_ms, report_url and reason of `record`.
  absl::Status Update(const AllureUploadRecord& record);

 private:
  StoreConnection* const connection_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_ALLURE_UPLOADS_H_
