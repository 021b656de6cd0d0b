#include "controller/gateway/rest_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <atomic>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/states.h"
#include "controller/api/admin_api.h"
#include "controller/api/job_api.h"
#include "controller/api/log_api.h"
#include "controller/api/results_api.h"
#include "controller/api/session_api.h"
#include "controller/gateway/http_server.h"
#include "controller/gateway/json_writer.h"
#include "controller/gateway/rest_io.h"
#include "controller/metrics/metrics.h"

namespace arena {
namespace {

using google::protobuf::Message;

std::string ToJson(const Message& message) {
  std::string out;
  AppendJson(message, &out);
  out.push_back('\n');
  return out;
}

// __Host-: only this origin over HTTPS may set it, with Path=/ and no
// Domain, so a sibling host cannot plant one.
constexpr char kSessionCookie[] = "__Host-arena_session";

// The value of cookie `name` in the request's Cookie header, or "".
std::string CookieValue(const httplib::Request& req, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(req.get_header_value("Cookie"), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

// Compares in time that depends on the lengths only.
bool SameSecret(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// A bearer token when the request sends one; else its session cookie, with
// the session's CSRF token required on a request that changes something.
absl::StatusOr<Principal> Authenticate(const RouteContext& ctx, const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  const std::string session = CookieValue(req, kSessionCookie);
  if (!authorization.empty() || session.empty() || ctx.apis.sessions == nullptr) {
    return ctx.apis.access->Authenticate(authorization);
  }
  std::string csrf;
  absl::StatusOr<Principal> who = ctx.apis.sessions->Authenticate(session, &csrf);
  if (!who.ok()) return who.status();
  if (req.method != "GET" && !SameSecret(req.get_header_value("X-CSRF-Token"), csrf)) {
    return absl::PermissionDeniedError(
        "a session's request that changes something needs its CSRF token in X-CSRF-Token");
  }
  return who;
}

v1::SessionInfo InfoOf(const Principal& who, const std::string& csrf, absl::Time expires) {
  v1::SessionInfo info;
  info.set_user(who.name);
  info.set_role(who.role);
  info.set_csrf_token(csrf);
  if (expires != absl::InfinitePast()) info.set_expires_unix_ms(absl::ToUnixMillis(expires));
  return info;
}

// POST /api/v1/login, POST /api/v1/logout, GET /api/v1/session: the
// dashboard's password login (controller/api/session_api.h).
void RegisterSessionRoutes(const RouteContext& ctx, httplib::Server* server) {
  server->Post("/api/v1/login", [ctx](const httplib::Request& req, httplib::Response& res) {
    // JSON only: a cross-site form (text/plain) cannot log a browser in.
    if (!absl::StartsWith(req.get_header_value("Content-Type"), "application/json")) {
      return WriteError(res, absl::InvalidArgumentError("a login's body is JSON (Content-Type: "
                                                        "application/json)"));
    }
    v1::LoginRequest request;
    absl::Status parsed = ParseBody(req, &request);
    if (!parsed.ok()) return WriteError(res, parsed);
    absl::StatusOr<Session> session = ctx.apis.sessions->Login(request, req.remote_addr);
    if (!session.ok()) return WriteError(res, session.status());
    res.set_header("Set-Cookie",
                   absl::StrCat(kSessionCookie, "=", session->token,
                                "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=",
                                absl::ToInt64Seconds(ctx.apis.sessions->policy().absolute)));
    WriteMessage(res, InfoOf(session->who, session->csrf, session->expires));
  });
  server->Get("/api/v1/session", [ctx](const httplib::Request& req, httplib::Response& res) {
    std::string csrf;
    absl::StatusOr<Principal> who =
        ctx.apis.sessions->Authenticate(CookieValue(req, kSessionCookie), &csrf);
    if (!who.ok()) return WriteError(res, who.status());
    WriteMessage(res, InfoOf(*who, csrf, absl::InfinitePast()));
  });
  server->Post("/api/v1/logout", [ctx](const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<Principal> who = Authenticate(ctx, req);
    if (!who.ok()) return WriteError(res, who.status());
    if (who->session_hash.empty()) {
      return WriteError(res, absl::InvalidArgumentError("a token has no session to log out of"));
    }
    absl::Status ended = ctx.apis.sessions->Logout(CookieValue(req, kSessionCookie), *who);
    if (!ended.ok()) return WriteError(res, ended);
    res.set_header("Set-Cookie", absl::StrCat(kSessionCookie,
                                              "=; Path=/; HttpOnly; Secure; SameSite=Strict; "
                                              "Max-Age=0"));
    WriteMessage(res, InfoOf(*who, "", absl::InfinitePast()));
  });
}

}  // namespace

void WriteError(httplib::Response& res, const absl::Status& status) {
  v1::ErrorBody body;
  body.set_error(std::string(status.message()));
  body.set_code(absl::StatusCodeToString(status.code()));
  res.status = HttpStatusFor(status);
  res.set_content(ToJson(body), "application/json");
}

void WriteMessage(httplib::Response& res, const Message& message) {
  res.status = 200;
  res.set_content(ToJson(message), "application/json");
}

absl::Status ParseBody(const httplib::Request& req, Message* message) {
  if (req.body.empty()) return absl::InvalidArgumentError("request body is empty; want JSON");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(req.body, message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bad JSON body: ", status.message().ToString()));
  }
  return absl::OkStatus();
}

// ?NAME=N as a non-negative int; 0 when absent.
absl::StatusOr<int> IntParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return 0;
  int value = 0;
  if (!absl::SimpleAtoi(req.get_param_value(name), &value) || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be a non-negative number"));
  }
  return value;
}

bool BoolParam(const httplib::Request& req, const char* name) {
  std::string value = req.get_param_value(name);
  return value == "true" || value == "1";
}

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

absl::StatusOr<v1::SubmitJobRequest> FromSimpleRequest(const v1::SimpleJobRequest& simple) {
  if (simple.test_command().empty()) return absl::InvalidArgumentError("test_command is required");
  if (simple.timeout_seconds() < 0)
    return absl::InvalidArgumentError("timeout_seconds is negative");
  v1::SubmitJobRequest request;
  v1::JobSpec* spec = request.mutable_spec();
  spec->set_repo(simple.repo());
  spec->set_commit(simple.commit());
  spec->set_image(simple.image());
  spec->add_command("sh");
  spec->add_command("-c");
  spec->add_command(simple.test_command());
  *spec->mutable_architectures() = simple.architectures();
  *spec->mutable_env() = simple.env();
  spec->set_timeout_ms(simple.timeout_seconds() * 1000);
  spec->set_retries(simple.retries());
  request.set_idempotency_key(simple.idempotency_key());
  return request;
}

v1::SimpleJobStatus ToSimpleStatus(const v1::Job& job) {
  v1::SimpleJobStatus out;
  out.set_job_id(job.id());
  out.set_status(StateName(job.state()));
  for (const v1::Task& task : job.tasks()) {
    v1::SimpleArchResult& r = (*out.mutable_architectures())[task.arch()];
    r.set_status(StateName(task.state()));
    r.set_exit_code(task.exit_code());
    r.set_duration_ms(static_cast<int32_t>(std::min<int64_t>(task.duration_ms(), INT32_MAX)));
    r.set_agent(task.agent_id());
    r.set_emulated(task.emulated());
    r.set_reason(task.reason());
    r.set_waiting_reason(task.waiting_reason());
    r.set_task_id(task.id());
    r.set_started_unix_ms(task.started_unix_ms());
    r.set_finished_unix_ms(task.finished_unix_ms());
    r.set_attempts(task.attempts_size());
  }
  return out;
}

void RestGateway::Register(httplib::Server* server) {
  Metrics* metrics = metrics_;
  server->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Render(), "text/plain; version=0.0.4");
  });
  server->set_logger([metrics](const httplib::Request&, const httplib::Response& res) {
    if (res.status >= 400) {
      metrics->Add("arena_http_errors_total", 1, {{"code", absl::StrCat(res.status)}});
    }
  });
  RouteContext ctx{apis_, stopping_, std::make_shared<std::atomic<int>>(0)};
  if (apis_.sessions != nullptr) RegisterSessionRoutes(ctx, server);
  for (const Route& route : AuthenticatedRoutes()) {
    RouteHandler handler = route.handler;
    // Every route but /healthz, /metrics and the login runs behind this check.
    auto authed = [ctx, handler](const httplib::Request& req, httplib::Response& res) {
      absl::StatusOr<Principal> who = Authenticate(ctx, req);
      if (!who.ok()) return WriteError(res, who.status());
      handler(ctx, *who, req, res);
      CompressAnswer(req, res);
    };
    std::string method = route.method;
    if (method == "GET") server->Get(route.pattern, authed);
    if (method == "POST") server->Post(route.pattern, authed);
    if (method == "DELETE") server->Delete(route.pattern, authed);
  }
}

}  // namespace arena
