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
#include "controller/spec/spec_limits.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {
constexpr size_t kMaxIdempotencyKeyBytes = 256;
constexpr int64_t kLogReadBytes = 64 * 1024;
constexpr int kTaskPageSize = 1000;
constexpr int kMaxTaskPageSize = 5000;
constexpr int64_t kTaskPageBytes = 2 << 20;

// Resolves the --task selector: a task id, a task's name ("arm64",
// "arm64/unit", a suite or a test id), or empty when the job has exactly one
// task.
absl::StatusOr<v1::Task> SelectTask(const v1::Job& job, const std::string& selector) {
  std::vector<const v1::Task*> matches;
  absl::StatusOr<std::string> arch = NormalizeArch(selector);
  for (const v1::Task& t : job.tasks()) {
    if (t.id() == selector || TaskName(t) == selector) return t;
    bool by_part = !selector.empty() && (t.suite() == selector || t.test_id() == selector);
    if (selector.empty() || by_part || (arch.ok() && t.arch() == *arch)) matches.push_back(&t);
  }
  if (matches.size() == 1) return *matches[0];
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat("job ", job.id(), " has no task ", selector));
  }
  std::vector<std::string> names;
  for (const v1::Task* t : matches) {
    if (names.size() == 10) {
      names.push_back(absl::StrCat("and ", matches.size() - 10, " more"));
      break;
    }
    names.push_back(TaskName(*t));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "job ", job.id(), " has ", matches.size(), " tasks", selector.empty() ? "" : " matching ",
      selector, "; choose one with --task: ", absl::StrJoin(names, ", ")));
}

// The attempt `selector` names: empty for the task's latest, an attempt id,
// or a 1-based attempt number.
absl::StatusOr<std::string> SelectAttempt(const v1::Task& task, const std::string& selector) {
  if (selector.empty()) return task.attempt_id();
  int number = 0;
  for (int i = 0; i < task.attempts_size(); ++i) {
    if (task.attempts(i).id() == selector ||
        (absl::SimpleAtoi(selector, &number) && number == i + 1)) {
      return task.attempts(i).id();
    }
  }
  return absl::NotFoundError(absl::StrCat("task ", task.arch(), " has no attempt ", selector,
                                          " (it has ", task.attempts_size(), ")"));
}

// Idempotency keys are the submitter's own: one submitter's key neither
// blocks another's submit nor reveals its job.
std::string ScopedKey(const Principal& who, const std::string& key) {
  return absl::StrCat(who.name, "\x1f", key);
}

}  // namespace

JobApi::JobApi(Store* store, LogStore* logs, Scheduler* scheduler, const SecretBox* secrets,
               SpecPolicy policy)
    : store_(store),
      logs_(logs),
      scheduler_(scheduler),
      secrets_(secrets),
      policy_(std::move(policy)) {}

absl::StatusOr<Principal> JobApi::Authenticate(absl::string_view authorization) const {
  return AuthenticateBearer(store_, authorization);
}

absl::StatusOr<v1::Job> JobApi::VisibleJob(const Principal& who, const std::string& job_id,
                                           int64_t after_seq, int task_page_size) {
  if (job_id.empty()) return absl::InvalidArgumentError("job id is required");
  RowPage page{after_seq, task_page_size, task_page_size > 0 ? kTaskPageBytes : 0};
  ASSIGN_OR_RETURN(v1::Job job, store_->GetJob(job_id, page));
  job.mutable_spec()->clear_sealed_secrets();
  scheduler_->progress().Fill(&job);
  if (!who.SeesEverything() && job.owner() != who.name) {
    return absl::PermissionDeniedError(absl::StrCat("job ", job_id,
                                                    " was submitted by another token; ", who.name,
                                                    " (submitter) sees only its own jobs"));
  }
  return job;
}

absl::StatusOr<v1::Job> JobApi::Get(const Principal& who, const v1::GetJobRequest& request) {
  ASSIGN_OR_RETURN(RowPage page, ParsePage(request.task_page_token(), request.task_page_size(),
                                           kTaskPageSize, kMaxTaskPageSize));
  ASSIGN_OR_RETURN(v1::Job job, VisibleJob(who, request.job_id(), page.after, page.limit));
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
      needs.arch = task.arch();
      needs.labels.insert(job.spec().required_labels().begin(), job.spec().required_labels().end());
      reason = reasons.emplace(task.arch(), ExplainWait(needs, agents)).first;
    }
    task.set_waiting_reason(reason->second);
  }
  return job;
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
  uint64_t generation = logs_->StateGeneration();
  ASSIGN_OR_RETURN(v1::Job job, Get(who, request));
  const std::string seen = ProgressOf(job);
  while (!IsTerminal(job.state()) && absl::Now() < deadline && !cancelled()) {
    logs_->WaitForStateChange(generation, std::min(deadline - absl::Now(), absl::Seconds(1)));
    RETURN_IF_ERROR(CheckStillValid(store_, who));
    generation = logs_->StateGeneration();
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
  v1::Job job;
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
  absl::Status inserted = store_->InsertJob(job, key.empty() ? key : ScopedKey(who, key));
  if (absl::IsAlreadyExists(inserted) && !key.empty()) {
    return JobForKey(who, key, spec);  // a concurrent submit with the same key won
  }
  RETURN_IF_ERROR(inserted);
  scheduler_->JobSubmitted(job.id());
  Audit(who.name, "job.submit", job.id(), absl::StrJoin(spec.architectures(), ","));
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
  ASSIGN_OR_RETURN(std::string job_id, store_->FindJobByIdempotencyKey(ScopedKey(who, key)));
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
  ASSIGN_OR_RETURN(JobPage page, store_->ListJobs(query));
  v1::ListJobsResponse response;
  for (v1::Job& job : page.jobs) {
    job.mutable_spec()->clear_sealed_secrets();
    scheduler_->progress().Fill(&job);
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
  Audit(who.name, "job.cancel", job.id());
  return after;
}

absl::StatusOr<v1::Task> JobApi::ResolveTask(const Principal& who, const std::string& job_id,
                                             const std::string& selector) {
  ASSIGN_OR_RETURN(v1::Job job, VisibleJob(who, job_id));
  return SelectTask(job, selector);
}

absl::Status JobApi::CheckLogRequest(const Principal& who, const v1::StreamLogsRequest& request) {
  if (request.offset() < 0) return absl::InvalidArgumentError("offset must not be negative");
  RETURN_IF_ERROR(CheckLogChannel(request.channel()));
  ASSIGN_OR_RETURN(v1::Task task, ResolveTask(who, request.job_id(), request.task()));
  return SelectAttempt(task, request.attempt()).status();
}

absl::Status JobApi::StreamLogs(const Principal& who, const v1::StreamLogsRequest& request,
                                const std::function<bool(const v1::LogData&)>& write,
                                const std::function<bool()>& cancelled) {
  RETURN_IF_ERROR(VisibleJob(who, request.job_id()).status());
  RETURN_IF_ERROR(CheckLogChannel(request.channel()));
  const std::string& channel = request.channel();
  int64_t offset = std::max<int64_t>(0, request.offset());
  std::string streaming;  // the attempt being sent
  while (!cancelled()) {
    // A follow outlives neither its token's revocation nor its expiry.
    RETURN_IF_ERROR(CheckStillValid(store_, who));
    uint64_t generation = logs_->Generation();
    ASSIGN_OR_RETURN(v1::Job job, store_->GetJob(request.job_id()));
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
    logs_->WaitForChange(generation, absl::Seconds(1));
  }
  return absl::CancelledError("log reader went away");
}

absl::StatusOr<int64_t> JobApi::SendLogBytes(const std::string& job_id,
                                             const std::string& attempt_id,
                                             const std::string& channel, int64_t offset,
                                             const std::function<bool(const v1::LogData&)>& write) {
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

absl::StatusOr<v1::ListAgentsResponse> JobApi::ListAgents(const Principal& who) {
  RETURN_IF_ERROR(RequireOperator(who, "listing agents"));
  ASSIGN_OR_RETURN(std::vector<AgentRecord> records, store_->ListAgents());
  std::vector<AgentView> connected = scheduler_->ConnectedAgents();
  v1::ListAgentsResponse response;
  for (const AgentRecord& record : records) {
    v1::AgentInfo* info = response.add_agents();
    info->set_id(record.id);
    info->set_hostname(record.hostname);
    info->set_slots(record.slots);
    info->set_last_seen_unix_ms(record.last_seen_ms);
    info->set_revoked(record.revoked);
    info->set_draining(record.draining);
    for (absl::string_view p : absl::StrSplit(record.platforms, ',', absl::SkipEmpty())) {
      info->add_platforms(std::string(p));
    }
    for (absl::string_view kv : absl::StrSplit(record.labels, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> pair = absl::StrSplit(kv, absl::MaxSplits('=', 1));
      (*info->mutable_labels())[pair.first] = pair.second;
    }
    for (const AgentView& view : connected) {
      if (view.id != record.id) continue;
      info->set_connected(true);
      info->set_busy(view.slots - view.credits);
      info->set_draining(view.draining);
      for (const std::string& running : view.running) info->add_running(running);
      *info->mutable_image_store() = view.image_store;
    }
  }
  return response;
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
  Audit(who.name, "join_token.create", "",
        absl::StrCat(uses, " uses, ttl ", absl::FormatDuration(ttl)));
  return response;
}

namespace {

v1::TokenInfo ToInfo(const ApiToken& token) {
  v1::TokenInfo info;
  info.set_id(token.id);
  info.set_name(token.name);
  info.set_role(token.role);
  info.set_created_unix_ms(token.created_ms);
  info.set_expires_unix_ms(token.expires_ms);
  info.set_revoked(token.revoked);
  return info;
}

}  // namespace

void JobApi::Audit(const std::string& actor, const std::string& action, const std::string& target,
                   const std::string& detail) {
  absl::Status status = store_->AppendAudit(
      AuditRecord{absl::ToUnixMillis(absl::Now()), actor, action, target, detail});
  if (!status.ok()) LogLine("audit", status.ToString());
}

absl::StatusOr<v1::CreateTokenResponse> JobApi::CreateToken(const Principal& who,
                                                            const v1::CreateTokenRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(who, "creating API tokens"));
  if (request.ttl_ms() < 0) return absl::InvalidArgumentError("ttl must not be negative");
  ApiToken info;
  ASSIGN_OR_RETURN(std::string token, CreateApiToken(store_, request.name(), request.role(),
                                                     absl::Milliseconds(request.ttl_ms()), &info));
  Audit(who.name, "token.create", info.id, absl::StrCat(info.name, " as ", info.role));
  v1::CreateTokenResponse response;
  response.set_token(token);
  *response.mutable_info() = ToInfo(info);
  return response;
}

absl::StatusOr<v1::ListTokensResponse> JobApi::ListTokens(const Principal& who) {
  RETURN_IF_ERROR(RequireAdmin(who, "listing API tokens"));
  ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, store_->ListApiTokens());
  v1::ListTokensResponse response;
  for (const ApiToken& token : tokens) *response.add_tokens() = ToInfo(token);
  return response;
}

absl::StatusOr<v1::TokenInfo> JobApi::RevokeToken(const Principal& who, const std::string& token) {
  RETURN_IF_ERROR(RequireAdmin(who, "revoking API tokens"));
  if (token.empty()) return absl::InvalidArgumentError("token id or name is required");
  ASSIGN_OR_RETURN(ApiToken revoked, store_->RevokeApiToken(token));
  Audit(who.name, "token.revoke", revoked.id, revoked.name);
  return ToInfo(revoked);
}

absl::StatusOr<v1::AgentInfo> JobApi::AgentInfoFor(const std::string& agent_id) {
  ASSIGN_OR_RETURN(v1::ListAgentsResponse all, ListAgents(Principal{"", "", "admin", ""}));
  for (const v1::AgentInfo& info : all.agents()) {
    if (info.id() == agent_id) return info;
  }
  return absl::NotFoundError(absl::StrCat("agent ", agent_id, " not found"));
}

absl::StatusOr<v1::AgentInfo> JobApi::RevokeAgent(const Principal& who,
                                                  const std::string& agent_id) {
  RETURN_IF_ERROR(RequireOperator(who, "revoking agents"));
  ASSIGN_OR_RETURN(AgentRecord record, store_->GetAgent(agent_id));
  record.revoked = true;
  RETURN_IF_ERROR(store_->UpsertAgent(record));
  scheduler_->RevokeAgent(agent_id);
  scheduler_->Flush();
  Audit(who.name, "agent.revoke", agent_id);
  return AgentInfoFor(agent_id);
}

absl::StatusOr<v1::AgentInfo> JobApi::DrainAgent(const Principal& who, const std::string& agent_id,
                                                 bool undo) {
  RETURN_IF_ERROR(RequireOperator(who, "draining agents"));
  ASSIGN_OR_RETURN(AgentRecord record, store_->GetAgent(agent_id));
  record.draining = !undo;
  RETURN_IF_ERROR(store_->UpsertAgent(record));
  scheduler_->SetDraining(agent_id, !undo);
  scheduler_->Flush();
  Audit(who.name, undo ? "agent.undrain" : "agent.drain", agent_id);
  return AgentInfoFor(agent_id);
}

absl::StatusOr<v1::ListAuditResponse> JobApi::ListAudit(const Principal& who, int limit) {
  RETURN_IF_ERROR(RequireAdmin(who, "reading the audit trail"));
  ASSIGN_OR_RETURN(std::vector<AuditRecord> entries,
                   store_->ListAudit(limit <= 0 ? 100 : std::min(limit, 10000)));
  v1::ListAuditResponse response;
  for (const AuditRecord& e : entries) {
    v1::AuditEntry* out = response.add_entries();
    out->set_unix_ms(e.unix_ms);
    out->set_actor(e.actor);
    out->set_action(e.action);
    out->set_target(e.target);
    out->set_detail(e.detail);
  }
  return response;
}

}  // namespace arena
