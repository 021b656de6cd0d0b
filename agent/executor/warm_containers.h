// Warm containers: containers kept running between tests that share a warm
// key (RunRequest::warm_key), each test run in one by `docker exec`, one at
// a time per container. This is the pool's bookkeeping: which container is
// busy, which idle and since when; the executor creates, runs in and
// removes them.
//
// Owned by the DockerExecutor. Thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_WARM_CONTAINERS_H_
#define ARENA_AGENT_EXECUTOR_WARM_CONTAINERS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/executor/image_ledger.h"

namespace arena {

class ServicePod;

struct WarmContainer {
  std::string key;  // the warm key the tests share it by
  std::string image;
  std::string image_digest;
  std::shared_ptr<ImageLease> image_lease;  // the image in use while the container lives
  std::string container_id;
  std::string workspace;  // removed with the container
  std::string working_dir;
  bool watch_disk = false;  // the disk limit needs a DiskWatch
  // The job's services, living as long as the container (null: none).
  std::shared_ptr<ServicePod> pod;
  bool busy = false;
  bool ended = false;  // its key ended while it was busy: removed on release
  absl::Time idle_since;
};

class WarmContainerPool {
 public:
  // Containers idle longer than `idle_limit` are taken by TakeIdleTooLong.
  explicit WarmContainerPool(absl::Duration idle_limit) : idle_limit_(idle_limit) {}

  // An idle container of `key` running `image`, now busy; nullopt if none.
  std::optional<WarmContainer> Acquire(const std::string& key, const std::string& image)
      ABSL_LOCKS_EXCLUDED(mu_);
  // A new container, busy.
  void Add(WarmContainer container) ABSL_LOCKS_EXCLUDED(mu_);
  // The test in `container_id` is over: with `keep` it idles from `now`,
  // else it leaves the pool. True when the caller must remove it (not kept,
  // its key ended while it ran, or no longer in the pool).
  bool Release(const std::string& container_id, bool keep, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // The job of `key` is over: its idle containers, out of the pool; the
  // busy ones leave it at their Release (`*busy` counts them).
  std::vector<WarmContainer> EndKey(const std::string& key, int* busy) ABSL_LOCKS_EXCLUDED(mu_);
  // Containers idle longer than the limit at `now`, out of the pool.
  std::vector<WarmContainer> TakeIdleTooLong(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // Every container, busy or not (the executor shuts down).
  std::vector<WarmContainer> TakeAll() ABSL_LOCKS_EXCLUDED(mu_);
  int size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  template <typename Pred>
  std::vector<WarmContainer> TakeIf(Pred pred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration idle_limit_;
  mutable absl::Mutex mu_;
  std::vector<WarmContainer> containers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_WARM_CONTAINERS_H_
