// What every API shares: who a caller is (its bearer token), which jobs it
// may see, how a task or attempt is named, and the audit trail. Owned by the
// Controller beside the APIs, which hold a pointer; thread-safe (it keeps no
// state of its own; the store and the scheduler are thread-safe).
#ifndef ARENA_CONTROLLER_API_JOB_ACCESS_H_
#define ARENA_CONTROLLER_API_JOB_ACCESS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"
#include "controller/auth/tokens.h"

namespace arena {

class Scheduler;
class Store;

class JobAccess {
 public:
  // Both must outlive this.
  JobAccess(Store* store, Scheduler* scheduler) : store_(store), scheduler_(scheduler) {}

  // Checks an "Authorization" header value ("Bearer TOKEN").
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;
  // The job, if `who` may see it (sealed secrets removed, live progress
  // filled in); PermissionDenied for another submitter's. With
  // `task_page_size` > 0, only that many tasks after `after_seq`.
  absl::StatusOr<v1::Job> VisibleJob(const Principal& who, const std::string& job_id,
                                     int64_t after_seq = 0, int task_page_size = 0) const;
  // The visible job's task `selector` names (SelectTask).
  absl::StatusOr<v1::Task> ResolveTask(const Principal& who, const std::string& job_id,
                                       const std::string& selector) const;
  // Records an action in the audit trail (failures are logged, not fatal).
  void Audit(const std::string& actor, const std::string& action, const std::string& target,
             const std::string& detail = "") const;

  Store* store() const { return store_; }
  Scheduler* scheduler() const { return scheduler_; }

 private:
  Store* const store_;
  Scheduler* const scheduler_;
};

// Every known agent with its live state (connected, busy, running
// attempts, image store). The caller checks the role.
absl::StatusOr<v1::ListAgentsResponse> DescribeAgents(const JobAccess& access);

// The task a --task selector names: a task id, a task's name ("arm64",
// "arm64/unit", a suite or a test id), or empty when the job has exactly one
// task. InvalidArgument listing the candidates when it names several.
absl::StatusOr<v1::Task> SelectTask(const v1::Job& job, const std::string& selector);

// The attempt `selector` names: empty for the task's latest, an attempt id,
// or a 1-based attempt number. For a test run in a batch, the batch's
// attempt: its log and files are that one's.
absl::StatusOr<std::string> SelectAttempt(const v1::Task& task, const std::string& selector);

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_JOB_ACCESS_H_
