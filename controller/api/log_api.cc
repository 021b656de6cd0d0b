#include "controller/api/log_api.h"

#include <algorithm>

#include "common/log_channel.h"
#include "common/states.h"
#include "common/status_macros.h"
#include "controller/store/job_events.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int64_t kLogReadBytes = 64 * 1024;

}  // namespace

absl::Status LogApi::CheckLogRequest(const Principal& who,
                                     const v1::StreamLogsRequest& request) const {
  if (request.offset() < 0) return absl::InvalidArgumentError("offset must not be negative");
  RETURN_IF_ERROR(CheckLogChannel(request.channel()));
  ASSIGN_OR_RETURN(v1::Task task, access_->ResolveTask(who, request.job_id(), request.task()));
  return SelectAttempt(task, request.attempt()).status();
}

absl::Status LogApi::StreamLogs(const Principal& who, const v1::StreamLogsRequest& request,
                                const std::function<bool(const v1::LogData&)>& write,
                                const std::function<bool()>& cancelled) const {
  RETURN_IF_ERROR(access_->VisibleJob(who, request.job_id()).status());
  RETURN_IF_ERROR(CheckLogChannel(request.channel()));
  const std::string& channel = request.channel();
  int64_t offset = std::max<int64_t>(0, request.offset());
  std::string streaming;  // the attempt being sent
  while (!cancelled()) {
    // A follow outlives neither its token's revocation nor its expiry.
    RETURN_IF_ERROR(CheckStillValid(access_->store(), who));
    uint64_t generation = events_->Generation();
    ASSIGN_OR_RETURN(v1::Job job, access_->store()->jobs().GetJob(request.job_id()));
    ASSIGN_OR_RETURN(v1::Task task, SelectTask(job, request.task()));
    ASSIGN_OR_RETURN(std::string attempt_id, SelectAttempt(task, request.attempt()));
    bool pinned = !request.attempt().empty();
    bool done = IsTerminal(task.state()) || (pinned && attempt_id != task.attempt_id()) ||
                (pinned && task.state() == v1::QUEUED);
    if (attempt_id != streaming && !streaming.empty()) {
      // A retry began: finish the old attempt's bytes, then start the new
      // one from its beginning.
      ASSIGN_OR_RETURN(offset, SendLogBytes(job.id(), streaming, channel, offset, write));
      offset = 0;
    }
    streaming = attempt_id;
    if (!attempt_id.empty()) {
      ASSIGN_OR_RETURN(offset, SendLogBytes(job.id(), attempt_id, channel, offset, write));
    }
    if (done || !request.follow()) return absl::OkStatus();
    events_->WaitForChange(generation, absl::Seconds(1));
  }
  return absl::CancelledError("log reader went away");
}

absl::StatusOr<int64_t> LogApi::SendLogBytes(
    const std::string& job_id, const std::string& attempt_id, const std::string& channel,
    int64_t offset, const std::function<bool(const v1::LogData&)>& write) const {
  while (true) {
    ASSIGN_OR_RETURN(std::string data,
                     logs_->Read(job_id, attempt_id, offset, kLogReadBytes, channel));
    if (data.empty()) return offset;
    v1::LogData out;
    out.set_offset(offset);
    out.set_attempt_id(attempt_id);
    offset += static_cast<int64_t>(data.size());
    out.set_data(std::move(data));
    if (!write(out)) return absl::CancelledError("log reader went away");
  }
}

}  // namespace arena
