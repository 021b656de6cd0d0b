// One running arena-controller: its stores, scheduler, gRPC services, REST
// gateway, dashboard and metrics, wired together and started in order by
// Start, stopped in reverse by Stop (or the destructor). main.cc parses the
// command line and waits for a signal; everything between is here.
// Not thread-safe: one owner.
#ifndef ARENA_CONTROLLER_CONTROLLER_H_
#define ARENA_CONTROLLER_CONTROLLER_H_

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "controller/api/apis.h"
#include "controller/auth/pki.h"
#include "controller/auth/secret_box.h"
#include "controller/controller_flags.h"
#include "controller/metrics/metrics.h"
#include "controller/store/job_events.h"

namespace grpc {
class Server;
}

namespace arena {

class AdminServiceImpl;
class AllureUploader;
class AgentServiceImpl;
class ArtifactStore;
class HttpServer;
class AdminApi;
class SessionApi;
class JobAccess;
class JobApi;
class LogApi;
class ResultsApi;
class JobServiceImpl;
class LogStore;
class RestGateway;
class ResultsServiceImpl;
class Scheduler;
class SdWatchdog;
class Store;

class Controller {
 public:
  // Opens DATA_DIR (creating what is missing), starts everything and
  // writes DATA_DIR/ports.json; READY=1 goes to systemd.
  static absl::StatusOr<std::unique_ptr<Controller>> Start(ControllerConfig config);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Stops serving (long polls end within a second) and joins the
  // scheduler. Idempotent.
  void Stop();

 private:
  explicit Controller(ControllerConfig config);
  absl::Status OpenStorage();
  absl::Status StartScheduler();
  absl::Status StartGrpc();
  absl::Status StartHttp();
  absl::Status StartAllure();
  absl::Status Announce();
  // The APIs for the services and the gateway; valid after StartScheduler.
  Apis apis() const;

  ControllerConfig config_;
  std::optional<ControllerPki> pki_;
  std::optional<SecretBox> secrets_;
  Metrics metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Store> scheduler_store_;  // the scheduler's own connection
  JobEvents events_;                        // before everything that tells or waits on it
  std::unique_ptr<LogStore> logs_;
  std::unique_ptr<ArtifactStore> artifacts_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<JobAccess> access_;
  std::unique_ptr<JobApi> job_api_;
  std::unique_ptr<LogApi> log_api_;
  std::unique_ptr<AdminApi> admin_api_;
  std::unique_ptr<ResultsApi> results_api_;
  std::unique_ptr<SessionApi> session_api_;
  std::unique_ptr<AgentServiceImpl> agent_service_;
  std::unique_ptr<JobServiceImpl> job_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<ResultsServiceImpl> results_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  int grpc_port_ = 0;
  std::unique_ptr<RestGateway> rest_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<AllureUploader> allure_;  // with --allure-url
  std::set<std::string> archs_seen_;        // touched only under the metrics render
  std::unique_ptr<SdWatchdog> watchdog_;
  bool stopped_ = false;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_CONTROLLER_H_
