// The controller's HTTP listener (cpp-httplib). Components register their
// routes before it starts serving; requests run on httplib's thread pool.
// Owner: the Controller. Register before Start; Start and Stop from one
// thread; handlers must be thread-safe.
#ifndef ARENA_CONTROLLER_GATEWAY_HTTP_SERVER_H_
#define ARENA_CONTROLLER_GATEWAY_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace arena {

using RouteRegistrar = std::function<void(httplib::Server*)>;

// Compresses a finished answer's body with gzip at a fast level when the
// client accepts it and the body is worth it (JSON or text, 1 KiB to 8 MiB). The server
// never compresses on its own: httplib's brotli runs at its slowest level,
// seconds per megabyte, so an Accept-Encoding of "br" could pin a core.
void CompressAnswer(const httplib::Request& req, httplib::Response& res);

class HttpServer {
 public:
  // Binds host:port (port 0 picks one), registers /healthz and every
  // registrar's routes, and serves on a background thread. With both PEM
  // paths set it serves HTTPS; empty paths mean plain HTTP.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& host, int port, const std::vector<RouteRegistrar>& routes,
      const std::string& cert_path = "", const std::string& key_path = "");
  ~HttpServer();

  int port() const { return port_; }

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  // Set once the listener thread's listen_after_bind has returned.
  std::atomic<bool> listener_done_{false};
  int port_ = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_GATEWAY_HTTP_SERVER_H_
