// The public gRPC services: JobService (jobs, logs, agents, join tokens) and
// AdminService (API tokens, agent revocation and drain, audit). Each call is
// authenticated from its "authorization" metadata (JobAccess) and handed to
// the API of its service (controller/api/apis.h).
// Owner: the Controller, which registers them with its gRPC server.
// Synchronous handlers on the server's thread pool; thread-safe (no state
// beyond the pointers they were built with).
#ifndef ARENA_CONTROLLER_API_JOB_SERVICE_H_
#define ARENA_CONTROLLER_API_JOB_SERVICE_H_

#include "absl/status/statusor.h"
#include "arena/v1/admin.grpc.pb.h"
#include "arena/v1/jobs.grpc.pb.h"
#include "arena/v1/results.grpc.pb.h"
#include "controller/api/apis.h"
#include "controller/auth/tokens.h"

namespace arena {

class JobAccess;
class Metrics;

// Counts a failed public call in arena_grpc_errors_total{code}; returns it.
grpc::Status Counted(Metrics* metrics, grpc::Status status);

// The caller named by the call's bearer token.
absl::StatusOr<Principal> Caller(const JobAccess& access, grpc::ServerContext* context);

class JobServiceImpl final : public v1::JobService::Service {
 public:
  // The APIs must outlive the service.
  JobServiceImpl(Apis apis, Metrics* metrics = nullptr) : apis_(apis), metrics_(metrics) {}

  grpc::Status SubmitJob(grpc::ServerContext* context, const v1::SubmitJobRequest* request,
                         v1::Job* response) override;
  grpc::Status GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context, const v1::CancelJobRequest* request,
                         v1::Job* response) override;
  grpc::Status StreamLogs(grpc::ServerContext* context, const v1::StreamLogsRequest* request,
                          grpc::ServerWriter<v1::LogData>* writer) override;
  grpc::Status ListAgents(grpc::ServerContext* context, const v1::ListAgentsRequest* request,
                          v1::ListAgentsResponse* response) override;
  grpc::Status CheckCapacity(grpc::ServerContext* context, const v1::CheckCapacityRequest* request,
                             v1::CheckCapacityResponse* response) override;
  grpc::Status RerunJob(grpc::ServerContext* context, const v1::RerunJobRequest* request,
                        v1::Job* response) override;
  grpc::Status GetFleetHistory(grpc::ServerContext* context,
                               const v1::GetFleetHistoryRequest* request,
                               v1::FleetHistory* response) override;
  grpc::Status CreateJoinToken(grpc::ServerContext* context,
                               const v1::CreateJoinTokenRequest* request,
                               v1::CreateJoinTokenResponse* response) override;

 private:
  const Apis apis_;
  Metrics* const metrics_;
};

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // The APIs must outlive the service.
  AdminServiceImpl(Apis apis, Metrics* metrics = nullptr) : apis_(apis), metrics_(metrics) {}

  grpc::Status CreateToken(grpc::ServerContext* context, const v1::CreateTokenRequest* request,
                           v1::CreateTokenResponse* response) override;
  grpc::Status ListTokens(grpc::ServerContext* context, const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* response) override;
  grpc::Status CreateUser(grpc::ServerContext* context, const v1::CreateUserRequest* request,
                          v1::UserInfo* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context, const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status DisableUser(grpc::ServerContext* context, const v1::DisableUserRequest* request,
                           v1::UserInfo* response) override;
  grpc::Status SetPassword(grpc::ServerContext* context, const v1::SetPasswordRequest* request,
                           v1::UserInfo* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context, const v1::RevokeTokenRequest* request,
                           v1::TokenInfo* response) override;
  grpc::Status RevokeAgent(grpc::ServerContext* context, const v1::AgentRequest* request,
                           v1::AgentInfo* response) override;
  grpc::Status DrainAgent(grpc::ServerContext* context, const v1::DrainAgentRequest* request,
                          v1::AgentInfo* response) override;
  grpc::Status ListAudit(grpc::ServerContext* context, const v1::ListAuditRequest* request,
                         v1::ListAuditResponse* response) override;
  grpc::Status SetGitCredential(grpc::ServerContext* context,
                                const v1::SetGitCredentialRequest* request,
                                v1::GitCredentialInfo* response) override;
  grpc::Status ListGitCredentials(grpc::ServerContext* context,
                                  const v1::ListGitCredentialsRequest* request,
                                  v1::ListGitCredentialsResponse* response) override;
  grpc::Status DeleteGitCredential(grpc::ServerContext* context,
                                   const v1::DeleteGitCredentialRequest* request,
                                   v1::GitCredentialInfo* response) override;
  grpc::Status SetRegistryCredential(grpc::ServerContext* context,
                                     const v1::SetRegistryCredentialRequest* request,
                                     v1::RegistryCredentialInfo* response) override;
  grpc::Status ListRegistryCredentials(grpc::ServerContext* context,
                                       const v1::ListRegistryCredentialsRequest* request,
                                       v1::ListRegistryCredentialsResponse* response) override;
  grpc::Status DeleteRegistryCredential(grpc::ServerContext* context,
                                        const v1::DeleteRegistryCredentialRequest* request,
                                        v1::RegistryCredentialInfo* response) override;

 private:
  const Apis apis_;
  Metrics* const metrics_;
};

class ResultsServiceImpl final : public v1::ResultsService::Service {
 public:
  // The APIs must outlive the service.
  ResultsServiceImpl(Apis apis, Metrics* metrics = nullptr) : apis_(apis), metrics_(metrics) {}

  grpc::Status ListResults(grpc::ServerContext* context, const v1::ListResultsRequest* request,
                           v1::ListResultsResponse* response) override;
  grpc::Status ListArtifacts(grpc::ServerContext* context, const v1::ListArtifactsRequest* request,
                             v1::ListArtifactsResponse* response) override;
  grpc::Status GetArtifact(grpc::ServerContext* context, const v1::GetArtifactRequest* request,
                           grpc::ServerWriter<v1::ArtifactData>* writer) override;
  grpc::Status ListFlaky(grpc::ServerContext* context, const v1::ListFlakyRequest* request,
                         v1::ListFlakyResponse* response) override;
  grpc::Status GetTimeline(grpc::ServerContext* context, const v1::GetTimelineRequest* request,
                           v1::Timeline* response) override;
  grpc::Status GetTestHistory(grpc::ServerContext* context,
                              const v1::GetTestHistoryRequest* request,
                              v1::TestHistory* response) override;
  grpc::Status Quarantine(grpc::ServerContext* context, const v1::QuarantineRequest* request,
                          v1::QuarantineResponse* response) override;

 private:
  const Apis apis_;
  Metrics* const metrics_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_JOB_SERVICE_H_
