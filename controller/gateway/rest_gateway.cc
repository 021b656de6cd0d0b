#include "controller/gateway/rest_gateway.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <atomic>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/states.h"
#include "controller/api/job_api.h"
#include "controller/gateway/http_server.h"
#include "controller/gateway/json_writer.h"
#include "controller/gateway/metrics.h"

namespace arena {
namespace {

using google::protobuf::Message;

const char* CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    default:
      return "INTERNAL";
  }
}

std::string ToJson(const Message& message) {
  std::string out;
  AppendJson(message, &out);
  out.push_back('\n');
  return out;
}

void WriteError(httplib::Response& res, const absl::Status& status) {
  v1::ErrorBody body;
  body.set_error(std::string(status.message()));
  body.set_code(CodeName(status.code()));
  res.status = HttpStatusFor(status);
  res.set_content(ToJson(body), "application/json");
}

void WriteMessage(httplib::Response& res, const Message& message) {
  res.status = 200;
  res.set_content(ToJson(message), "application/json");
}

template <typename T>
void Reply(httplib::Response& res, const absl::StatusOr<T>& result) {
  if (result.ok()) {
    WriteMessage(res, *result);
  } else {
    WriteError(res, result.status());
  }
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

}  // namespace

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

namespace {

using AuthedHandler =
    std::function<void(const Principal&, const httplib::Request&, httplib::Response&)>;
using Authed = std::function<httplib::Server::Handler(AuthedHandler)>;

// /api/v1/git-credentials: POST a SetGitCredentialRequest, GET the list
// (hosts, kinds, usernames), DELETE /api/v1/git-credentials/HOST.
void RegisterGitCredentials(httplib::Server* server, JobApi* api, const Authed& authed) {
  server->Post(
      "/api/v1/git-credentials",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::SetGitCredentialRequest request;
        absl::Status parsed = ParseBody(req, &request);
        if (!parsed.ok()) return WriteError(res, parsed);
        Reply(res, api->SetGitCredential(who, request));
      }));
  server->Get("/api/v1/git-credentials",
              authed([api](const Principal& who, const httplib::Request&, httplib::Response& res) {
                Reply(res, api->ListGitCredentials(who));
              }));
  server->Delete(
      R"(/api/v1/git-credentials/([^/]+))",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        Reply(res, api->DeleteGitCredential(who, req.matches[1]));
      }));
}

// /api/v1/registries: POST a SetRegistryCredentialRequest, GET the list
// (hosts and usernames), DELETE /api/v1/registries/HOST.
void RegisterRegistryCredentials(httplib::Server* server, JobApi* api, const Authed& authed) {
  server->Post(
      "/api/v1/registries",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::SetRegistryCredentialRequest request;
        absl::Status parsed = ParseBody(req, &request);
        if (!parsed.ok()) return WriteError(res, parsed);
        Reply(res, api->SetRegistryCredential(who, request));
      }));
  server->Get("/api/v1/registries",
              authed([api](const Principal& who, const httplib::Request&, httplib::Response& res) {
                Reply(res, api->ListRegistryCredentials(who));
              }));
  server->Delete(
      R"(/api/v1/registries/([^/]+))",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        Reply(res, api->DeleteRegistryCredential(who, req.matches[1]));
      }));
}

}  // namespace

void RestGateway::Register(httplib::Server* server) {
  JobApi* api = api_;
  Metrics* metrics = metrics_;
  server->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Render(), "text/plain; version=0.0.4");
  });
  server->set_logger([metrics](const httplib::Request&, const httplib::Response& res) {
    if (res.status >= 400) {
      metrics->Add("arena_http_errors_total", 1, {{"code", absl::StrCat(res.status)}});
    }
  });
  using Handler =
      std::function<void(const Principal&, const httplib::Request&, httplib::Response&)>;
  // Every route but /healthz runs behind this check.
  auto authed = [api](Handler handler) {
    return [api, handler](const httplib::Request& req, httplib::Response& res) {
      absl::StatusOr<Principal> who = api->Authenticate(req.get_header_value("Authorization"));
      if (!who.ok()) return WriteError(res, who.status());
      handler(*who, req, res);
      CompressAnswer(req, res);
    };
  };
  RegisterGitCredentials(server, api, authed);
  RegisterRegistryCredentials(server, api, authed);
  // Long polls and log follows end within a second of Stop().
  std::shared_ptr<std::atomic<bool>> stopping = stopping_;

  server->Post("/api/v1/jobs", authed([api](const Principal& who, const httplib::Request& req,
                                            httplib::Response& res) {
                 v1::SubmitJobRequest request;
                 absl::Status parsed = ParseBody(req, &request);
                 if (!parsed.ok()) return WriteError(res, parsed);
                 if (request.idempotency_key().empty()) {
                   request.set_idempotency_key(req.get_header_value("Idempotency-Key"));
                 }
                 Reply(res, api->Submit(who, request));
               }));
  server->Get(
      "/api/v1/jobs",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
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
            return WriteError(res,
                              absl::InvalidArgumentError("page_size must be a positive number"));
          }
          request.set_limit(size);
        }
        request.set_page_token(req.get_param_value("page_token"));
        request.set_owner(req.get_param_value("owner"));
        request.set_arch(req.get_param_value("arch"));
        Reply(res, api->List(who, request));
      }));
  // ?wait_ms=N: the same long poll as GetJob. A waiting request holds an
  // HTTP worker (64 in all): past 16 waiting, answers come at once.
  auto waiting = std::make_shared<std::atomic<int>>(0);
  server->Get(R"(/api/v1/jobs/([^/]+))",
              authed([api, waiting, stopping](const Principal& who, const httplib::Request& req,
                                              httplib::Response& res) {
                v1::GetJobRequest request;
                request.set_job_id(req.matches[1]);
                request.set_task_page_token(req.get_param_value("task_page_token"));
                absl::StatusOr<int> page_size = IntParam(req, "task_page_size");
                if (!page_size.ok()) return WriteError(res, page_size.status());
                request.set_task_page_size(*page_size);
                if (!req.has_param("wait_ms")) return Reply(res, api->Get(who, request));
                int64_t wait_ms = 0;
                if (!absl::SimpleAtoi(req.get_param_value("wait_ms"), &wait_ms) || wait_ms < 0) {
                  return WriteError(
                      res, absl::InvalidArgumentError("wait_ms must be a non-negative number"));
                }
                if (waiting->fetch_add(1) >= 16) wait_ms = 0;
                request.set_wait_ms(wait_ms);
                Reply(res,
                      api->WaitForChange(who, request, [stopping] { return stopping->load(); }));
                waiting->fetch_sub(1);
              }));
  server->Post(
      R"(/api/v1/jobs/([^/]+)/cancel)",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        Reply(res, api->Cancel(who, req.matches[1]));
      }));
  server->Get(R"(/api/v1/jobs/([^/]+)/logs)",
              authed([api, stopping](const Principal& who, const httplib::Request& req,
                                     httplib::Response& res) {
                v1::StreamLogsRequest request;
                request.set_job_id(req.matches[1]);
                request.set_task(req.get_param_value("task"));
                request.set_attempt(req.get_param_value("attempt"));
                request.set_channel(req.get_param_value("channel"));  // "build"
                std::string follow = req.get_param_value("follow");
                request.set_follow(follow == "true" || follow == "1");
                if (req.has_param("offset")) {
                  int64_t offset = 0;
                  if (!absl::SimpleAtoi(req.get_param_value("offset"), &offset) || offset < 0) {
                    return WriteError(res, absl::InvalidArgumentError("offset must be a number"));
                  }
                  request.set_offset(offset);
                }
                absl::Status checked = api->CheckLogRequest(who, request);
                if (!checked.ok()) return WriteError(res, checked);
                res.set_chunked_content_provider(
                    "text/plain; charset=utf-8",
                    [api, who, request, stopping](size_t, httplib::DataSink& sink) {
                      api->StreamLogs(
                             who, request,
                             [&sink](const v1::LogData& data) {
                               return sink.write(data.data().data(), data.data().size());
                             },
                             [&sink, stopping] { return stopping->load() || !sink.is_writable(); })
                          .IgnoreError();
                      sink.done();
                      return true;
                    });
              }));
  server->Get(
      R"(/api/v1/jobs/([^/]+)/results)",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::ListResultsRequest request;
        request.set_job_id(req.matches[1]);
        request.set_page_token(req.get_param_value("page_token"));
        absl::StatusOr<int> page_size = IntParam(req, "page_size");
        if (!page_size.ok()) return WriteError(res, page_size.status());
        request.set_page_size(*page_size);
        std::string failed = req.get_param_value("failed_only");
        request.set_failed_only(failed == "true" || failed == "1");
        Reply(res, api->ListResults(who, request));
      }));
  server->Get(
      R"(/api/v1/jobs/([^/]+)/artifacts)",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::ListArtifactsRequest request;
        request.set_job_id(req.matches[1]);
        request.set_task(req.get_param_value("task"));
        request.set_page_token(req.get_param_value("page_token"));
        absl::StatusOr<int> page_size = IntParam(req, "page_size");
        if (!page_size.ok()) return WriteError(res, page_size.status());
        request.set_page_size(*page_size);
        Reply(res, api->ListArtifacts(who, request));
      }));
  // The path may hold slashes: /api/v1/jobs/JOB/artifacts/ATTEMPT/dir/file.
  server->Get(
      R"(/api/v1/jobs/([^/]+)/artifacts/([^/]+)/(.+))",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::GetArtifactRequest request;
        request.set_job_id(req.matches[1]);
        request.set_attempt_id(req.matches[2]);
        request.set_path(req.matches[3]);
        std::string body;
        absl::Status read = api->ReadArtifact(who, request, [&body](absl::string_view data) {
          body.append(data.data(), data.size());
          return true;
        });
        if (!read.ok()) return WriteError(res, read);
        res.set_content(body, "application/octet-stream");
      }));
  server->Get(
      "/api/v1/flaky",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::ListFlakyRequest request;
        int runs = 0;
        if (req.has_param("runs") &&
            (!absl::SimpleAtoi(req.get_param_value("runs"), &runs) || runs < 1)) {
          return WriteError(res, absl::InvalidArgumentError("runs must be a positive number"));
        }
        request.set_runs(runs);
        Reply(res, api->ListFlaky(who, request));
      }));
  server->Get("/api/v1/quarantine",
              authed([api](const Principal& who, const httplib::Request&, httplib::Response& res) {
                Reply(res, api->Quarantine(who, v1::QuarantineRequest()));
              }));
  server->Post("/api/v1/quarantine", authed([api](const Principal& who, const httplib::Request& req,
                                                  httplib::Response& res) {
                 v1::QuarantineRequest request;
                 absl::Status parsed = ParseBody(req, &request);
                 if (!parsed.ok()) return WriteError(res, parsed);
                 Reply(res, api->Quarantine(who, request));
               }));
  server->Get("/api/v1/agents",
              authed([api](const Principal& who, const httplib::Request&, httplib::Response& res) {
                Reply(res, api->ListAgents(who));
              }));
  server->Post(
      R"(/api/v1/agents/([^/]+)/revoke)",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        Reply(res, api->RevokeAgent(who, req.matches[1]));
      }));
  server->Post(
      R"(/api/v1/agents/([^/]+)/(drain|undrain))",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        Reply(res, api->DrainAgent(who, req.matches[1], req.matches[2] == "undrain"));
      }));
  server->Post(
      "/api/v1/join-tokens",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        v1::CreateJoinTokenRequest request;
        if (!req.body.empty()) {
          absl::Status parsed = ParseBody(req, &request);
          if (!parsed.ok()) return WriteError(res, parsed);
        }
        Reply(res, api->CreateJoinToken(who, request));
      }));
  server->Post("/api/v1/tokens", authed([api](const Principal& who, const httplib::Request& req,
                                              httplib::Response& res) {
                 v1::CreateTokenRequest request;
                 absl::Status parsed = ParseBody(req, &request);
                 if (!parsed.ok()) return WriteError(res, parsed);
                 Reply(res, api->CreateToken(who, request));
               }));
  server->Get("/api/v1/tokens",
              authed([api](const Principal& who, const httplib::Request&, httplib::Response& res) {
                Reply(res, api->ListTokens(who));
              }));
  server->Post(
      R"(/api/v1/tokens/([^/]+)/revoke)",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        Reply(res, api->RevokeToken(who, req.matches[1]));
      }));
  server->Get(
      "/api/v1/audit",
      authed([api](const Principal& who, const httplib::Request& req, httplib::Response& res) {
        int limit = 100;
        if (req.has_param("limit") && !absl::SimpleAtoi(req.get_param_value("limit"), &limit)) {
          return WriteError(res, absl::InvalidArgumentError("limit must be a number"));
        }
        Reply(res, api->ListAudit(who, limit));
      }));

  // The minimal shape for curl | jq loops.
  server->Post("/jobs", authed([api](const Principal& who, const httplib::Request& req,
                                     httplib::Response& res) {
                 v1::SimpleJobRequest simple;
                 absl::Status parsed = ParseBody(req, &simple);
                 if (!parsed.ok()) return WriteError(res, parsed);
                 if (simple.idempotency_key().empty()) {
                   simple.set_idempotency_key(req.get_header_value("Idempotency-Key"));
                 }
                 absl::StatusOr<v1::SubmitJobRequest> request = FromSimpleRequest(simple);
                 if (!request.ok()) return WriteError(res, request.status());
                 absl::StatusOr<v1::Job> job = api->Submit(who, *request);
                 if (!job.ok()) return WriteError(res, job.status());
                 v1::SimpleJobCreated created;
                 created.set_job_id(job->id());
                 WriteMessage(res, created);
               }));
  server->Get(R"(/jobs/([^/]+))", authed([api](const Principal& who, const httplib::Request& req,
                                               httplib::Response& res) {
                v1::GetJobRequest request;
                request.set_job_id(req.matches[1]);
                absl::StatusOr<v1::Job> job = api->Get(who, request);
                if (!job.ok()) return WriteError(res, job.status());
                WriteMessage(res, ToSimpleStatus(*job));
              }));
}

}  // namespace arena
