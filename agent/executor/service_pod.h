// The services of one attempt (or of one warm container in test-queue
// mode) as a pod: containers started in order, each once the one before is
// ready, all in the network namespace of the first (which carries an
// /etc/hosts entry 127.0.0.1 for every service name). The test's container
// joins it with network mode "container:ID" (network_mode()), so a test
// reaches a service at 127.0.0.1:PORT or by name and nothing else does.
// Readiness is probed inside the pod (pod_probe.h, or docker exec); each
// service's output goes to the observer's "service:NAME" channel; a
// service that exits before Stop is the pod's failure and stops the
// container named by StopOnFailure. Stop sends SIGTERM, waits the grace,
// SIGKILLs and removes them. Owned by the DockerExecutor's attempt (or a
// warm container); Start and Stop from the owner's thread, the rest
// thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_SERVICE_POD_H_
#define ARENA_AGENT_EXECUTOR_SERVICE_POD_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"
#include "agent/executor/image_ledger.h"

namespace arena {

// A service's image made present for the attempt's platform, marked in use.
struct PodImage {
  std::string id;  // create from the id: the tag may move
  ImageLease lease;
};
using PodImageSource =
    std::function<absl::StatusOr<PodImage>(const ServiceRequest& service, StopSignal* stop)>;

class ServicePod {
 public:
  // `request` gives the services, the attempt's labels, limits and
  // network; `observer` receives the pod's output (SetObserver changes it).
  ServicePod(std::string socket_path, std::string agent_id, const RunRequest& request,
             RunObserver* observer);
  ~ServicePod();  // Stop()
  ServicePod(const ServicePod&) = delete;
  ServicePod& operator=(const ServicePod&) = delete;

  // Starts the services; an error names the service: "service db not ready
  // after 60 s (...)", "service db exited with code 1 before it was
  // ready", its image's failure, or Cancelled with the stop's reason.
  absl::Status Start(const PodImageSource& images, StopSignal* stop);
  // "container:ID" of the first service. REQUIRES: Start succeeded.
  std::string network_mode() const;
  // When a service exits before Stop, this container is killed (once).
  void StopOnFailure(const std::string& container_id) ABSL_LOCKS_EXCLUDED(mu_);
  // "" or "service db exited with code 3"; the first exit only.
  std::string failure() const ABSL_LOCKS_EXCLUDED(mu_);
  // Where service output goes from now on; nullptr drops it. Waits for a
  // write in progress, so the old observer may go once this returns.
  void SetObserver(RunObserver* observer) ABSL_LOCKS_EXCLUDED(mu_);
  // Stops and removes every service (in parallel). Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Member;
  absl::Status StartOne(Member& member, const PodImageSource& images, StopSignal* stop);
  // Creates the container (the first owns the namespace) and follows its
  // output, then starts it.
  absl::Status CreateAndStart(Member& member);
  absl::Status AwaitReady(Member& member, StopSignal* stop);
  // One probe; OK when ready.
  absl::Status ProbeOnce(const Member& member, int pid, const std::string& health);
  // `sh -c command` in the service; OK on exit 0.
  absl::Status ProbeByExec(const Member& member, const std::string& command);
  void WatchExit(Member& member);  // a member's waiter thread
  void Say(const std::string& line) ABSL_LOCKS_EXCLUDED(mu_);
  void Output(const std::string& channel, absl::string_view data) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string socket_path_;
  const std::string agent_id_;
  const RunRequest request_;
  std::vector<std::unique_ptr<Member>> members_;  // owner's thread; ids fixed once started
  mutable absl::Mutex mu_;
  RunObserver* observer_ ABSL_GUARDED_BY(mu_);
  std::string failure_ ABSL_GUARDED_BY(mu_);
  std::string stop_on_failure_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// A service that exited while the test ran ends the attempt as an error
// naming it, whatever the test's own exit status (said in its log too).
void NotePodFailure(const ServicePod& pod, RunObserver* observer, RunResult* result);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_SERVICE_POD_H_
