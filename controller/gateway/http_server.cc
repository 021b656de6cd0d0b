#include "controller/gateway/http_server.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "arena/v1/rest.pb.h"

namespace {
constexpr size_t kHttpWorkers = 64;
}  // namespace

namespace arena {
namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr size_t kMinCompressBytes = 1024;
constexpr size_t kMaxCompressBytes = 8 << 20;
// The client's Accept-Encoding, moved aside before routing so that httplib
// does not compress by itself (see CompressAnswer).
constexpr const char* kAcceptEncoding = "X-Arena-Accept-Encoding";

// True when an Accept-Encoding value offers gzip with a non-zero quality.
bool AcceptsGzip(absl::string_view header) {
  for (absl::string_view part : absl::StrSplit(header, ',')) {
    std::vector<absl::string_view> fields = absl::StrSplit(part, ';');
    if (absl::StripAsciiWhitespace(fields[0]) != "gzip") continue;
    for (size_t i = 1; i < fields.size(); ++i) {
      absl::string_view q = absl::StripAsciiWhitespace(fields[i]);
      if (absl::ConsumePrefix(&q, "q=")) {
        double quality = 0;
        return absl::SimpleAtod(q, &quality) && quality > 0;
      }
    }
    return true;
  }
  return false;
}

bool Gzip(const std::string& in, std::string* out) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; level 1: fast (well over 100 MB/s).
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out->resize(deflateBound(&z, in.size()) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&z, Z_FINISH);
  out->resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

}  // namespace

void CompressAnswer(const httplib::Request& req, httplib::Response& res) {
  if (res.body.size() < kMinCompressBytes || res.body.size() > kMaxCompressBytes) return;
  if (res.has_header("Content-Encoding") || !AcceptsGzip(req.get_header_value(kAcceptEncoding))) {
    return;
  }
  // JSON and text only: artifacts are often compressed already.
  std::string type = res.get_header_value("Content-Type");
  if (!absl::StartsWith(type, "application/json") && !absl::StartsWith(type, "text/")) return;
  std::string compressed;
  if (!Gzip(res.body, &compressed) || compressed.size() >= res.body.size()) return;
  res.body = std::move(compressed);
  res.set_header("Content-Encoding", "gzip");
  res.set_header("Vary", "Accept-Encoding");
}

namespace {

// httplib would compress answers itself, brotli first at its slowest
// level; the header is moved aside so that only CompressAnswer does.
// (httplib hands handlers a const Request it owns as a mutable local.)
httplib::Server::HandlerResponse NormaliseHeaders(const httplib::Request& req, httplib::Response&) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  auto found = headers.find("Accept-Encoding");
  if (found != headers.end()) {
    std::string value = found->second;
    headers.erase("Accept-Encoding");
    headers.emplace(kAcceptEncoding, std::move(value));
  }
  // Bodies are JSON whatever their declared type: `curl -d` sends a form
  // type, for which httplib would cut the body limit to 8 KiB.
  auto type = headers.find("Content-Type");
  if (type != headers.end() &&
      absl::StartsWithIgnoreCase(type->second, "application/x-www-form-urlencoded")) {
    headers.erase("Content-Type");
    headers.emplace("Content-Type", "application/json");
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

// Errors httplib raises itself (no route, a POST without Content-Length,
// a body over the limit) get a JSON body like the API's own errors.
httplib::Server::HandlerResponse AnswerServerError(const httplib::Request& req,
                                                   httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  std::string message;
  switch (res.status) {
    case 404:
      message = absl::StrCat("no endpoint ", req.method, " ", req.path);
      break;
    case 400:
      message = req.method == "POST" && !req.has_header("Content-Length")
                    ? "bad request (a POST needs a Content-Length; send -d '' for no body)"
                    : "bad request (malformed request line or headers; a line may hold "
                      "at most 8 KiB)";
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
}

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
  server->set_pre_routing_handler(NormaliseHeaders);
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  for (const RouteRegistrar& registrar : routes) registrar(server);
  server->set_error_handler(httplib::Server::HandlerWithResponse(AnswerServerError));
  int bound =
      port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on http ", host, ":", port));
  }
  http->port_ = bound;
  HttpServer* raw = http.get();
  http->thread_ = std::thread([raw, server] {
    server->listen_after_bind();
    raw->listener_done_ = true;
  });
  return http;
}

HttpServer::~HttpServer() {
  // Start may have failed before there was a server (a certificate it could
  // not load).
  if (server_ == nullptr) return;
  // httplib's stop() does nothing until the listener thread has begun to
  // listen: stopping before that would leave the thread accepting forever,
  // so wait for it to run (or to have ended already).
  while (thread_.joinable() && !server_->is_running() && !listener_done_) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace arena
