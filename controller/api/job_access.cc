#include "controller/api/job_access.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/arch.h"
#include "common/logging.h"
#include "common/states.h"
#include "common/status_macros.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int64_t kTaskPageBytes = 2 << 20;

}  // namespace

absl::StatusOr<Principal> JobAccess::Authenticate(absl::string_view authorization) const {
  return AuthenticateBearer(store_, authorization);
}

absl::StatusOr<v1::Job> JobAccess::VisibleJob(const Principal& who, const std::string& job_id,
                                              int64_t after_seq, int task_page_size) const {
  if (job_id.empty()) return absl::InvalidArgumentError("job id is required");
  RowPage page{after_seq, task_page_size, task_page_size > 0 ? kTaskPageBytes : 0};
  ASSIGN_OR_RETURN(v1::Job job, store_->jobs().GetJob(job_id, page));
  job.mutable_spec()->clear_sealed_secrets();
  scheduler_->progress().Fill(&job);
  scheduler_->work().Fill(&job);
  if (!who.SeesEverything() && job.owner() != who.name) {
    return absl::PermissionDeniedError(
        absl::StrCat("job ", job_id, " was submitted by another token or user; ", who.name,
                     " (submitter) sees only its own jobs"));
  }
  return job;
}

absl::StatusOr<v1::Task> JobAccess::ResolveTask(const Principal& who, const std::string& job_id,
                                                const std::string& selector) const {
  ASSIGN_OR_RETURN(v1::Job job, VisibleJob(who, job_id));
  return SelectTask(job, selector);
}

void JobAccess::Audit(const std::string& actor, const std::string& action,
                      const std::string& target, const std::string& detail) const {
  absl::Status status = store_->access().AppendAudit(
      AuditRecord{absl::ToUnixMillis(absl::Now()), actor, action, target, detail});
  if (!status.ok()) LogLine("audit", status.ToString());
}

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
  int number = 0;
  for (int i = 0; i < task.attempts_size(); ++i) {
    const v1::Attempt& a = task.attempts(i);
    if ((selector.empty() && a.id() == task.attempt_id()) || a.id() == selector ||
        (absl::SimpleAtoi(selector, &number) && number == i + 1)) {
      return a.batch_attempt_id().empty() ? a.id() : a.batch_attempt_id();
    }
  }
  if (selector.empty()) return task.attempt_id();
  return absl::NotFoundError(absl::StrCat("task ", task.arch(), " has no attempt ", selector,
                                          " (it has ", task.attempts_size(), ")"));
}

absl::StatusOr<v1::ListAgentsResponse> DescribeAgents(const JobAccess& access) {
  ASSIGN_OR_RETURN(std::vector<AgentRecord> records, access.store()->access().ListAgents());
  std::vector<AgentView> connected = access.scheduler()->ConnectedAgents();
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
      info->set_executor(view.executor);
      info->set_health(view.healthy ? "healthy" : "unhealthy");
      info->set_health_problem(view.health_problem);
      info->set_health_checked_unix_ms(view.health_checked_ms);
    }
  }
  return response;
}

}  // namespace arena
