#include "controller/gateway/http_server.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"

namespace arena {
namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& host, int port, const std::vector<RouteRegistrar>& routes) {
  std::unique_ptr<HttpServer> http(new HttpServer());
  http->server_ = std::make_unique<httplib::Server>();
  httplib::Server* server = http->server_.get();
  server->set_payload_max_length(kMaxBodyBytes);
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  for (const RouteRegistrar& registrar : routes) registrar(server);
  int bound = port == 0 ? server->bind_to_any_port(host)
                        : (server->bind_to_port(host, port) ? port : -1);
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
