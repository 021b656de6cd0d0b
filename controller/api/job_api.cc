#include "controller/api/job_api.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/arch.h"
#include "common/ids.h"
#include "common/image_ref.h"
#include "common/log_channel.h"
#include "common/logging.h"
#include "common/repo_url.h"
#include "common/status_macros.h"
#include "controller/api/paging.h"
#include "controller/auth/secret_box.h"
#include "controller/scheduler/fan_out.h"
#include "controller/scheduler/scheduler.h"
#include "controller/spec/job_spec.h"
#include "controller/spec/rerun_spec.h"
#include "controller/spec/spec_limits.h"
#include "controller/store/job_events.h"
#include "controller/store/store.h"

namespace arena {
namespace {
constexpr size_t kMaxIdempotencyKeyBytes = 256;
constexpr int64_t kLogReadBytes = 64 * 1024;
constexpr int kTaskPageSize = 1000;
constexpr int kMaxTaskPageSize = 5000;
constexpr int64_t kTaskPageBytes = 2 << 20;

// Idempotency keys are the submitter's own: one submitter's key neither
// blocks another's submit nor reveals its job.
std::string ScopedKey(const Principal& who, const std::string& key) {
  return absl::StrCat(who.name, "\x1f", key);
}

}  // namespace

JobApi::JobApi(const JobAccess* access, const JobEvents* events, const SecretBox* secrets,
               SpecPolicy policy)
    : access_(access),
      store_(access->store()),
      scheduler_(access->scheduler()),
      events_(events),
      secrets_(secrets),
      policy_(std::move(policy)) {}

absl::StatusOr<v1::ListAgentsResponse> JobApi::ListAgents(const Principal& who) {
  RETURN_IF_ERROR(RequireOperator(who, "listing agents"));
  return DescribeAgents(*access_);
}

absl::StatusOr<v1::FleetHistory> JobApi::GetFleetHistory(
    const Principal&, const v1::GetFleetHistoryRequest& request) {
  constexpr int kMaxHours = 7 * 24;  // what the scheduler keeps
  if (request.hours() < 0 || request.hours() > kMaxHours) {
    return absl::InvalidArgumentError(
        absl::StrCat("hours must be from 1 to ", kMaxHours, " (0: the last 6)"));
  }
  std::string arch;
  if (!request.arch().empty()) {
    ASSIGN_OR_RETURN(arch, NormalizeArch(request.arch()));
  }
  const int hours = request.hours() > 0 ? request.hours() : 6;
  const absl::Duration interval = scheduler_->fleet_interval();
  // Every sample of the window, for every architecture a fleet may have.
  const int64_t limit = 64 * (absl::Hours(hours) / interval + 1);
  v1::FleetHistory history;
  history.set_interval_ms(absl::ToInt64Milliseconds(interval));
  ASSIGN_OR_RETURN(std::vector<v1::FleetSample> samples,
                   store_->fleet().Since(absl::ToUnixMillis(absl::Now() - absl::Hours(hours)), arch,
                                         static_cast<int>(std::min<int64_t>(limit, 1 << 20))));
  for (v1::FleetSample& s : samples) *history.add_samples() = std::move(s);
  return history;
}

absl::StatusOr<v1::CheckCapacityResponse> JobApi::CheckCapacity(
    const Principal& who, const v1::CheckCapacityRequest& request) {
  if (request.architectures_size() > kMaxArchitectures) {
    return absl::InvalidArgumentError("too many architectures");
  }
  v1::CheckCapacityResponse response;
  response.set_caller(who.name);
  response.set_role(who.role);
  if (!request.executor().empty() && request.executor() != "docker" &&
      request.executor() != "process") {
    return absl::InvalidArgumentError("executor must be docker or process");
  }
  TaskNeeds needs;
  needs.labels.insert(request.labels().begin(), request.labels().end());
  needs.executor = ExecutorOrDefault(request.executor());
  std::vector<std::string> archs(request.architectures().begin(), request.architectures().end());
  if (archs.empty()) archs.push_back(policy_.default_arch);
  std::vector<AgentView> agents = scheduler_->ConnectedAgents();
  for (const std::string& name : archs) {
    ASSIGN_OR_RETURN(needs.arch, NormalizeArch(name));
    Capacity capacity = CountCapable(needs, agents);
    v1::ArchCapacity* arch = response.add_architectures();
    arch->set_arch(needs.arch);
    arch->set_agents(capacity.agents);
    arch->set_emulated(capacity.emulated);
    arch->set_free_slots(capacity.free_slots);
    for (const std::string& sick : capacity.unhealthy) arch->add_unhealthy(sick);
    if (capacity.agents == 0) arch->set_reason(ExplainWait(needs, agents));
  }
  return response;
}

absl::StatusOr<v1::Job> JobApi::Get(const Principal& who, const v1::GetJobRequest& request) {
  ASSIGN_OR_RETURN(RowPage page, ParsePage(request.task_page_token(), request.task_page_size(),
                                           kTaskPageSize, kMaxTaskPageSize));
  ASSIGN_OR_RETURN(v1::Job job, access_->VisibleJob(who, request.job_id(), page.after, page.limit));
  // One snapshot of the agents and one sentence per architecture, however
  // many tasks wait.
  std::vector<AgentView> agents;
  std::map<std::string, std::string> reasons;  // by arch
  for (v1::Task& task : *job.mutable_tasks()) {
    if (task.state() != v1::QUEUED) continue;
    auto reason = reasons.find(task.arch());
    if (reason == reasons.end()) {
      if (reasons.empty()) agents = scheduler_->ConnectedAgents();
      TaskNeeds needs;
      needs.executor = ExecutorOrDefault(job.spec().executor());
      needs.arch = task.arch();
      needs.labels.insert(job.spec().required_labels().begin(), job.spec().required_labels().end());
      reason = reasons.emplace(task.arch(), ExplainWait(needs, agents)).first;
    }
    task.set_waiting_reason(reason->second);
  }
  RETURN_IF_ERROR(FillAllure(&job));
  return job;
}

absl::Status JobApi::FillAllure(v1::Job* job) {
  if (job->spec().allure_project().empty()) return absl::OkStatus();
  absl::StatusOr<AllureUploadRecord> upload = store_->allure_uploads().Get(job->id());
  if (absl::IsNotFound(upload.status())) return absl::OkStatus();
  RETURN_IF_ERROR(upload.status());
  v1::AllureUpload* allure = job->mutable_allure();
  allure->set_project(upload->project);
  allure->set_state(upload->state);
  allure->set_report_url(upload->report_url);
  allure->set_reason(upload->reason);
  allure->set_tries(upload->tries);
  return absl::OkStatus();
}

namespace {

// What a waiting client wants to hear about: the job's state, its tasks
// counted by state, and each task of the page's state, current attempt and
// live progress.
std::string ProgressOf(const v1::Job& job) {
  std::string out = absl::StrCat(job.state(), ";");
  for (const v1::TaskCount& count : job.task_counts()) {
    absl::StrAppend(&out, count.state(), "=", count.count(), ",");
  }
  for (const v1::Task& task : job.tasks()) {
    absl::StrAppend(&out, task.state(), ",", task.attempt_id(), ",", task.started_unix_ms() > 0,
                    ",", task.phase(), ",", task.progress_done(), ";");
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::Job> JobApi::WaitForChange(const Principal& who,
                                              const v1::GetJobRequest& request,
                                              const std::function<bool()>& cancelled) {
  absl::Duration wait = absl::Milliseconds(std::max<int64_t>(0, request.wait_ms()));
  absl::Time deadline = absl::Now() + std::min(wait, absl::Seconds(60));
  // Each generation is taken before its read, so a change between the two
  // ends the next wait at once.
  uint64_t generation = events_->StateGeneration();
  ASSIGN_OR_RETURN(v1::Job job, Get(who, request));
  const std::string seen = ProgressOf(job);
  while (!IsTerminal(job.state()) && absl::Now() < deadline && !cancelled()) {
    events_->WaitForStateChange(generation, std::min(deadline - absl::Now(), absl::Seconds(1)));
    RETURN_IF_ERROR(CheckStillValid(store_, who));
    generation = events_->StateGeneration();
    ASSIGN_OR_RETURN(job, Get(who, request));
    if (ProgressOf(job) != seen) break;
  }
  return job;
}

absl::StatusOr<v1::Job> JobApi::Submit(const Principal& who, const v1::SubmitJobRequest& request) {
  ASSIGN_OR_RETURN(v1::JobSpec spec, ValidateJobSpec(request.spec(), policy_));
  RETURN_IF_ERROR(SealSecrets(spec));
  const std::string& key = request.idempotency_key();
  if (key.size() > kMaxIdempotencyKeyBytes) {
    return absl::InvalidArgumentError("idempotency key is longer than 256 bytes");
  }
  if (!key.empty()) {
    absl::StatusOr<v1::Job> existing = JobForKey(who, key, spec);
    if (!absl::IsNotFound(existing.status())) return existing;
  }
  return Enqueue(who, spec, key, "");
}

absl::StatusOr<v1::Job> JobApi::Rerun(const Principal& who, const v1::RerunJobRequest& request) {
  ASSIGN_OR_RETURN(v1::Job visible, access_->VisibleJob(who, request.job_id(), 0, 1));
  ASSIGN_OR_RETURN(v1::Job stored, store_->jobs().GetJob(visible.id()));
  ASSIGN_OR_RETURN(v1::JobSpec rerun, RerunSpec(stored, request.failed_only()));
  // Checked again against today's policy; the secrets stay as sealed.
  v1::JobSpec check = rerun;
  check.clear_sealed_secrets();
  check.clear_secret_names();
  ASSIGN_OR_RETURN(v1::JobSpec spec, ValidateJobSpec(check, policy_));
  spec.set_sealed_secrets(rerun.sealed_secrets());
  *spec.mutable_secret_names() = rerun.secret_names();
  ASSIGN_OR_RETURN(v1::Job job, Enqueue(who, spec, "", stored.id()));
  access_->Audit(who.name, request.failed_only() ? "job.rerun_failed" : "job.rerun", job.id(),
                 stored.id());
  return job;
}

absl::StatusOr<v1::Job> JobApi::Enqueue(const Principal& who, const v1::JobSpec& spec,
                                        const std::string& key, const std::string& rerun_of) {
  v1::Job job;
  job.set_rerun_of(rerun_of);
  job.set_id(NewId("job"));
  *job.mutable_spec() = spec;
  job.set_state(v1::QUEUED);
  job.set_created_unix_ms(absl::ToUnixMillis(absl::Now()));
  job.set_owner(who.name);
  std::map<std::string, std::string> images;
  for (const std::string& arch : spec.architectures()) images[arch] = ImageForArch(spec, arch);
  for (v1::Task& task : FanOut(spec, images)) {
    task.set_id(NewId("task"));
    *job.add_tasks() = std::move(task);
  }
  // The upload's row goes first: a job stored without it would never be
  // sent, while a row without its job is never due (and removed here).
  if (!spec.allure_project().empty()) {
    RETURN_IF_ERROR(store_->allure_uploads().Add(job.id(), spec.allure_project()));
  }
  absl::Status inserted = store_->jobs().InsertJob(job, key.empty() ? key : ScopedKey(who, key));
  if (!inserted.ok() && !spec.allure_project().empty()) {
    store_->allure_uploads().Remove(job.id()).IgnoreError();
  }
  if (absl::IsAlreadyExists(inserted) && !key.empty()) {
    return JobForKey(who, key, spec);  // a concurrent submit with the same key won
  }
  RETURN_IF_ERROR(inserted);
  scheduler_->JobSubmitted(job.id());
  access_->Audit(who.name, "job.submit", job.id(), absl::StrJoin(spec.architectures(), ","));
  return Get(who, job.id());
}

absl::Status JobApi::SealSecrets(v1::JobSpec& spec) {
  spec.clear_sealed_secrets();
  spec.clear_secret_names();
  if (spec.secrets().empty()) return absl::OkStatus();
  if (secrets_ == nullptr)
    return absl::FailedPreconditionError("this controller cannot seal secrets");
  std::vector<std::string> names;
  for (const auto& [name, value] : spec.secrets()) names.push_back(name);
  v1::SecretValues values;
  *values.mutable_values() = spec.secrets();
  ASSIGN_OR_RETURN(std::string sealed, secrets_->Seal(values.SerializeAsString()));
  spec.set_sealed_secrets(sealed);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) spec.add_secret_names(name);
  spec.clear_secrets();
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> JobApi::JobForKey(const Principal& who, const std::string& key,
                                          const v1::JobSpec& spec) {
  ASSIGN_OR_RETURN(std::string job_id, store_->jobs().FindJobByIdempotencyKey(ScopedKey(who, key)));
  ASSIGN_OR_RETURN(v1::Job job, Get(who, job_id));
  v1::JobSpec wanted = spec;
  wanted.clear_sealed_secrets();  // sealed anew each time
  if (!google::protobuf::util::MessageDifferencer::Equals(job.spec(), wanted)) {
    return absl::AlreadyExistsError(absl::StrCat("idempotency key \"", key, "\" was used for job ",
                                                 job_id, " with a different spec"));
  }
  return job;
}

absl::StatusOr<v1::ListJobsResponse> JobApi::List(const Principal& who,
                                                  const v1::ListJobsRequest& request) {
  JobQuery query;
  query.limit = request.limit() <= 0 ? 50 : std::min(request.limit(), 1000);
  query.state = request.state();
  query.owner = request.owner();
  if (!who.SeesEverything()) {
    if (!request.owner().empty() && request.owner() != who.name) {
      return absl::PermissionDeniedError(absl::StrCat(
          who.name, " (submitter) sees only its own jobs, not those of ", request.owner()));
    }
    query.owner = who.name;
  }
  if (!request.arch().empty()) {
    ASSIGN_OR_RETURN(query.arch, NormalizeArch(request.arch()));
  }
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &query.before_rowid) || query.before_rowid <= 0)) {
    return absl::InvalidArgumentError("bad page_token");
  }
  ASSIGN_OR_RETURN(JobPage page, store_->jobs().ListJobs(query));
  v1::ListJobsResponse response;
  for (v1::Job& job : page.jobs) {
    job.mutable_spec()->clear_sealed_secrets();
    scheduler_->progress().Fill(&job);
    scheduler_->work().Fill(&job);
    *response.add_jobs() = std::move(job);
  }
  if (page.more) response.set_next_page_token(absl::StrCat(page.next_before_rowid));
  return response;
}

absl::StatusOr<v1::Job> JobApi::Cancel(const Principal& who, const std::string& job_id) {
  ASSIGN_OR_RETURN(v1::Job job, Get(who, job_id));
  if (IsTerminal(job.state())) {
    return absl::FailedPreconditionError(absl::StrCat("job ", job.id(), " already finished"));
  }
  scheduler_->CancelJob(job.id(), absl::StrCat("cancelled by ", who.name));
  scheduler_->Flush();  // the cancel's batch is committed (or undone) now
  ASSIGN_OR_RETURN(v1::Job after, Get(who, job_id));
  if (!IsTerminal(after.state())) {
    return absl::UnavailableError(
        absl::StrCat("the cancel of job ", job.id(), " could not be stored; try again"));
  }
  access_->Audit(who.name, "job.cancel", job.id());
  return after;
}

absl::StatusOr<v1::Task> JobApi::ResolveTask(const Principal& who, const std::string& job_id,
                                             const std::string& selector) {
  return access_->ResolveTask(who, job_id, selector);
}

absl::StatusOr<v1::CreateJoinTokenResponse> JobApi::CreateJoinToken(
    const Principal& who, const v1::CreateJoinTokenRequest& request) {
  RETURN_IF_ERROR(RequireOperator(who, "creating join tokens"));
  absl::Duration ttl =
      request.ttl_ms() == 0 ? absl::Hours(24) : absl::Milliseconds(request.ttl_ms());
  int uses = request.uses() == 0 ? 1 : request.uses();
  ASSIGN_OR_RETURN(std::string token, arena::CreateJoinToken(store_, ttl, uses));
  v1::CreateJoinTokenResponse response;
  response.set_token(token);
  response.set_expires_unix_ms(absl::ToUnixMillis(absl::Now() + ttl));
  access_->Audit(who.name, "join_token.create", "",
                 absl::StrCat(uses, " uses, ttl ", absl::FormatDuration(ttl)));
  return response;
}

}  // namespace arena
