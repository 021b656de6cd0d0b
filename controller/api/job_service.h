// JobService: the public API arenactl and CI use. Synchronous handlers on the
// server's thread pool; every call needs a bearer token.
#ifndef ARENA_CONTROLLER_API_JOB_SERVICE_H_
#define ARENA_CONTROLLER_API_JOB_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "arena/v1/jobs.grpc.pb.h"

namespace arena {

class LogStore;
class Scheduler;
class Store;

struct JobServiceOptions {
  std::string default_image;
  std::string default_arch;  // when a job names none: the controller's own
};

// Checks and normalises a submitted spec (architectures, defaults, limits).
// Returns InvalidArgument with a message naming the bad field.
absl::StatusOr<v1::JobSpec> ValidateJobSpec(v1::JobSpec spec,
                                            const JobServiceOptions& options);

class JobServiceImpl final : public v1::JobService::Service {
 public:
  // All pointers must outlive the service.
  JobServiceImpl(Store* store, LogStore* logs, Scheduler* scheduler,
                 JobServiceOptions options);

  grpc::Status SubmitJob(grpc::ServerContext* context,
                         const v1::SubmitJobRequest* request,
                         v1::Job* response) override;
  grpc::Status GetJob(grpc::ServerContext* context,
                      const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context,
                         const v1::CancelJobRequest* request,
                         v1::Job* response) override;
  grpc::Status StreamLogs(grpc::ServerContext* context,
                          const v1::StreamLogsRequest* request,
                          grpc::ServerWriter<v1::LogData>* writer) override;
  grpc::Status ListAgents(grpc::ServerContext* context,
                          const v1::ListAgentsRequest* request,
                          v1::ListAgentsResponse* response) override;
  grpc::Status CreateJoinToken(grpc::ServerContext* context,
                               const v1::CreateJoinTokenRequest* request,
                               v1::CreateJoinTokenResponse* response) override;

 private:
  grpc::Status Authenticate(grpc::ServerContext* context);
  // The job with waiting reasons filled in for queued tasks.
  absl::StatusOr<v1::Job> LoadJob(const std::string& job_id);

  Store* const store_;
  LogStore* const logs_;
  Scheduler* const scheduler_;
  const JobServiceOptions options_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_JOB_SERVICE_H_
