// absl::Status <-> grpc::Status.
// Pure functions: thread-safe.
#ifndef ARENA_CONTROLLER_API_GRPC_STATUS_H_
#define ARENA_CONTROLLER_API_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace arena {

inline grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_GRPC_STATUS_H_
