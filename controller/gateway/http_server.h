// The controller's HTTP side: /healthz now; the REST gateway, dashboard and
// /metrics hang off the same server.
#ifndef ARENA_CONTROLLER_GATEWAY_HTTP_SERVER_H_
#define ARENA_CONTROLLER_GATEWAY_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace arena {

class HttpServer {
 public:
  // Binds host:port (port 0 picks one); serving starts on a background thread.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& host, int port);
  ~HttpServer();

  int port() const { return port_; }

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_GATEWAY_HTTP_SERVER_H_
