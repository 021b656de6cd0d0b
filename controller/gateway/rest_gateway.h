// The REST gateway: the public job API as JSON over HTTP (protobuf's JSON
// mapping of the gRPC messages) under /api/v1, plus the minimal
// POST /jobs, GET /jobs/{id} shape shell-based CI loops use.
// Auth: "Authorization: Bearer TOKEN" on every route but /healthz.
#ifndef ARENA_CONTROLLER_GATEWAY_REST_GATEWAY_H_
#define ARENA_CONTROLLER_GATEWAY_REST_GATEWAY_H_

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/rest.pb.h"
#include "controller/api/apis.h"

namespace httplib {
class Server;
}

namespace arena {

class JobAccess;
class Metrics;

// HTTP status for an API error: 400, 401, 403, 404, 409, 503, 500...
int HttpStatusFor(const absl::Status& status);

// The minimal CI shape, converted to and from the API's messages.
absl::StatusOr<v1::SubmitJobRequest> FromSimpleRequest(const v1::SimpleJobRequest& simple);
v1::SimpleJobStatus ToSimpleStatus(const v1::Job& job);

class RestGateway {
 public:
  // `api` and `metrics` must outlive the gateway and the server it
  // registers on. /metrics needs no token (Prometheus scrapes it).
  RestGateway(Apis apis, Metrics* metrics) : apis_(apis), metrics_(metrics) {}

  void Register(httplib::Server* server);
  // Ends long polls and log follows (within a second), so that the HTTP
  // server's workers are free when it stops.
  void Stop() { stopping_->store(true); }

 private:
  const Apis apis_;
  Metrics* const metrics_;
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_GATEWAY_REST_GATEWAY_H_
