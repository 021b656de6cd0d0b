// The REST gateway's request and answer plumbing shared by its routes:
// JSON bodies in (protobuf's JSON mapping, unknown fields refused), JSON
// answers and errors out ({"error", "code"} with the HTTP status of the
// API error), and query parameters checked. Internal to controller/gateway.
// Stateless; thread-safe.
#ifndef ARENA_CONTROLLER_GATEWAY_REST_IO_H_
#define ARENA_CONTROLLER_GATEWAY_REST_IO_H_

#include <httplib.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/api/apis.h"

namespace google::protobuf {
class Message;
}

namespace arena {

class JobAccess;
struct Principal;

void WriteError(httplib::Response& res, const absl::Status& status);
void WriteMessage(httplib::Response& res, const google::protobuf::Message& message);

template <typename T>
void Reply(httplib::Response& res, const absl::StatusOr<T>& result) {
  if (result.ok()) {
    WriteMessage(res, *result);
  } else {
    WriteError(res, result.status());
  }
}

// The body as `message`; InvalidArgument for an empty body or bad JSON.
absl::Status ParseBody(const httplib::Request& req, google::protobuf::Message* message);
// ?NAME=N as a non-negative int; 0 when absent.
absl::StatusOr<int> IntParam(const httplib::Request& req, const char* name);
// ?NAME=true|1.
bool BoolParam(const httplib::Request& req, const char* name);

// What every route's handler may use besides the request.
struct RouteContext {
  Apis apis;
  // Set at shutdown: long polls and log follows end within a second.
  std::shared_ptr<std::atomic<bool>> stopping;
  // Long polls in progress (each holds an HTTP worker).
  std::shared_ptr<std::atomic<int>> waiting;
};

using RouteHandler = void (*)(const RouteContext& ctx, const Principal& who,
                              const httplib::Request& req, httplib::Response& res);

struct Route {
  const char* method;   // GET, POST, DELETE
  const char* pattern;  // httplib's regular expression
  RouteHandler handler;
};

// Every authenticated route (rest_routes.cc).
const std::vector<Route>& AuthenticatedRoutes();

}  // namespace arena

#endif  // ARENA_CONTROLLER_GATEWAY_REST_IO_H_
