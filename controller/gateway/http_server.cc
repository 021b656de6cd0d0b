#include "controller/gateway/http_server.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "arena/v1/rest.pb.h"

namespace {
constexpr size_t kHttpWorkers = 64;
}  // namespace

namespace arena {
namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& host, int port, const std::vector<RouteRegistrar>& routes,
    const std::string& cert_path, const std::string& key_path) {
  std::unique_ptr<HttpServer> http(new HttpServer());
  if (cert_path.empty()) {
    http->server_ = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(cert_path.c_str(), key_path.c_str());
    if (!tls->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("cannot load ", cert_path, " for HTTPS"));
    }
    http->server_ = std::move(tls);
  }
  httplib::Server* server = http->server_.get();
  // Keep-alive connections each hold a worker while open: enough workers for
  // a CI fleet's pollers and the dashboard, and a bounded number of requests
  // per connection.
  server->new_task_queue = [] { return new httplib::ThreadPool(kHttpWorkers); };
  server->set_keep_alive_max_count(1000);
  // Small answers go out at once (Nagle with delayed ACKs held each one ~40 ms).
  server->set_tcp_nodelay(true);
  server->set_payload_max_length(kMaxBodyBytes);
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  for (const RouteRegistrar& registrar : routes) registrar(server);
  // Errors httplib raises itself (no route, a POST without Content-Length,
  // a body over the limit) get a JSON body like the API's own errors.
  server->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        switch (res.status) {
          case 404:
            message = absl::StrCat("no endpoint ", req.method, " ", req.path);
            break;
          case 400:
            message =
                "bad request (a POST needs a Content-Length; send -d '' for no "
                "body)";
            break;
          case 413:
            message = "request body is larger than 1 MiB";
            break;
          default:
            message = absl::StrCat("HTTP ", res.status);
        }
        v1::ErrorBody body;
        body.set_error(message);
        body.set_code(absl::StrCat("HTTP_", res.status));
        std::string json;
        (void)google::protobuf::util::MessageToJsonString(body, &json);
        res.set_content(json + "\n", "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  int bound =
      port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on http ", host, ":", port));
  }
  http->port_ = bound;
  http->thread_ = std::thread([server] { server->listen_after_bind(); });
  return http;
}

HttpServer::~HttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace arena
