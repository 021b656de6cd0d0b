#include "controller/api/job_service.h"

#include "absl/status/status.h"
#include "controller/api/admin_api.h"
#include "controller/api/grpc_status.h"
#include "controller/api/job_api.h"
#include "controller/api/log_api.h"
#include "controller/api/results_api.h"
#include "controller/metrics/metrics.h"

namespace arena {

absl::StatusOr<Principal> Caller(const JobAccess& api, grpc::ServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  std::string header;
  if (it != metadata.end()) header.assign(it->second.data(), it->second.size());
  return api.Authenticate(header);
}

namespace {

// Authenticates, runs `call` with the caller, and copies its result out.
template <typename T, typename Call>
grpc::Status Serve(const JobAccess& api, Metrics* metrics, grpc::ServerContext* context,
                   T* response, Call call) {
  absl::StatusOr<Principal> who = Caller(api, context);
  if (!who.ok()) return Counted(metrics, ToGrpc(who.status()));
  absl::StatusOr<T> result = call(*who);
  if (!result.ok()) return Counted(metrics, ToGrpc(result.status()));
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status Counted(Metrics* metrics, grpc::Status status) {
  if (!status.ok() && metrics != nullptr) {
    metrics->Add(
        "arena_grpc_errors_total", 1,
        {{"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))}});
  }
  return status;
}

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* context,
                                       const v1::SubmitJobRequest* request, v1::Job* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->Submit(who, *request); });
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                                    v1::Job* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    if (request->wait_ms() < 0) {
      return absl::StatusOr<v1::Job>(absl::InvalidArgumentError("wait_ms must not be negative"));
    }
    if (request->wait_ms() == 0) return apis_.jobs->Get(who, *request);
    return apis_.jobs->WaitForChange(who, *request, [context] { return context->IsCancelled(); });
  });
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->List(who, *request); });
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* context,
                                       const v1::CancelJobRequest* request, v1::Job* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->Cancel(who, request->job_id()); });
}

grpc::Status JobServiceImpl::StreamLogs(grpc::ServerContext* context,
                                        const v1::StreamLogsRequest* request,
                                        grpc::ServerWriter<v1::LogData>* writer) {
  absl::StatusOr<Principal> who = Caller(*apis_.access, context);
  if (!who.ok()) return Counted(metrics_, ToGrpc(who.status()));
  return Counted(metrics_, ToGrpc(apis_.logs->StreamLogs(
                               *who, *request,
                               [writer](const v1::LogData& data) { return writer->Write(data); },
                               [context] { return context->IsCancelled(); })));
}

grpc::Status JobServiceImpl::ListAgents(grpc::ServerContext* context,
                                        const v1::ListAgentsRequest* request,
                                        v1::ListAgentsResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->ListAgents(who); });
}

grpc::Status JobServiceImpl::CheckCapacity(grpc::ServerContext* context,
                                           const v1::CheckCapacityRequest* request,
                                           v1::CheckCapacityResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->CheckCapacity(who, *request); });
}

grpc::Status JobServiceImpl::RerunJob(grpc::ServerContext* context,
                                      const v1::RerunJobRequest* request, v1::Job* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->Rerun(who, *request); });
}

grpc::Status JobServiceImpl::GetFleetHistory(grpc::ServerContext* context,
                                             const v1::GetFleetHistoryRequest* request,
                                             v1::FleetHistory* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->GetFleetHistory(who, *request); });
}

grpc::Status JobServiceImpl::CreateJoinToken(grpc::ServerContext* context,
                                             const v1::CreateJoinTokenRequest* request,
                                             v1::CreateJoinTokenResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.jobs->CreateJoinToken(who, *request); });
}

grpc::Status AdminServiceImpl::CreateToken(grpc::ServerContext* context,
                                           const v1::CreateTokenRequest* request,
                                           v1::CreateTokenResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->CreateToken(who, *request); });
}

grpc::Status AdminServiceImpl::CreateUser(grpc::ServerContext* context,
                                          const v1::CreateUserRequest* request,
                                          v1::UserInfo* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->CreateUser(who, *request); });
}

grpc::Status AdminServiceImpl::ListUsers(grpc::ServerContext* context, const v1::ListUsersRequest*,
                                         v1::ListUsersResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->ListUsers(who); });
}

grpc::Status AdminServiceImpl::DisableUser(grpc::ServerContext* context,
                                           const v1::DisableUserRequest* request,
                                           v1::UserInfo* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->DisableUser(who, *request); });
}

grpc::Status AdminServiceImpl::SetPassword(grpc::ServerContext* context,
                                           const v1::SetPasswordRequest* request,
                                           v1::UserInfo* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->SetPassword(who, *request); });
}

grpc::Status AdminServiceImpl::ListTokens(grpc::ServerContext* context,
                                          const v1::ListTokensRequest* request,
                                          v1::ListTokensResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->ListTokens(who); });
}

grpc::Status AdminServiceImpl::RevokeToken(grpc::ServerContext* context,
                                           const v1::RevokeTokenRequest* request,
                                           v1::TokenInfo* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    return apis_.admin->RevokeToken(who, request->token());
  });
}

grpc::Status AdminServiceImpl::RevokeAgent(grpc::ServerContext* context,
                                           const v1::AgentRequest* request,
                                           v1::AgentInfo* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    return apis_.admin->RevokeAgent(who, request->agent_id());
  });
}

grpc::Status AdminServiceImpl::DrainAgent(grpc::ServerContext* context,
                                          const v1::DrainAgentRequest* request,
                                          v1::AgentInfo* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    return apis_.admin->DrainAgent(who, request->agent_id(), request->undo());
  });
}

grpc::Status AdminServiceImpl::ListAudit(grpc::ServerContext* context,
                                         const v1::ListAuditRequest* request,
                                         v1::ListAuditResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->ListAudit(who, request->limit()); });
}

grpc::Status AdminServiceImpl::SetGitCredential(grpc::ServerContext* context,
                                                const v1::SetGitCredentialRequest* request,
                                                v1::GitCredentialInfo* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->SetGitCredential(who, *request); });
}

grpc::Status AdminServiceImpl::ListGitCredentials(grpc::ServerContext* context,
                                                  const v1::ListGitCredentialsRequest* request,
                                                  v1::ListGitCredentialsResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->ListGitCredentials(who); });
}

grpc::Status AdminServiceImpl::DeleteGitCredential(grpc::ServerContext* context,
                                                   const v1::DeleteGitCredentialRequest* request,
                                                   v1::GitCredentialInfo* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    return apis_.admin->DeleteGitCredential(who, request->host());
  });
}

grpc::Status AdminServiceImpl::SetRegistryCredential(
    grpc::ServerContext* context, const v1::SetRegistryCredentialRequest* request,
    v1::RegistryCredentialInfo* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    return apis_.admin->SetRegistryCredential(who, *request);
  });
}

grpc::Status AdminServiceImpl::ListRegistryCredentials(
    grpc::ServerContext* context, const v1::ListRegistryCredentialsRequest* request,
    v1::ListRegistryCredentialsResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.admin->ListRegistryCredentials(who); });
}

grpc::Status AdminServiceImpl::DeleteRegistryCredential(
    grpc::ServerContext* context, const v1::DeleteRegistryCredentialRequest* request,
    v1::RegistryCredentialInfo* response) {
  return Serve(*apis_.access, metrics_, context, response, [&](const Principal& who) {
    return apis_.admin->DeleteRegistryCredential(who, request->host());
  });
}

grpc::Status ResultsServiceImpl::ListResults(grpc::ServerContext* context,
                                             const v1::ListResultsRequest* request,
                                             v1::ListResultsResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.results->ListResults(who, *request); });
}

grpc::Status ResultsServiceImpl::ListArtifacts(grpc::ServerContext* context,
                                               const v1::ListArtifactsRequest* request,
                                               v1::ListArtifactsResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.results->ListArtifacts(who, *request); });
}

grpc::Status ResultsServiceImpl::GetArtifact(grpc::ServerContext* context,
                                             const v1::GetArtifactRequest* request,
                                             grpc::ServerWriter<v1::ArtifactData>* writer) {
  absl::StatusOr<Principal> who = Caller(*apis_.access, context);
  if (!who.ok()) return Counted(metrics_, ToGrpc(who.status()));
  return Counted(metrics_, ToGrpc(apis_.results->ReadArtifact(*who, *request,
                                                              [writer](absl::string_view data) {
                                                                v1::ArtifactData chunk;
                                                                chunk.set_data(std::string(data));
                                                                return writer->Write(chunk);
                                                              })));
}

grpc::Status ResultsServiceImpl::ListFlaky(grpc::ServerContext* context,
                                           const v1::ListFlakyRequest* request,
                                           v1::ListFlakyResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.results->ListFlaky(who, *request); });
}

grpc::Status ResultsServiceImpl::GetTimeline(grpc::ServerContext* context,
                                             const v1::GetTimelineRequest* request,
                                             v1::Timeline* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.results->GetTimeline(who, *request); });
}

grpc::Status ResultsServiceImpl::GetTestHistory(grpc::ServerContext* context,
                                                const v1::GetTestHistoryRequest* request,
                                                v1::TestHistory* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.results->GetTestHistory(who, *request); });
}

grpc::Status ResultsServiceImpl::Quarantine(grpc::ServerContext* context,
                                            const v1::QuarantineRequest* request,
                                            v1::QuarantineResponse* response) {
  return Serve(*apis_.access, metrics_, context, response,
               [&](const Principal& who) { return apis_.results->Quarantine(who, *request); });
}

}  // namespace arena
