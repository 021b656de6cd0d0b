#include "controller/api/job_service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/arch.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "controller/api/grpc_status.h"
#include "controller/auth/tokens.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int64_t kDefaultTimeoutMs = 60 * 60 * 1000;
constexpr int64_t kMaxTimeoutMs = 7 * 24 * 60 * 60 * 1000LL;
constexpr int kMaxArchitectures = 16;
constexpr int64_t kLogReadBytes = 64 * 1024;
constexpr size_t kMaxCommandBytes = 128 * 1024;

bool ValidEnvName(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

// Resolves the --task selector: a task id, an architecture, or empty when the
// job has exactly one task.
absl::StatusOr<v1::Task> SelectTask(const v1::Job& job,
                                    const std::string& selector) {
  if (selector.empty()) {
    if (job.tasks_size() == 1) return job.tasks(0);
    std::vector<std::string> names;
    for (const v1::Task& t : job.tasks())
      names.push_back(absl::StrCat(t.arch(), " (", t.id(), ")"));
    return absl::InvalidArgumentError(absl::StrCat(
        "job ", job.id(), " has ", job.tasks_size(),
        " tasks; choose one with --task: ", absl::StrJoin(names, ", ")));
  }
  absl::StatusOr<std::string> arch = NormalizeArch(selector);
  for (const v1::Task& t : job.tasks()) {
    if (t.id() == selector || (arch.ok() && t.arch() == *arch)) return t;
  }
  return absl::NotFoundError(
      absl::StrCat("job ", job.id(), " has no task ", selector));
}

}  // namespace

absl::StatusOr<v1::JobSpec> ValidateJobSpec(v1::JobSpec spec,
                                            const JobServiceOptions& options) {
  if (spec.image().empty()) spec.set_image(options.default_image);
  if (spec.image().empty())
    return absl::InvalidArgumentError("image is required");
  if (spec.command_size() == 0)
    return absl::InvalidArgumentError("command is empty");
  size_t command_bytes = 0;
  for (const std::string& arg : spec.command()) command_bytes += arg.size();
  if (command_bytes > kMaxCommandBytes || spec.command(0).empty()) {
    return absl::InvalidArgumentError(
        "command is empty or longer than 128 KiB");
  }
  if (spec.architectures_size() == 0)
    spec.add_architectures(options.default_arch);
  if (spec.architectures_size() > kMaxArchitectures) {
    return absl::InvalidArgumentError("too many architectures");
  }
  std::vector<std::string> archs;
  for (const std::string& name : spec.architectures()) {
    ASSIGN_OR_RETURN(std::string arch, NormalizeArch(name));
    if (std::find(archs.begin(), archs.end(), arch) == archs.end())
      archs.push_back(arch);
  }
  spec.clear_architectures();
  for (const std::string& arch : archs) spec.add_architectures(arch);
  if (spec.timeout_ms() < 0 || spec.timeout_ms() > kMaxTimeoutMs) {
    return absl::InvalidArgumentError("timeout must be between 1ms and 7 days");
  }
  if (spec.timeout_ms() == 0) spec.set_timeout_ms(kDefaultTimeoutMs);
  for (const auto& [name, value] : spec.env()) {
    if (!ValidEnvName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid environment variable name \"", name, "\""));
    }
  }
  if (!spec.commit().empty() && spec.repo().empty()) {
    return absl::InvalidArgumentError("commit given without repo");
  }
  return spec;
}

JobServiceImpl::JobServiceImpl(Store* store, LogStore* logs,
                               Scheduler* scheduler, JobServiceOptions options)
    : store_(store),
      logs_(logs),
      scheduler_(scheduler),
      options_(std::move(options)) {}

grpc::Status JobServiceImpl::Authenticate(grpc::ServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  std::string header;
  if (it != metadata.end()) header.assign(it->second.data(), it->second.size());
  return ToGrpc(AuthenticateBearer(store_, header).status());
}

absl::StatusOr<v1::Job> JobServiceImpl::LoadJob(const std::string& job_id) {
  if (job_id.empty()) return absl::InvalidArgumentError("job id is required");
  ASSIGN_OR_RETURN(v1::Job job, store_->GetJob(job_id));
  for (v1::Task& task : *job.mutable_tasks()) {
    if (task.state() != v1::QUEUED) continue;
    TaskNeeds needs;
    needs.arch = task.arch();
    needs.labels.insert(job.spec().required_labels().begin(),
                        job.spec().required_labels().end());
    task.set_waiting_reason(scheduler_->WaitingReason(needs));
  }
  return job;
}

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* context,
                                       const v1::SubmitJobRequest* request,
                                       v1::Job* response) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  absl::StatusOr<v1::JobSpec> spec = ValidateJobSpec(request->spec(), options_);
  if (!spec.ok()) return ToGrpc(spec.status());
  v1::Job job;
  job.set_id(NewId("job"));
  *job.mutable_spec() = *spec;
  job.set_state(v1::QUEUED);
  job.set_created_unix_ms(absl::ToUnixMillis(absl::Now()));
  for (const std::string& arch : spec->architectures()) {
    v1::Task* task = job.add_tasks();
    task->set_id(NewId("task"));
    task->set_arch(arch);
    task->set_state(v1::QUEUED);
  }
  absl::Status stored = store_->InsertJob(job);
  if (!stored.ok()) return ToGrpc(stored);
  scheduler_->JobSubmitted(job.id());
  *response = job;
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* context,
                                    const v1::GetJobRequest* request,
                                    v1::Job* response) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  absl::StatusOr<v1::Job> job = LoadJob(request->job_id());
  if (!job.ok()) return ToGrpc(job.status());
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  int limit = request->limit() <= 0 ? 50 : std::min(request->limit(), 1000);
  absl::StatusOr<std::vector<v1::Job>> jobs = store_->ListJobs(limit);
  if (!jobs.ok()) return ToGrpc(jobs.status());
  for (v1::Job& job : *jobs) *response->add_jobs() = std::move(job);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* context,
                                       const v1::CancelJobRequest* request,
                                       v1::Job* response) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  absl::StatusOr<v1::Job> job = LoadJob(request->job_id());
  if (!job.ok()) return ToGrpc(job.status());
  if (IsTerminal(job->state())) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("job ", job->id(), " already finished"));
  }
  scheduler_->CancelJob(job->id(), "cancelled by user");
  scheduler_->Flush();
  job = LoadJob(request->job_id());
  if (!job.ok()) return ToGrpc(job.status());
  *response = *job;
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::StreamLogs(
    grpc::ServerContext* context, const v1::StreamLogsRequest* request,
    grpc::ServerWriter<v1::LogData>* writer) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  int64_t offset = std::max<int64_t>(0, request->offset());
  while (!context->IsCancelled()) {
    uint64_t generation = logs_->Generation();
    absl::StatusOr<v1::Job> job = store_->GetJob(request->job_id());
    if (!job.ok()) return ToGrpc(job.status());
    absl::StatusOr<v1::Task> task = SelectTask(*job, request->task());
    if (!task.ok()) return ToGrpc(task.status());
    bool done = IsTerminal(task->state());
    if (!task->attempt_id().empty()) {
      while (true) {
        absl::StatusOr<std::string> data =
            logs_->Read(job->id(), task->attempt_id(), offset, kLogReadBytes);
        if (!data.ok()) return ToGrpc(data.status());
        if (data->empty()) break;
        v1::LogData out;
        out.set_offset(offset);
        offset += static_cast<int64_t>(data->size());
        out.set_data(std::move(*data));
        if (!writer->Write(out)) return grpc::Status::CANCELLED;
      }
    }
    if (done || !request->follow()) return grpc::Status::OK;
    logs_->WaitForChange(generation, absl::Seconds(1));
  }
  return grpc::Status::CANCELLED;
}

grpc::Status JobServiceImpl::ListAgents(grpc::ServerContext* context,
                                        const v1::ListAgentsRequest* request,
                                        v1::ListAgentsResponse* response) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  absl::StatusOr<std::vector<AgentRecord>> records = store_->ListAgents();
  if (!records.ok()) return ToGrpc(records.status());
  std::vector<AgentView> connected = scheduler_->ConnectedAgents();
  for (const AgentRecord& record : *records) {
    v1::AgentInfo* info = response->add_agents();
    info->set_id(record.id);
    info->set_hostname(record.hostname);
    info->set_slots(record.slots);
    info->set_last_seen_unix_ms(record.last_seen_ms);
    for (const absl::string_view p :
         absl::StrSplit(record.platforms, ',', absl::SkipEmpty())) {
      info->add_platforms(std::string(p));
    }
    for (const absl::string_view kv :
         absl::StrSplit(record.labels, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> pair =
          absl::StrSplit(kv, absl::MaxSplits('=', 1));
      (*info->mutable_labels())[pair.first] = pair.second;
    }
    for (const AgentView& view : connected) {
      if (view.id != record.id) continue;
      info->set_connected(true);
      info->set_busy(view.slots - view.credits);
    }
  }
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::CreateJoinToken(
    grpc::ServerContext* context, const v1::CreateJoinTokenRequest* request,
    v1::CreateJoinTokenResponse* response) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  absl::Duration ttl = request->ttl_ms() == 0
                           ? absl::Hours(24)
                           : absl::Milliseconds(request->ttl_ms());
  int uses = request->uses() == 0 ? 1 : request->uses();
  absl::StatusOr<std::string> token = arena::CreateJoinToken(store_, ttl, uses);
  if (!token.ok()) return ToGrpc(token.status());
  response->set_token(*token);
  response->set_expires_unix_ms(absl::ToUnixMillis(absl::Now() + ttl));
  return grpc::Status::OK;
}

}  // namespace arena
