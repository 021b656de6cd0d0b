// jobs.proto's StreamLogs, independent of transport: one task's log (or
// one of its channels) from an offset, following it until the task ends.
// Used by the gRPC JobService and the REST gateway.
// Owner: the Controller. Thread-safe (state lives in the LogStore).
#ifndef ARENA_CONTROLLER_API_LOG_API_H_
#define ARENA_CONTROLLER_API_LOG_API_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "controller/api/job_access.h"

namespace arena {

class JobEvents;
class LogStore;

class LogApi {
 public:
  // All must outlive the API; `events` wakes a follow.
  LogApi(const JobAccess* access, const LogStore* logs, const JobEvents* events)
      : access_(access), logs_(logs), events_(events) {}

  // The task and attempt a log request names, or the error StreamLogs
  // would end with: callers that must answer before streaming check first.
  absl::Status CheckLogRequest(const Principal& who, const v1::StreamLogsRequest& request) const;

  // Sends one task's log bytes through `write` in order, from the request's
  // offset; with follow, until the task ends (a retry's attempt follows its
  // predecessor's bytes). Stops early when `write` returns false or
  // `cancelled` returns true.
  absl::Status StreamLogs(const Principal& who, const v1::StreamLogsRequest& request,
                          const std::function<bool(const v1::LogData&)>& write,
                          const std::function<bool()>& cancelled) const;

 private:
  // Sends an attempt's bytes of `channel` from `offset` to its current end.
  absl::StatusOr<int64_t> SendLogBytes(const std::string& job_id, const std::string& attempt_id,
                                       const std::string& channel, int64_t offset,
                                       const std::function<bool(const v1::LogData&)>& write) const;

  const JobAccess* const access_;
  const LogStore* const logs_;
  const JobEvents* const events_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_LOG_API_H_
