// Runs an attempt as a Docker container: create (labelled arena.agent /
// arena.job / arena.task / arena.attempt, network none, no-new-privileges,
// minimal capabilities), start, follow the demultiplexed output, wait for the
// exit status, copy the requested files out, remove. A timeout or a cancel
// stops the container: SIGTERM, a grace period, then SIGKILL. The disk
// limit applies to the writable layer and /tmp (disk_limit.h).
//
// Tests with a warm key run by `docker exec` in a warm container kept per
// key (one test at a time per container, warm_containers.h); idle ones end
// after a minute, a destructive test ends its key's warm containers, a
// timeout or cancel ends the one it ran in. The watchdog
// (container_watchdog.h) stops a container on a timeout or cancel. Images are made present first
// (image_puller.h), or built from the checkout (image_builder.h); those Arena brought are recorded
// in the image ledger, each task marks its image in use there while it runs, and the image
// collector removes Arena's unused ones (image_ledger.h, image_collector.h). Owned by the agent's
// main, shared by the attempt threads. Thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_DOCKER_EXECUTOR_H_
#define ARENA_AGENT_EXECUTOR_DOCKER_EXECUTOR_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "agent/executor/disk_limit.h"
#include "agent/executor/executor.h"
#include "agent/executor/image_builder.h"
#include "agent/executor/image_collector.h"
#include "agent/executor/image_ledger.h"
#include "agent/executor/image_puller.h"
#include "agent/executor/warm_containers.h"

namespace arena {

class DockerClient;
class ServicePod;

class DockerExecutor final : public Executor {
 public:
  // Containers are labelled arena.agent=`agent_id`, so several agents can
  // share one Docker host without touching each other's containers.
  DockerExecutor(
      std::string socket_path, std::string agent_id, absl::Duration warm_idle = absl::Minutes(1),
      PullOptions pull_options = PullOptions(), BuildOptions build_options = BuildOptions(),
      ImageGcOptions gc_options = ImageGcOptions{"", GcPolicy(), absl::Minutes(1), false});
  ~DockerExecutor() override;

  RunResult Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) override;

  // Ends the warm containers, finishes the queued removals (one try each) and
  // removes every container of this agent that is left. Idempotent; the
  // destructor calls it. REQUIRES: no Run in progress that still matters.
  void Shutdown();
  // Removes containers an earlier process of this agent left behind.
  // Returns how many were removed.
  int RemoveOrphans();
  // Ends warm containers idle longer than the idle limit (also done
  // periodically).
  void ReapIdleWarmContainers();
  int WarmContainerCount() const;
  // Image builds this executor ran (a build shared by tasks counts once).
  int builds_started() const { return builder_.builds_started(); }
  void EndWarmContainers(const std::string& key) override;
  // What the image ledger holds and the collector removed.
  ImageStoreSummary ImageStore() const;
  // Runs one image GC pass now; returns how many images it removed.
  int CollectImages();

 private:
  RunResult RunContainer(const RunRequest& request, RunObserver* observer, StopSignal* stop);
  // Attaches, starts, waits for and concludes a created container.
  RunResult FollowContainer(DockerClient& docker, const std::string& id, const RunRequest& request,
                            bool watch_disk, RunObserver* observer, StopSignal* stop);
  RunResult RunInWarmContainer(const RunRequest& request, RunObserver* observer, StopSignal* stop);
  // An idle warm container of the request's key, now busy, or a new one.
  absl::StatusOr<WarmContainer> AcquireWarmContainer(DockerClient& docker,
                                                     const RunRequest& request,
                                                     RunObserver* observer, StopSignal* stop);
  // The request's image, present for its platform (pulled under its
  // policy, or built), and its checkout in `workspace` ("" without a repo;
  // set even on failure: the caller removes it). A build needs the
  // checkout first; otherwise the image comes first, so a missing image
  // clones nothing.
  absl::StatusOr<ReadyImage> ObtainImage(const RunRequest& request, RunObserver* observer,
                                         StopSignal* stop, std::string* workspace);
  struct PreparedImage {
    ReadyImage ready;
    ImageLease lease;  // in use until the attempt (or warm container) ends
  };
  // ObtainImage, and the image marked in use in the ledger; one Arena
  // brought (a pull that found it absent, a build that made it:
  // ReadyImage.brought) is recorded first.
  absl::StatusOr<PreparedImage> PrepareImage(const RunRequest& request, RunObserver* observer,
                                             StopSignal* stop, std::string* workspace);
  // ObtainImage's image (or any `obtain`'s), marked in use in the ledger.
  absl::StatusOr<PreparedImage> LeaseImage(
      const std::function<absl::StatusOr<ReadyImage>()>& obtain, const std::string& image,
      bool built = false);
  // The request's services started (service_pod.h); nullptr without any.
  absl::StatusOr<std::unique_ptr<ServicePod>> StartPod(const RunRequest& request,
                                                       RunObserver* observer, StopSignal* stop);
  void ReleaseWarmContainer(const WarmContainer& warm, bool keep);
  // Removes its container and checkout.
  void RemoveWarmContainer(const WarmContainer& warm);
  // Removes a container, retrying while dockerd is away (it outlives a
  // daemon restart) until the executor starts shutting down.
  void RemoveContainer(DockerClient& docker, const std::string& id);
  // The same off the attempt's path: a finished attempt reports its result
  // without waiting for the removal (drained before the executor goes).
  void RemoveLater(const std::string& id);

  const std::string socket_path_;
  const std::string agent_id_;
  WarmContainerPool warm_;
  DiskLimiter disk_limiter_;
  ImagePuller puller_;
  ImageBuilder builder_;
  const std::unique_ptr<ImageLedger> ledger_;
  ImageCollector collector_;  // after the ledger it acts on
  mutable absl::Mutex mu_;
  absl::Notification stop_reaper_;
  std::thread reaper_;
  std::deque<std::string> to_remove_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::thread remover_;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_DOCKER_EXECUTOR_H_
