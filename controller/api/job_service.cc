#include "controller/api/job_service.h"

#include "controller/api/grpc_status.h"
#include "controller/api/job_api.h"

namespace arena {
namespace {

// Copies a successful result into the response, or returns its error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpc(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status JobServiceImpl::Authenticate(grpc::ServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  std::string header;
  if (it != metadata.end()) header.assign(it->second.data(), it->second.size());
  return ToGrpc(api_->Authenticate(header).status());
}

grpc::Status JobServiceImpl::SubmitJob(grpc::ServerContext* context,
                                       const v1::SubmitJobRequest* request, v1::Job* response) {
  grpc::Status auth = Authenticate(context);
  return auth.ok() ? Reply(api_->Submit(*request), response) : auth;
}

grpc::Status JobServiceImpl::GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                                    v1::Job* response) {
  grpc::Status auth = Authenticate(context);
  return auth.ok() ? Reply(api_->Get(request->job_id()), response) : auth;
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  grpc::Status auth = Authenticate(context);
  return auth.ok() ? Reply(api_->List(*request), response) : auth;
}

grpc::Status JobServiceImpl::CancelJob(grpc::ServerContext* context,
                                       const v1::CancelJobRequest* request, v1::Job* response) {
  grpc::Status auth = Authenticate(context);
  return auth.ok() ? Reply(api_->Cancel(request->job_id()), response) : auth;
}

grpc::Status JobServiceImpl::StreamLogs(grpc::ServerContext* context,
                                        const v1::StreamLogsRequest* request,
                                        grpc::ServerWriter<v1::LogData>* writer) {
  grpc::Status auth = Authenticate(context);
  if (!auth.ok()) return auth;
  return ToGrpc(api_->StreamLogs(
      *request, [writer](const v1::LogData& data) { return writer->Write(data); },
      [context] { return context->IsCancelled(); }));
}

grpc::Status JobServiceImpl::ListAgents(grpc::ServerContext* context,
                                        const v1::ListAgentsRequest* request,
                                        v1::ListAgentsResponse* response) {
  grpc::Status auth = Authenticate(context);
  return auth.ok() ? Reply(api_->ListAgents(), response) : auth;
}

grpc::Status JobServiceImpl::CreateJoinToken(grpc::ServerContext* context,
                                             const v1::CreateJoinTokenRequest* request,
                                             v1::CreateJoinTokenResponse* response) {
  grpc::Status auth = Authenticate(context);
  return auth.ok() ? Reply(api_->CreateJoinToken(*request), response) : auth;
}

}  // namespace arena
