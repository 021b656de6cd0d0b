// The public job API, independent of transport: the gRPC JobService and the
// REST gateway both call it after authenticating the caller (JobAccess).
// Logs are LogApi's, administration AdminApi's, results ResultsApi's.
// Owned by the Controller; thread-safe.
#ifndef ARENA_CONTROLLER_API_JOB_API_H_
#define ARENA_CONTROLLER_API_JOB_API_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"
#include "controller/api/job_access.h"
#include "controller/auth/tokens.h"
#include "controller/spec/spec_policy.h"

namespace arena {

class Scheduler;
class Store;

class JobEvents;
class SecretBox;

// jobs.proto's JobService but its logs (LogApi): submit, read, wait for,
// list and cancel jobs; agents and join tokens. Thread-safe.
class JobApi {
 public:
  // All pointers must outlive the API. `events` tells it when jobs change.
  JobApi(const JobAccess* access, const JobEvents* events, const SecretBox* secrets,
         SpecPolicy policy);

  absl::StatusOr<v1::Job> Submit(const Principal& who, const v1::SubmitJobRequest& request);
  // A new job, the caller's, with the visible job's spec or only what of it
  // failed (rerun_spec.h); the two name each other (rerun_of, reruns).
  absl::StatusOr<v1::Job> Rerun(const Principal& who, const v1::RerunJobRequest& request);
  // The job with one page of its tasks (the request's task page), waiting
  // reasons filled in for queued tasks. `wait_ms` is not looked at.
  absl::StatusOr<v1::Job> Get(const Principal& who, const v1::GetJobRequest& request);
  // The job with its first page of tasks.
  absl::StatusOr<v1::Job> Get(const Principal& who, const std::string& job_id) {
    v1::GetJobRequest request;
    request.set_job_id(job_id);
    return Get(who, request);
  }
  // Get, answered when the job changes (after the request's wait_ms at the
  // latest, at most 60 s) or `cancelled` turns true.
  absl::StatusOr<v1::Job> WaitForChange(const Principal& who, const v1::GetJobRequest& request,
                                        const std::function<bool()>& cancelled);
  absl::StatusOr<v1::ListJobsResponse> List(const Principal& who,
                                            const v1::ListJobsRequest& request);
  absl::StatusOr<v1::Job> Cancel(const Principal& who, const std::string& job_id);
  // Operator role.
  absl::StatusOr<v1::ListAgentsResponse> ListAgents(const Principal& who);
  // Any role: the caller and, per architecture, how many agents could take
  // a task with the labels now (counts only, no agent names).
  absl::StatusOr<v1::CheckCapacityResponse> CheckCapacity(const Principal& who,
                                                          const v1::CheckCapacityRequest& request);
  // Any role: the fleet's samples over the last `hours` (1 to 168, 0: 6),
  // of one architecture or every one.
  absl::StatusOr<v1::FleetHistory> GetFleetHistory(const Principal& who,
                                                   const v1::GetFleetHistoryRequest& request);
  absl::StatusOr<v1::CreateJoinTokenResponse> CreateJoinToken(
      const Principal& who, const v1::CreateJoinTokenRequest& request);

  // The task `selector` names (a task id or an architecture; empty when the
  // job has one task).
  absl::StatusOr<v1::Task> ResolveTask(const Principal& who, const std::string& job_id,
                                       const std::string& selector);

 private:
  // Moves the spec's secret values into its sealed copy.
  absl::Status SealSecrets(v1::JobSpec& spec);
  // The job's Allure upload state, when it names a project.
  absl::Status FillAllure(v1::Job* job);
  // The job created with `key`; AlreadyExists when its spec differs.
  absl::StatusOr<v1::Job> JobForKey(const Principal& who, const std::string& key,
                                    const v1::JobSpec& spec);
  // Stores a job of the checked `spec` (its secrets sealed), owned by
  // `who`, fanned out into tasks, and hands it to the scheduler.
  absl::StatusOr<v1::Job> Enqueue(const Principal& who, const v1::JobSpec& spec,
                                  const std::string& key, const std::string& rerun_of);

  const JobAccess* const access_;
  Store* const store_;
  Scheduler* const scheduler_;
  const JobEvents* const events_;
  const SecretBox* const secrets_;
  const SpecPolicy policy_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_JOB_API_H_
