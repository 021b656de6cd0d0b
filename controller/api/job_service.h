// JobService over gRPC: authenticates each call from its metadata and hands
// it to JobApi. Synchronous handlers on the server's thread pool.
#ifndef ARENA_CONTROLLER_API_JOB_SERVICE_H_
#define ARENA_CONTROLLER_API_JOB_SERVICE_H_

#include "arena/v1/jobs.grpc.pb.h"

namespace arena {

class JobApi;

class JobServiceImpl final : public v1::JobService::Service {
 public:
  // `api` must outlive the service.
  explicit JobServiceImpl(JobApi* api) : api_(api) {}

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
  grpc::Status CreateJoinToken(grpc::ServerContext* context,
                               const v1::CreateJoinTokenRequest* request,
                               v1::CreateJoinTokenResponse* response) override;

 private:
  grpc::Status Authenticate(grpc::ServerContext* context);

  JobApi* const api_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_JOB_SERVICE_H_
