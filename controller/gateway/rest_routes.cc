// The REST gateway's authenticated routes: one named handler each, from
// the request to a call of the job API and its answer. The gateway
// (rest_gateway.cc) authenticates the caller and compresses the answer.
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arena/v1/admin.pb.h"
#include "arena/v1/rest.pb.h"
#include "arena/v1/results.pb.h"
#include "common/states.h"
#include "controller/api/admin_api.h"
#include "controller/api/job_api.h"
#include "controller/api/log_api.h"
#include "controller/api/results_api.h"
#include "controller/auth/tokens.h"
#include "controller/gateway/rest_gateway.h"
#include "controller/gateway/rest_io.h"

namespace arena {
namespace {

using Request = httplib::Request;
using Response = httplib::Response;

// ---- jobs ----

void SubmitJob(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::SubmitJobRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  if (request.idempotency_key().empty()) {
    request.set_idempotency_key(req.get_header_value("Idempotency-Key"));
  }
  Reply(res, ctx.apis.jobs->Submit(who, request));
}

void ListJobs(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::ListJobsRequest request;
  if (req.has_param("state")) {
    v1::State state = StateFromName(req.get_param_value("state"));
    if (state == v1::STATE_UNSPECIFIED) {
      return WriteError(res, absl::InvalidArgumentError(absl::StrCat(
                                 "unknown state \"", req.get_param_value("state"), "\"")));
    }
    request.set_state(state);
  }
  if (req.has_param("page_size")) {
    int size = 0;
    if (!absl::SimpleAtoi(req.get_param_value("page_size"), &size) || size < 1) {
      return WriteError(res, absl::InvalidArgumentError("page_size must be a positive number"));
    }
    request.set_limit(size);
  }
  request.set_page_token(req.get_param_value("page_token"));
  request.set_owner(req.get_param_value("owner"));
  request.set_arch(req.get_param_value("arch"));
  Reply(res, ctx.apis.jobs->List(who, request));
}

// ?wait_ms=N: the same long poll as GetJob. A waiting request holds an HTTP
// worker (64 in all): past 16 waiting, answers come at once.
void GetJob(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::GetJobRequest request;
  request.set_job_id(req.matches[1]);
  request.set_task_page_token(req.get_param_value("task_page_token"));
  absl::StatusOr<int> page_size = IntParam(req, "task_page_size");
  if (!page_size.ok()) return WriteError(res, page_size.status());
  request.set_task_page_size(*page_size);
  if (!req.has_param("wait_ms")) return Reply(res, ctx.apis.jobs->Get(who, request));
  int64_t wait_ms = 0;
  if (!absl::SimpleAtoi(req.get_param_value("wait_ms"), &wait_ms) || wait_ms < 0) {
    return WriteError(res, absl::InvalidArgumentError("wait_ms must be a non-negative number"));
  }
  if (ctx.waiting->fetch_add(1) >= 16) wait_ms = 0;
  request.set_wait_ms(wait_ms);
  std::shared_ptr<std::atomic<bool>> stopping = ctx.stopping;
  Reply(res, ctx.apis.jobs->WaitForChange(who, request, [stopping] { return stopping->load(); }));
  ctx.waiting->fetch_sub(1);
}

void CancelJob(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  Reply(res, ctx.apis.jobs->Cancel(who, req.matches[1]));
}

// Body (optional): {"failed_only": true}.
void RerunJob(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::RerunJobRequest request;
  if (!req.body.empty()) {
    absl::Status parsed = ParseBody(req, &request);
    if (!parsed.ok()) return WriteError(res, parsed);
  }
  request.set_job_id(req.matches[1]);
  Reply(res, ctx.apis.jobs->Rerun(who, request));
}

// ---- logs, results, artifacts ----

void StreamLogs(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::StreamLogsRequest request;
  request.set_job_id(req.matches[1]);
  request.set_task(req.get_param_value("task"));
  request.set_attempt(req.get_param_value("attempt"));
  request.set_channel(req.get_param_value("channel"));  // "build"
  request.set_follow(BoolParam(req, "follow"));
  if (req.has_param("offset")) {
    int64_t offset = 0;
    if (!absl::SimpleAtoi(req.get_param_value("offset"), &offset) || offset < 0) {
      return WriteError(res, absl::InvalidArgumentError("offset must be a number"));
    }
    request.set_offset(offset);
  }
  absl::Status checked = ctx.apis.logs->CheckLogRequest(who, request);
  if (!checked.ok()) return WriteError(res, checked);
  LogApi* logs = ctx.apis.logs;
  std::shared_ptr<std::atomic<bool>> stopping = ctx.stopping;
  res.set_chunked_content_provider(
      "text/plain; charset=utf-8", [logs, who, request, stopping](size_t, httplib::DataSink& sink) {
        logs->StreamLogs(
                who, request,
                [&sink](const v1::LogData& data) {
                  return sink.write(data.data().data(), data.data().size());
                },
                [&sink, stopping] { return stopping->load() || !sink.is_writable(); })
            .IgnoreError();
        sink.done();
        return true;
      });
}

void ListResults(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::ListResultsRequest request;
  request.set_job_id(req.matches[1]);
  request.set_page_token(req.get_param_value("page_token"));
  absl::StatusOr<int> page_size = IntParam(req, "page_size");
  if (!page_size.ok()) return WriteError(res, page_size.status());
  request.set_page_size(*page_size);
  request.set_failed_only(BoolParam(req, "failed_only"));
  Reply(res, ctx.apis.results->ListResults(who, request));
}

void GetTimeline(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::GetTimelineRequest request;
  request.set_job_id(req.matches[1]);
  Reply(res, ctx.apis.results->GetTimeline(who, request));
}

void GetTestHistory(const RouteContext& ctx, const Principal& who, const Request& req,
                    Response& res) {
  v1::GetTestHistoryRequest request;
  request.set_test_key(req.matches[1]);
  request.set_arch(req.get_param_value("arch"));
  absl::StatusOr<int> runs = IntParam(req, "runs");
  if (!runs.ok()) return WriteError(res, runs.status());
  request.set_runs(*runs);
  Reply(res, ctx.apis.results->GetTestHistory(who, request));
}

void ListArtifacts(const RouteContext& ctx, const Principal& who, const Request& req,
                   Response& res) {
  v1::ListArtifactsRequest request;
  request.set_job_id(req.matches[1]);
  request.set_task(req.get_param_value("task"));
  request.set_page_token(req.get_param_value("page_token"));
  absl::StatusOr<int> page_size = IntParam(req, "page_size");
  if (!page_size.ok()) return WriteError(res, page_size.status());
  request.set_page_size(*page_size);
  Reply(res, ctx.apis.results->ListArtifacts(who, request));
}

// The path may hold slashes: /api/v1/jobs/JOB/artifacts/ATTEMPT/dir/file.
void GetArtifact(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::GetArtifactRequest request;
  request.set_job_id(req.matches[1]);
  request.set_attempt_id(req.matches[2]);
  request.set_path(req.matches[3]);
  std::string body;
  absl::Status read = ctx.apis.results->ReadArtifact(who, request, [&body](absl::string_view data) {
    body.append(data.data(), data.size());
    return true;
  });
  if (!read.ok()) return WriteError(res, read);
  res.set_content(body, "application/octet-stream");
}

void ListFlaky(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::ListFlakyRequest request;
  int runs = 0;
  if (req.has_param("runs") &&
      (!absl::SimpleAtoi(req.get_param_value("runs"), &runs) || runs < 1)) {
    return WriteError(res, absl::InvalidArgumentError("runs must be a positive number"));
  }
  request.set_runs(runs);
  Reply(res, ctx.apis.results->ListFlaky(who, request));
}

void ListQuarantine(const RouteContext& ctx, const Principal& who, const Request&, Response& res) {
  Reply(res, ctx.apis.results->Quarantine(who, v1::QuarantineRequest()));
}

void ChangeQuarantine(const RouteContext& ctx, const Principal& who, const Request& req,
                      Response& res) {
  v1::QuarantineRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  Reply(res, ctx.apis.results->Quarantine(who, request));
}

// ---- agents, tokens, audit ----

void ListAgents(const RouteContext& ctx, const Principal& who, const Request&, Response& res) {
  Reply(res, ctx.apis.jobs->ListAgents(who));
}

void GetFleetHistory(const RouteContext& ctx, const Principal& who, const Request& req,
                     Response& res) {
  v1::GetFleetHistoryRequest request;
  request.set_arch(req.get_param_value("arch"));
  absl::StatusOr<int> hours = IntParam(req, "hours");
  if (!hours.ok()) return WriteError(res, hours.status());
  request.set_hours(*hours);
  Reply(res, ctx.apis.jobs->GetFleetHistory(who, request));
}

void RevokeAgent(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  Reply(res, ctx.apis.admin->RevokeAgent(who, req.matches[1]));
}

void DrainAgent(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  Reply(res, ctx.apis.admin->DrainAgent(who, req.matches[1], req.matches[2] == "undrain"));
}

void CreateJoinToken(const RouteContext& ctx, const Principal& who, const Request& req,
                     Response& res) {
  v1::CreateJoinTokenRequest request;
  if (!req.body.empty()) {
    absl::Status parsed = ParseBody(req, &request);
    if (!parsed.ok()) return WriteError(res, parsed);
  }
  Reply(res, ctx.apis.jobs->CreateJoinToken(who, request));
}

void CreateToken(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::CreateTokenRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  Reply(res, ctx.apis.admin->CreateToken(who, request));
}

void ListTokens(const RouteContext& ctx, const Principal& who, const Request&, Response& res) {
  Reply(res, ctx.apis.admin->ListTokens(who));
}

void RevokeToken(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  Reply(res, ctx.apis.admin->RevokeToken(who, req.matches[1]));
}

// ---- users ----

void CreateUser(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::CreateUserRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  Reply(res, ctx.apis.admin->CreateUser(who, request));
}

void ListUsers(const RouteContext& ctx, const Principal& who, const Request&, Response& res) {
  Reply(res, ctx.apis.admin->ListUsers(who));
}

void DisableUser(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::DisableUserRequest request;
  request.set_name(req.matches[1]);
  request.set_undo(req.matches[2] == "enable");
  Reply(res, ctx.apis.admin->DisableUser(who, request));
}

// Body: {"password": "..."}.
void SetPassword(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  v1::SetPasswordRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  request.set_name(req.matches[1]);
  Reply(res, ctx.apis.admin->SetPassword(who, request));
}

void ListAudit(const RouteContext& ctx, const Principal& who, const Request& req, Response& res) {
  int limit = 100;
  if (req.has_param("limit") && !absl::SimpleAtoi(req.get_param_value("limit"), &limit)) {
    return WriteError(res, absl::InvalidArgumentError("limit must be a number"));
  }
  Reply(res, ctx.apis.admin->ListAudit(who, limit));
}

// ---- credentials: POST a Set*Request, GET the list (never a secret),
// DELETE .../HOST ----

void SetGitCredential(const RouteContext& ctx, const Principal& who, const Request& req,
                      Response& res) {
  v1::SetGitCredentialRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  Reply(res, ctx.apis.admin->SetGitCredential(who, request));
}

void ListGitCredentials(const RouteContext& ctx, const Principal& who, const Request&,
                        Response& res) {
  Reply(res, ctx.apis.admin->ListGitCredentials(who));
}

void DeleteGitCredential(const RouteContext& ctx, const Principal& who, const Request& req,
                         Response& res) {
  Reply(res, ctx.apis.admin->DeleteGitCredential(who, req.matches[1]));
}

void SetRegistryCredential(const RouteContext& ctx, const Principal& who, const Request& req,
                           Response& res) {
  v1::SetRegistryCredentialRequest request;
  absl::Status parsed = ParseBody(req, &request);
  if (!parsed.ok()) return WriteError(res, parsed);
  Reply(res, ctx.apis.admin->SetRegistryCredential(who, request));
}

void ListRegistryCredentials(const RouteContext& ctx, const Principal& who, const Request&,
                             Response& res) {
  Reply(res, ctx.apis.admin->ListRegistryCredentials(who));
}

void DeleteRegistryCredential(const RouteContext& ctx, const Principal& who, const Request& req,
                              Response& res) {
  Reply(res, ctx.apis.admin->DeleteRegistryCredential(who, req.matches[1]));
}

// ---- the minimal shape for curl | jq loops ----

void SubmitSimpleJob(const RouteContext& ctx, const Principal& who, const Request& req,
                     Response& res) {
  v1::SimpleJobRequest simple;
  absl::Status parsed = ParseBody(req, &simple);
  if (!parsed.ok()) return WriteError(res, parsed);
  if (simple.idempotency_key().empty()) {
    simple.set_idempotency_key(req.get_header_value("Idempotency-Key"));
  }
  absl::StatusOr<v1::SubmitJobRequest> request = FromSimpleRequest(simple);
  if (!request.ok()) return WriteError(res, request.status());
  absl::StatusOr<v1::Job> job = ctx.apis.jobs->Submit(who, *request);
  if (!job.ok()) return WriteError(res, job.status());
  v1::SimpleJobCreated created;
  created.set_job_id(job->id());
  WriteMessage(res, created);
}

void GetSimpleJob(const RouteContext& ctx, const Principal& who, const Request& req,
                  Response& res) {
  v1::GetJobRequest request;
  request.set_job_id(req.matches[1]);
  absl::StatusOr<v1::Job> job = ctx.apis.jobs->Get(who, request);
  if (!job.ok()) return WriteError(res, job.status());
  WriteMessage(res, ToSimpleStatus(*job));
}

}  // namespace

const std::vector<Route>& AuthenticatedRoutes() {
  static const std::vector<Route> kRoutes = {
      {"POST", "/api/v1/jobs", SubmitJob},
      {"GET", "/api/v1/jobs", ListJobs},
      {"GET", R"(/api/v1/jobs/([^/]+))", GetJob},
      {"POST", R"(/api/v1/jobs/([^/]+)/cancel)", CancelJob},
      {"POST", R"(/api/v1/jobs/([^/]+)/rerun)", RerunJob},
      {"GET", R"(/api/v1/jobs/([^/]+)/logs)", StreamLogs},
      {"GET", R"(/api/v1/jobs/([^/]+)/results)", ListResults},
      {"GET", R"(/api/v1/jobs/([^/]+)/timeline)", GetTimeline},
      {"GET", R"(/api/v1/jobs/([^/]+)/artifacts)", ListArtifacts},
      {"GET", R"(/api/v1/jobs/([^/]+)/artifacts/([^/]+)/(.+))", GetArtifact},
      {"GET", "/api/v1/flaky", ListFlaky},
      {"GET", R"(/api/v1/tests/(.+)/history)", GetTestHistory},
      {"GET", "/api/v1/quarantine", ListQuarantine},
      {"POST", "/api/v1/quarantine", ChangeQuarantine},
      {"GET", "/api/v1/agents", ListAgents},
      {"GET", "/api/v1/fleet/history", GetFleetHistory},
      {"POST", R"(/api/v1/agents/([^/]+)/revoke)", RevokeAgent},
      {"POST", R"(/api/v1/agents/([^/]+)/(drain|undrain))", DrainAgent},
      {"POST", "/api/v1/join-tokens", CreateJoinToken},
      {"POST", "/api/v1/tokens", CreateToken},
      {"GET", "/api/v1/tokens", ListTokens},
      {"POST", R"(/api/v1/tokens/([^/]+)/revoke)", RevokeToken},
      {"GET", "/api/v1/audit", ListAudit},
      {"POST", "/api/v1/users", CreateUser},
      {"GET", "/api/v1/users", ListUsers},
      {"POST", R"(/api/v1/users/([^/]+)/(disable|enable))", DisableUser},
      {"POST", R"(/api/v1/users/([^/]+)/password)", SetPassword},
      {"POST", "/api/v1/git-credentials", SetGitCredential},
      {"GET", "/api/v1/git-credentials", ListGitCredentials},
      {"DELETE", R"(/api/v1/git-credentials/([^/]+))", DeleteGitCredential},
      {"POST", "/api/v1/registries", SetRegistryCredential},
      {"GET", "/api/v1/registries", ListRegistryCredentials},
      {"DELETE", R"(/api/v1/registries/([^/]+))", DeleteRegistryCredential},
      {"POST", "/jobs", SubmitSimpleJob},
      {"GET", R"(/jobs/([^/]+))", GetSimpleJob},
  };
  return kRoutes;
}

}  // namespace arena
