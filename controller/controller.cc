#include "controller/controller.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/logging.h"
#include "common/sd_notify.h"
#include "common/states.h"
#include "common/status_macros.h"
#include "controller/api/admin_api.h"
#include "controller/api/agent_service.h"
#include "controller/api/job_access.h"
#include "controller/api/job_api.h"
#include "controller/api/job_service.h"
#include "controller/api/log_api.h"
#include "controller/api/results_api.h"
#include "controller/api/session_api.h"
#include "controller/auth/tokens.h"
#include "controller/auth/users.h"
#include "controller/gateway/dashboard.h"
#include "controller/gateway/http_server.h"
#include "controller/gateway/rest_gateway.h"
#include "controller/results/allure_uploader.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/artifact_store.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

// Reader connections of the API's Store (Store::AddReaders): about the
// threads that read at once on a small host.
constexpr int kApiReaders = 4;

// Gauges read at scrape time: agents and tasks by state, queue depth.
void CollectGauges(Store* store, const Scheduler& scheduler, std::set<std::string>& archs_seen,
                   Metrics& m) {
  std::map<std::string, int> agents = {
      {"connected", 0}, {"draining", 0}, {"offline", 0}, {"revoked", 0}};
  std::vector<AgentView> connected = scheduler.ConnectedAgents();
  absl::StatusOr<std::vector<AgentRecord>> records = store->access().ListAgents();
  if (records.ok()) {
    for (const AgentRecord& r : *records) {
      bool online = std::any_of(connected.begin(), connected.end(),
                                [&](const AgentView& v) { return v.id == r.id; });
      ++agents[r.revoked              ? "revoked"
               : r.draining && online ? "draining"
               : online               ? "connected"
                                      : "offline"];
    }
  }
  for (const auto& [state, n] : agents) m.Set("arena_agents", n, {{"state", state}});
  absl::StatusOr<std::map<int, int64_t>> tasks = store->jobs().CountTasksByState();
  if (tasks.ok()) {
    for (v1::State state : {v1::QUEUED, v1::RUNNING, v1::PASSED, v1::FAILED, v1::ERROR,
                            v1::CANCELLED, v1::TIMED_OUT}) {
      auto it = tasks->find(state);
      m.Set("arena_tasks", it == tasks->end() ? 0 : static_cast<double>(it->second),
            {{"state", StateName(state)}});
    }
  }
  std::map<std::string, int> depth = scheduler.QueueDepth();
  for (const auto& [arch, n] : depth) archs_seen.insert(arch);
  for (const std::string& arch : archs_seen) {  // an emptied queue reads 0, not its last depth
    m.Set("arena_queue_depth", depth.count(arch) ? depth[arch] : 0, {{"arch", arch}});
  }
}

std::string ListenAddress(const HostPort& at) {
  bool v6 = at.host.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", at.host, v6 ? "]" : "", ":", at.port);
}

}  // namespace

Controller::Controller(ControllerConfig config) : config_(std::move(config)) {}

Controller::~Controller() { Stop(); }

absl::StatusOr<std::unique_ptr<Controller>> Controller::Start(ControllerConfig config) {
  std::unique_ptr<Controller> controller(new Controller(std::move(config)));
  RETURN_IF_ERROR(controller->OpenStorage());
  RETURN_IF_ERROR(controller->StartScheduler());
  RETURN_IF_ERROR(controller->StartGrpc());
  RETURN_IF_ERROR(controller->StartHttp());
  RETURN_IF_ERROR(controller->StartAllure());
  RETURN_IF_ERROR(controller->Announce());
  return controller;
}

absl::Status Controller::OpenStorage() {
  const std::string& dir = config_.data_dir;
  RETURN_IF_ERROR(MakeDirs(dir, 0700));
  ASSIGN_OR_RETURN(pki_, LoadOrCreatePki(dir, config_.tls_names));
  ASSIGN_OR_RETURN(store_, Store::Open(absl::StrCat(dir, "/arena.db")));
  RETURN_IF_ERROR(EnsureAdminToken(store_.get(), dir).status());
  ASSIGN_OR_RETURN(std::string admin_password, EnsureAdminUser(store_.get(), dir));
  if (!admin_password.empty()) {  // the first start: shown this once
    std::printf(
        "arena-controller: created user admin with password %s (also in %s/admin.password)\n",
        admin_password.c_str(), dir.c_str());
  }
  logs_ = std::make_unique<LogStore>(absl::StrCat(dir, "/logs"), &events_);
  artifacts_ = std::make_unique<ArtifactStore>(absl::StrCat(dir, "/artifacts"));
  ASSIGN_OR_RETURN(secrets_, SecretBox::LoadOrCreate(absl::StrCat(dir, "/secrets.key")));
  // The scheduler's own connection: its batches (group commit) never take
  // in the API's writes, and the API's reads never wait for them (WAL).
  ASSIGN_OR_RETURN(scheduler_store_, store_->Connect());
  // The API's reads (a token per request, the job asked for) run on
  // readers of their own, several at once, not one at a time at the
  // connection's lock.
  RETURN_IF_ERROR(store_->AddReaders(kApiReaders));
  for (Store* s : {store_.get(), scheduler_store_.get()}) {
    s->SetWriteObserver(
        [this](double seconds) { metrics_.Observe("arena_store_write_seconds", seconds); });
  }
  return absl::OkStatus();
}

absl::Status Controller::StartScheduler() {
  SchedulerOptions options = config_.scheduler;
  options.metrics = &metrics_;
  options.artifacts = artifacts_.get();
  options.events = &events_;
  options.secrets = &*secrets_;
  options.ca = &pki_->ca;
  options.cert_validity = config_.agent_cert_ttl;
  scheduler_ = std::make_unique<Scheduler>(scheduler_store_.get(), logs_.get(), options);
  RETURN_IF_ERROR(scheduler_->Start());
  access_ = std::make_unique<JobAccess>(store_.get(), scheduler_.get());
  job_api_ = std::make_unique<JobApi>(access_.get(), &events_, &*secrets_, config_.spec_policy);
  log_api_ = std::make_unique<LogApi>(access_.get(), logs_.get(), &events_);
  admin_api_ = std::make_unique<AdminApi>(access_.get(), &*secrets_);
  results_api_ = std::make_unique<ResultsApi>(access_.get(), artifacts_.get());
  session_api_ = std::make_unique<SessionApi>(access_.get());
  return absl::OkStatus();
}

Apis Controller::apis() const {
  return Apis{access_.get(),    job_api_.get(),     log_api_.get(),
              admin_api_.get(), results_api_.get(), session_api_.get()};
}

absl::Status Controller::StartGrpc() {
  agent_service_ = std::make_unique<AgentServiceImpl>(store_.get(), scheduler_.get(), &pki_->ca,
                                                      config_.agent_cert_ttl);
  job_service_ = std::make_unique<JobServiceImpl>(apis(), &metrics_);
  admin_service_ = std::make_unique<AdminServiceImpl>(apis(), &metrics_);
  results_service_ = std::make_unique<ResultsServiceImpl>(apis(), &metrics_);
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = pki_->ca.cert_pem;
  ssl.pem_key_cert_pairs.push_back({pki_->server.key_pem, pki_->server.cert_pem});
  grpc::ServerBuilder builder;
  builder.AddListeningPort(ListenAddress(config_.grpc), grpc::SslServerCredentials(ssl),
                           &grpc_port_);
  builder.RegisterService(agent_service_.get());
  builder.RegisterService(job_service_.get());
  builder.RegisterService(admin_service_.get());
  builder.RegisterService(results_service_.get());
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC's own TLS buffer sizes: a 4 KiB TSI frame size here (once set to
  // save ~8 KiB per idle agent) went with TLS records that clients could not
  // decrypt ("Corruption detected ... wrong version number") in 3 of 7 soak
  // runs, and in none of 5 without it (tests/integration/test_tls_soak.sh).
  grpc_server_ = builder.BuildAndStart();
  if (grpc_server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", ListenAddress(config_.grpc)));
  }
  return absl::OkStatus();
}

absl::Status Controller::StartHttp() {
  rest_ = std::make_unique<RestGateway>(apis(), &metrics_);
  metrics_.OnRender(
      [this](Metrics& m) { CollectGauges(store_.get(), *scheduler_, archs_seen_, m); });
  // The REST gateway carries tokens: HTTPS with the controller's
  // certificate, plain HTTP only when asked for and only on loopback.
  const std::string& dir = config_.data_dir;
  bool insecure = config_.http_insecure;
  RestGateway* rest = rest_.get();
  ASSIGN_OR_RETURN(http_, HttpServer::Start(config_.http.host, config_.http.port,
                                            {[rest](httplib::Server* server) {
                                              rest->Register(server);
                                              RegisterDashboard(server);
                                            }},
                                            insecure ? "" : absl::StrCat(dir, "/server.pem"),
                                            insecure ? "" : absl::StrCat(dir, "/server.key")));
  return absl::OkStatus();
}

absl::Status Controller::StartAllure() {
  if (config_.allure_url.empty()) return absl::OkStatus();
  AllureUploaderOptions options;
  options.server.url = config_.allure_url;
  options.server.ca_file = config_.allure_ca_file;
  if (!config_.allure_token_file.empty()) {
    ASSIGN_OR_RETURN(std::string token, ReadFile(config_.allure_token_file));
    options.server.token = std::string(absl::StripAsciiWhitespace(token));
  }
  std::string host = config_.tls_names.empty() ? config_.http.host : config_.tls_names.front();
  options.dashboard_url =
      absl::StrCat(config_.http_insecure ? "http" : "https", "://", host, ":", http_->port(), "/");
  allure_ = std::make_unique<AllureUploader>(store_.get(), &events_, std::move(options));
  allure_->Start();
  return absl::OkStatus();
}

absl::Status Controller::Announce() {
  std::string ports =
      absl::StrCat("{\"grpc\": ", grpc_port_, ", \"http\": ", http_->port(),
                   ", \"http_scheme\": \"", config_.http_insecure ? "http" : "https", "\"}\n");
  RETURN_IF_ERROR(WriteFileAtomic(absl::StrCat(config_.data_dir, "/ports.json"), ports));
  std::printf("arena-controller listening: grpc %s:%d http %s:%d data %s\n",
              config_.grpc.host.c_str(), grpc_port_, config_.http.host.c_str(), http_->port(),
              config_.data_dir.c_str());
  std::fflush(stdout);
  SdNotify(absl::StrCat("READY=1\nSTATUS=grpc ", config_.grpc.host, ":", grpc_port_, ", http ",
                        config_.http.host, ":", http_->port()));
  // The watchdog's health check is a round trip through the scheduler's
  // event loop: a stuck scheduler stops the pings.
  Scheduler* scheduler = scheduler_.get();
  watchdog_ = std::make_unique<SdWatchdog>([scheduler] {
    scheduler->Flush();
    return true;
  });
  return absl::OkStatus();
}

void Controller::Stop() {
  if (stopped_) return;
  stopped_ = true;
  watchdog_.reset();
  if (grpc_server_ != nullptr) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  if (rest_ != nullptr) rest_->Stop();
  http_.reset();
  if (allure_ != nullptr) allure_->Stop();
  if (scheduler_ != nullptr) scheduler_->Stop();
  for (Store* s : {store_.get(), scheduler_store_.get()}) {
    if (s != nullptr) s->SetWriteObserver(nullptr);
  }
}

}  // namespace arena
