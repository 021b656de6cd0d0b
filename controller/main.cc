// arena-controller: scheduler, SQLite store, gRPC API for agents and users,
// HTTP endpoints, and the certificate authority for agents.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/arch.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/image_ref.h"
#include "common/logging.h"
#include "common/sd_notify.h"
#include "common/states.h"
#include "controller/api/agent_service.h"
#include "controller/api/job_api.h"
#include "controller/api/job_service.h"
#include "controller/auth/pki.h"
#include "controller/auth/secret_box.h"
#include "controller/auth/tokens.h"
#include "controller/gateway/dashboard.h"
#include "controller/gateway/http_server.h"
#include "controller/gateway/metrics.h"
#include "controller/gateway/rest_gateway.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/artifact_store.h"
#include "controller/store/log_store.h"
#include "controller/store/sqlite.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr char kUsage[] =
    "usage: arena-controller --data-dir DIR [--listen HOST:PORT] "
    "[--http-listen HOST:PORT]\n"
    "                        [--advertise NAME,...] [--default-image IMAGE]\n"
    "                        [--agent-cert-ttl DURATION] [--agent-lease 30s]\n"
    "                        [--restart-grace 30s] [--max-log-bytes 104857600]\n"
    "                        [--max-memory-mb 8192] [--max-cpus 4] [--max-pids 4096]\n"
    "                        [--max-disk-mb 10240]\n"
    "                        [--allow-network host,bridge] [--http-insecure]\n"
    "                        [--allowed-pull-policies always,if-not-present,never]\n"
    "                        [--allow-local-repos]   (file:// and path repos: tests only)\n"
    "                        [--log-level debug|info|warn|error] [--log-format text|json]\n"
    "       arena-controller backup --data-dir DIR FILE   (online copy of the database)\n";

absl::Notification* g_shutdown = nullptr;

void OnSignal(int) {
  // Notify is not async-signal-safe in theory; a self-pipe would be. The
  // handler only runs once per process for SIGINT/SIGTERM, which is enough.
  if (g_shutdown != nullptr && !g_shutdown->HasBeenNotified()) g_shutdown->Notify();
}

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad address \"", address, "\", want HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

absl::StatusOr<SchedulerOptions> SchedulerOptionsFrom(const ParsedFlags& flags) {
  SchedulerOptions options;
  if (flags.Has("agent-lease") && (!absl::ParseDuration(flags.Get("agent-lease"), &options.lease) ||
                                   options.lease < absl::Seconds(1))) {
    return absl::InvalidArgumentError("--agent-lease wants a duration of at least 1s");
  }
  options.restart_grace = options.lease;
  if (flags.Has("restart-grace") &&
      (!absl::ParseDuration(flags.Get("restart-grace"), &options.restart_grace) ||
       options.restart_grace < absl::ZeroDuration())) {
    return absl::InvalidArgumentError("--restart-grace wants a duration");
  }
  if (flags.Has("max-log-bytes") &&
      (!absl::SimpleAtoi(flags.Get("max-log-bytes"), &options.max_log_bytes) ||
       options.max_log_bytes < 1024)) {
    return absl::InvalidArgumentError("--max-log-bytes wants a number of at least 1024");
  }
  return options;
}

absl::Status ApplyPolicyFlags(const ParsedFlags& flags, JobApiOptions* options) {
  if (flags.Has("max-memory-mb") &&
      (!absl::SimpleAtoi(flags.Get("max-memory-mb"), &options->max_memory_mb) ||
       options->max_memory_mb < 16)) {
    return absl::InvalidArgumentError("--max-memory-mb wants a number of at least 16");
  }
  if (flags.Has("max-cpus") &&
      (!absl::SimpleAtod(flags.Get("max-cpus"), &options->max_cpus) || options->max_cpus <= 0)) {
    return absl::InvalidArgumentError("--max-cpus wants a positive number");
  }
  if (flags.Has("max-pids") &&
      (!absl::SimpleAtoi(flags.Get("max-pids"), &options->max_pids) || options->max_pids < 16)) {
    return absl::InvalidArgumentError("--max-pids wants a number of at least 16");
  }
  if (flags.Has("max-disk-mb") &&
      (!absl::SimpleAtoi(flags.Get("max-disk-mb"), &options->max_disk_mb) ||
       options->max_disk_mb < 16)) {
    return absl::InvalidArgumentError("--max-disk-mb wants a number of at least 16");
  }
  options->default_disk_mb = std::min(options->default_disk_mb, options->max_disk_mb);
  options->default_memory_mb = std::min(options->default_memory_mb, options->max_memory_mb);
  options->default_cpus = std::min(options->default_cpus, options->max_cpus);
  options->default_pids = std::min(options->default_pids, options->max_pids);
  options->allow_local_repos = flags.Has("allow-local-repos");
  if (flags.Has("allow-network")) {
    options->allowed_networks = {"none"};
    for (absl::string_view n : absl::StrSplit(flags.Get("allow-network"), ',', absl::SkipEmpty())) {
      if (n != "none" && n != "host" && n != "bridge") {
        return absl::InvalidArgumentError("--allow-network takes none, host, bridge");
      }
      if (n != "none") options->allowed_networks.emplace_back(n);
    }
  }
  if (flags.Has("allowed-pull-policies")) {
    options->allowed_pull_policies.clear();
    for (absl::string_view p :
         absl::StrSplit(flags.Get("allowed-pull-policies"), ',', absl::SkipEmpty())) {
      if (!ParsePullPolicy(p).ok()) {
        return absl::InvalidArgumentError(
            "--allowed-pull-policies takes always, if-not-present, never");
      }
      options->allowed_pull_policies.emplace_back(p);
    }
    if (options->allowed_pull_policies.empty()) {
      return absl::InvalidArgumentError("--allowed-pull-policies names no policy");
    }
  }
  return absl::OkStatus();
}

// Gauges read at scrape time: agents and tasks by state, queue depth.
void CollectGauges(Store* store, const Scheduler& scheduler, std::set<std::string>& archs_seen,
                   Metrics& m) {
  std::map<std::string, int> agents = {
      {"connected", 0}, {"draining", 0}, {"offline", 0}, {"revoked", 0}};
  std::vector<AgentView> connected = scheduler.ConnectedAgents();
  absl::StatusOr<std::vector<AgentRecord>> records = store->ListAgents();
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
  absl::StatusOr<std::map<int, int64_t>> tasks = store->CountTasksByState();
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

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

int Fail(const absl::Status& status) {
  std::cerr << "arena-controller: " << status.message() << "\n";
  return 1;
}

// arena-controller backup --data-dir DIR FILE: an online, consistent copy of
// the database (the controller may be running).
int Backup(const std::vector<std::string>& args) {
  FlagSpec spec;
  spec.value_flags = {"data-dir"};
  absl::StatusOr<ParsedFlags> flags = ParseFlags(spec, args);
  if (!flags.ok() || flags->positional().size() != 1 || flags->Get("data-dir").empty()) {
    std::cerr << "usage: arena-controller backup --data-dir DIR FILE\n";
    return 2;
  }
  std::string source = absl::StrCat(flags->Get("data-dir"), "/arena.db");
  const std::string& target = flags->positional()[0];
  if (!FileExists(source))
    return Fail(absl::NotFoundError(absl::StrCat("no database at ", source)));
  if (FileExists(target)) {
    return Fail(absl::AlreadyExistsError(absl::StrCat(target, " exists; choose a new file")));
  }
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(source);
  if (!db.ok()) return Fail(db.status());
  absl::Status copied = (*db)->BackupTo(target);
  if (!copied.ok()) return Fail(copied);
  absl::StatusOr<std::unique_ptr<Database>> copy = Database::Open(target);
  if (!copy.ok()) return Fail(copy.status());
  absl::StatusOr<Statement> check = (*copy)->Prepare("PRAGMA integrity_check");
  absl::StatusOr<bool> row = check.ok() ? check->Step() : check.status();
  if (!row.ok() || !*row || check->Text(0) != "ok") {
    return Fail(
        absl::DataLossError(absl::StrCat("the copy in ", target, " fails its integrity check")));
  }
  absl::StatusOr<Statement> jobs = (*copy)->Prepare("SELECT count(*) FROM jobs");
  absl::StatusOr<bool> counted = jobs.ok() ? jobs->Step() : jobs.status();
  std::printf("arena-controller: backed up %lld jobs to %s (integrity ok)\n",
              counted.ok() && *counted ? static_cast<long long>(jobs->Int(0)) : 0LL,
              target.c_str());
  return 0;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "backup") {
    return Backup(std::vector<std::string>(argv + 2, argv + argc));
  }
  FlagSpec spec;
  spec.value_flags = {"data-dir",
                      "listen",
                      "http-listen",
                      "advertise",
                      "default-image",
                      "agent-cert-ttl",
                      "agent-lease",
                      "restart-grace",
                      "max-log-bytes",
                      "max-memory-mb",
                      "max-disk-mb",
                      "max-cpus",
                      "max-pids",
                      "allow-network",
                      "log-level",
                      "log-format",
                      "allowed-pull-policies"};
  spec.bool_flags = {"help", "http-insecure", "allow-local-repos"};
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(spec, std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::cerr << "arena-controller: " << flags.status().message() << " (see --help)\n";
    return 2;
  }
  if (flags->Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  absl::Status logging =
      SetLogOptions(flags->Get("log-level", "info"), flags->Get("log-format", "text"));
  if (!logging.ok()) {
    std::cerr << "arena-controller: " << logging.message() << "\n";
    return 2;
  }
  std::string data_dir = flags->Get("data-dir");
  if (data_dir.empty()) {
    std::cerr << "arena-controller: --data-dir is required (see --help)\n";
    return 2;
  }
  absl::StatusOr<std::pair<std::string, int>> grpc_addr =
      SplitHostPort(flags->Get("listen", "127.0.0.1:7443"));
  if (!grpc_addr.ok()) return Fail(grpc_addr.status());
  absl::StatusOr<std::pair<std::string, int>> http_addr =
      SplitHostPort(flags->Get("http-listen", "127.0.0.1:7080"));
  if (!http_addr.ok()) return Fail(http_addr.status());
  absl::StatusOr<SchedulerOptions> scheduler_options = SchedulerOptionsFrom(*flags);
  if (!scheduler_options.ok()) return Fail(scheduler_options.status());
  absl::Duration cert_ttl = absl::Hours(24);
  if (flags->Has("agent-cert-ttl") &&
      !absl::ParseDuration(flags->Get("agent-cert-ttl"), &cert_ttl)) {
    return Fail(absl::InvalidArgumentError("bad --agent-cert-ttl"));
  }
  std::vector<std::string> names =
      absl::StrSplit(flags->Get("advertise", "localhost,127.0.0.1"), ',', absl::SkipEmpty());

  absl::Status status = MakeDirs(data_dir, 0700);
  if (!status.ok()) return Fail(status);
  absl::StatusOr<ControllerPki> pki = LoadOrCreatePki(data_dir, names);
  if (!pki.ok()) return Fail(pki.status());
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(absl::StrCat(data_dir, "/arena.db"));
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<std::string> admin = EnsureAdminToken(store->get(), data_dir);
  if (!admin.ok()) return Fail(admin.status());
  LogStore logs(absl::StrCat(data_dir, "/logs"));
  ArtifactStore artifacts(absl::StrCat(data_dir, "/artifacts"));
  absl::StatusOr<SecretBox> secret_box =
      SecretBox::LoadOrCreate(absl::StrCat(data_dir, "/secrets.key"));
  if (!secret_box.ok()) return Fail(secret_box.status());
  Metrics metrics;
  // The scheduler's own connection: its batches (group commit) never take
  // in the API's writes, and the API's reads never wait for them (WAL).
  absl::StatusOr<std::unique_ptr<Store>> scheduler_store = (*store)->Connect();
  if (!scheduler_store.ok()) return Fail(scheduler_store.status());
  for (Store* s : {store->get(), scheduler_store->get()}) {
    s->SetWriteObserver(
        [&metrics](double seconds) { metrics.Observe("arena_store_write_seconds", seconds); });
  }
  scheduler_options->metrics = &metrics;
  scheduler_options->artifacts = &artifacts;
  scheduler_options->secrets = &*secret_box;
  scheduler_options->ca = &pki->ca;
  scheduler_options->cert_validity = cert_ttl;
  Scheduler scheduler(scheduler_store->get(), &logs, *scheduler_options);
  status = scheduler.Start();
  if (!status.ok()) return Fail(status);

  AgentServiceImpl agent_service(store->get(), &scheduler, &pki->ca, cert_ttl);
  JobApiOptions options;
  options.default_image = flags->Get("default-image");
  options.default_arch = NativeArch();
  absl::Status policy = ApplyPolicyFlags(*flags, &options);
  if (!policy.ok()) return Fail(policy);
  JobApi job_api(store->get(), &logs, &scheduler, &*secret_box, options);
  JobServiceImpl job_service(&job_api, &metrics);
  AdminServiceImpl admin_service(&job_api, &metrics);
  ResultsServiceImpl results_service(&job_api, &metrics);
  job_api.set_artifacts(&artifacts);

  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = pki->ca.cert_pem;
  ssl.pem_key_cert_pairs.push_back({pki->server.key_pem, pki->server.cert_pem});
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  std::string grpc_host = grpc_addr->first.find(':') != std::string::npos
                              ? absl::StrCat("[", grpc_addr->first, "]")
                              : grpc_addr->first;
  builder.AddListeningPort(absl::StrCat(grpc_host, ":", grpc_addr->second),
                           grpc::SslServerCredentials(ssl), &grpc_port);
  builder.RegisterService(&agent_service);
  builder.RegisterService(&job_service);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&results_service);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC's own TLS buffer sizes: a 4 KiB TSI frame size here (once set to
  // save ~8 KiB per idle agent) went with TLS records that clients could not
  // decrypt ("Corruption detected ... wrong version number") in 3 of 7 soak
  // runs, and in none of 5 without it (tests/integration/test_tls_soak.sh).
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || grpc_port == 0) {
    return Fail(absl::UnavailableError(absl::StrCat("cannot listen on ", flags->Get("listen"))));
  }
  RestGateway rest(&job_api, &metrics);
  std::set<std::string> archs_seen;  // touched only under the metrics render
  metrics.OnRender([&](Metrics& m) { CollectGauges(store->get(), scheduler, archs_seen, m); });
  // The REST gateway carries tokens: HTTPS with the controller's certificate,
  // plain HTTP only when asked for and only on loopback.
  bool insecure = flags->Has("http-insecure");
  if (insecure && !IsLoopback(http_addr->first)) {
    return Fail(
        absl::InvalidArgumentError("--http-insecure is allowed only on a loopback address"));
  }
  absl::StatusOr<std::unique_ptr<HttpServer>> http =
      HttpServer::Start(http_addr->first, http_addr->second, {[&rest](httplib::Server* server) {
                          rest.Register(server);
                          RegisterDashboard(server);
                        }},
                        insecure ? "" : absl::StrCat(data_dir, "/server.pem"),
                        insecure ? "" : absl::StrCat(data_dir, "/server.key"));
  if (!http.ok()) return Fail(http.status());

  std::string ports = absl::StrCat("{\"grpc\": ", grpc_port, ", \"http\": ", (*http)->port(),
                                   ", \"http_scheme\": \"", insecure ? "http" : "https", "\"}\n");
  status = WriteFileAtomic(absl::StrCat(data_dir, "/ports.json"), ports);
  if (!status.ok()) return Fail(status);
  std::printf("arena-controller listening: grpc %s:%d http %s:%d data %s\n",
              grpc_addr->first.c_str(), grpc_port, http_addr->first.c_str(), (*http)->port(),
              data_dir.c_str());
  std::fflush(stdout);
  SdNotify(absl::StrCat("READY=1\nSTATUS=grpc ", grpc_addr->first, ":", grpc_port, ", http ",
                        http_addr->first, ":", (*http)->port()));
  // The watchdog's health check is a round trip through the scheduler's
  // event loop: a stuck scheduler stops the pings.
  auto watchdog = std::make_unique<SdWatchdog>([&scheduler] {
    scheduler.Flush();
    return true;
  });

  absl::Notification shutdown;
  g_shutdown = &shutdown;
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  shutdown.WaitForNotification();
  LogLine("controller", "shutting down");
  SdNotify("STOPPING=1");
  watchdog.reset();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  rest.Stop();
  http->reset();
  scheduler.Stop();
  (*store)->SetWriteObserver(nullptr);
  (*scheduler_store)->SetWriteObserver(nullptr);
  return 0;
}

}  // namespace
}  // namespace arena

int main(int argc, char** argv) { return arena::Main(argc, argv); }
