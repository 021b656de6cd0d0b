// The public job API, independent of transport: the gRPC JobService and the
// REST gateway both call it after authenticating the caller. Thread-safe.
#ifndef ARENA_CONTROLLER_API_JOB_API_H_
#define ARENA_CONTROLLER_API_JOB_API_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/admin.pb.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"
#include "controller/auth/tokens.h"
#include "controller/spec/spec_policy.h"

namespace arena {

class ArtifactStore;
class LogStore;
class Scheduler;
class Store;

class SecretBox;

class JobApi {
 public:
  // All pointers must outlive the API.
  JobApi(Store* store, LogStore* logs, Scheduler* scheduler, const SecretBox* secrets,
         SpecPolicy policy);

  // Checks an "Authorization" header value ("Bearer TOKEN").
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;

  absl::StatusOr<v1::Job> Submit(const Principal& who, const v1::SubmitJobRequest& request);
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
  absl::StatusOr<v1::ListAgentsResponse> ListAgents(const Principal& who);
  absl::StatusOr<v1::CreateJoinTokenResponse> CreateJoinToken(
      const Principal& who, const v1::CreateJoinTokenRequest& request);

  // The task `selector` names (a task id or an architecture; empty when the
  // job has one task).
  absl::StatusOr<v1::Task> ResolveTask(const Principal& who, const std::string& job_id,
                                       const std::string& selector);

  // The task and attempt a log request names, or the error StreamLogs
  // would end with: callers that must answer before streaming check first.
  absl::Status CheckLogRequest(const Principal& who, const v1::StreamLogsRequest& request);

  // Sends one task's log bytes through `write` in order, from the request's
  // offset; with follow, until the task ends. Stops early when `write`
  // returns false or `cancelled` returns true.
  absl::Status StreamLogs(const Principal& who, const v1::StreamLogsRequest& request,
                          const std::function<bool(const v1::LogData&)>& write,
                          const std::function<bool()>& cancelled);

  // Administration (admin.proto). Tokens and the audit trail need the admin
  // role; agents need operator.
  absl::StatusOr<v1::CreateTokenResponse> CreateToken(const Principal& who,
                                                      const v1::CreateTokenRequest& request);
  absl::StatusOr<v1::ListTokensResponse> ListTokens(const Principal& who);
  absl::StatusOr<v1::TokenInfo> RevokeToken(const Principal& who, const std::string& token);
  absl::StatusOr<v1::AgentInfo> RevokeAgent(const Principal& who, const std::string& agent_id);
  absl::StatusOr<v1::AgentInfo> DrainAgent(const Principal& who, const std::string& agent_id,
                                           bool undo);
  absl::StatusOr<v1::ListAuditResponse> ListAudit(const Principal& who, int limit);

  // Private git hosts' credentials (git_credentials_api.cc; operator role).
  absl::StatusOr<v1::GitCredentialInfo> SetGitCredential(
      const Principal& who, const v1::SetGitCredentialRequest& request);
  absl::StatusOr<v1::ListGitCredentialsResponse> ListGitCredentials(const Principal& who);
  absl::StatusOr<v1::GitCredentialInfo> DeleteGitCredential(const Principal& who,
                                                            const std::string& host);
  // Container registries' credentials (registry_credentials_api.cc; operator).
  absl::StatusOr<v1::RegistryCredentialInfo> SetRegistryCredential(
      const Principal& who, const v1::SetRegistryCredentialRequest& request);
  absl::StatusOr<v1::ListRegistryCredentialsResponse> ListRegistryCredentials(const Principal& who);
  absl::StatusOr<v1::RegistryCredentialInfo> DeleteRegistryCredential(const Principal& who,
                                                                      const std::string& host);

  // Test intelligence (results_api.cc). Results and artifacts follow the
  // job's visibility; quarantine changes need the operator role.
  absl::StatusOr<v1::ListResultsResponse> ListResults(const Principal& who,
                                                      const v1::ListResultsRequest& request);
  absl::StatusOr<v1::ListArtifactsResponse> ListArtifacts(const Principal& who,
                                                          const v1::ListArtifactsRequest& request);
  // Sends the artifact's bytes through `write` in chunks.
  absl::Status ReadArtifact(const Principal& who, const v1::GetArtifactRequest& request,
                            const std::function<bool(absl::string_view)>& write);
  absl::StatusOr<v1::ListFlakyResponse> ListFlaky(const Principal& who,
                                                  const v1::ListFlakyRequest& request);
  absl::StatusOr<v1::QuarantineResponse> Quarantine(const Principal& who,
                                                    const v1::QuarantineRequest& request);
  void set_artifacts(ArtifactStore* artifacts) { artifacts_ = artifacts; }

  // Records an action in the audit trail (failures are logged, not fatal).
  void Audit(const std::string& actor, const std::string& action, const std::string& target,
             const std::string& detail = "");

 private:
  // Moves the spec's secret values into its sealed copy.
  absl::Status SealSecrets(v1::JobSpec& spec);
  // The job, if `who` may see it; PermissionDenied for another submitter's.
  // With `task_page_size` > 0, only that many tasks after `after_seq`.
  absl::StatusOr<v1::Job> VisibleJob(const Principal& who, const std::string& job_id,
                                     int64_t after_seq = 0, int task_page_size = 0);
  absl::StatusOr<v1::AgentInfo> AgentInfoFor(const std::string& agent_id);
  // The job created with `key`; AlreadyExists when its spec differs.
  absl::StatusOr<v1::Job> JobForKey(const Principal& who, const std::string& key,
                                    const v1::JobSpec& spec);
  // Sends an attempt's bytes of `channel` from `offset` to its current end.
  absl::StatusOr<int64_t> SendLogBytes(const std::string& job_id, const std::string& attempt_id,
                                       const std::string& channel, int64_t offset,
                                       const std::function<bool(const v1::LogData&)>& write);

  Store* const store_;
  LogStore* const logs_;
  Scheduler* const scheduler_;
  const SecretBox* const secrets_;
  const SpecPolicy policy_;
  ArtifactStore* artifacts_ = nullptr;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_JOB_API_H_
