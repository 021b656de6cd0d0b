// Image GC: removes through dockerd the images the ledger's policy chooses
// (image_ledger.h: Arena's own, idle, unused for --image-gc-after or beyond
// --image-gc-keep-bytes, least recently used first). A pass runs every
// `every` and soon after Poke (a task's container was removed). Each removal
// is one line in the agent log: "image gc: removed NAME (N MiB, unused 25h)".
//
// Removal is by image id, never forced: dockerd refuses while a container
// (running or stopped) uses the image, and the entry is tried again on the
// next pass. An image that carries a name Arena did not give it (someone
// tagged it since) is left alone and forgotten: it is no longer Arena's.

// Thread-safe. Owned by the DockerExecutor, with the ledger it acts on.
#ifndef ARENA_AGENT_EXECUTOR_IMAGE_COLLECTOR_H_
#define ARENA_AGENT_EXECUTOR_IMAGE_COLLECTOR_H_

#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/executor/image_ledger.h"

namespace arena {

class DockerClient;

struct ImageGcOptions {
  std::string ledger_path;  // "": in memory only (tests)
  GcPolicy policy;
  absl::Duration every = absl::Minutes(1);  // between passes at most
  bool enabled = true;                      // false: no passes (the ledger still records)
};

// The pass interval for a policy: a quarter of --image-gc-after, between
// 1 s and a minute, so a short setting is honoured within about a second.
absl::Duration GcInterval(const GcPolicy& policy);

class ImageCollector {
 public:
  // `ledger` must outlive the collector. Starts its thread when enabled.
  ImageCollector(std::string socket_path, ImageLedger* ledger, ImageGcOptions options);
  ~ImageCollector();  // stops the thread (a pass in progress finishes)

  // A task's container went: collect soon (the image may be idle now).
  void Poke() ABSL_LOCKS_EXCLUDED(mu_);
  // One pass now; returns how many images were removed. The thread calls it.
  int CollectOnce();

 private:
  // Removes one claimed entry; the outcome for the ledger.
  ImageLedger::Removal RemoveOne(DockerClient& docker, const GcChoice& choice);
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  const std::string socket_path_;
  ImageLedger* const ledger_;
  const ImageGcOptions options_;
  absl::Mutex mu_;
  bool poked_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex pass_mu_;  // one pass at a time (the thread's or a caller's)
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_IMAGE_COLLECTOR_H_
