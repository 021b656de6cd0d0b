// AgentService: Enroll (sync, TLS server-auth) and Connect (callback reactor,
// mTLS; the agent id is the client certificate's common name).
// Owned by the Controller; gRPC calls it on its threads; thread-safe.
#ifndef ARENA_CONTROLLER_API_AGENT_SERVICE_H_
#define ARENA_CONTROLLER_API_AGENT_SERVICE_H_

#include "absl/time/time.h"
#include "arena/v1/agent.grpc.pb.h"
#include "common/tls.h"

namespace arena {

class Scheduler;
class Store;

class AgentServiceImpl final
    : public v1::AgentService::WithCallbackMethod_Connect<v1::AgentService::Service> {
 public:
  // All pointers must outlive the service.
  AgentServiceImpl(Store* store, Scheduler* scheduler, const CertifiedKey* ca,
                   absl::Duration cert_validity);

  grpc::Status Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request,
                      v1::EnrollResponse* response) override;
  grpc::ServerBidiReactor<v1::AgentMessage, v1::ControllerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  Store* const store_;
  Scheduler* const scheduler_;
  const CertifiedKey* const ca_;
  const absl::Duration cert_validity_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_AGENT_SERVICE_H_
