// The images Arena brought to this agent (pulled when absent, or built by the
// agent), how big each is, when each was brought and last used, and how many
// running tasks use it now. Only images in the ledger are ever collected: an
// image that was on the host before Arena asked for it is not Arena's.
//
// The ledger is kept in a small text file in the agent's state dir
// (STATE/images.ledger), so a restarted agent still knows what it brought.
// In-use counts are not kept: a starting agent removes its containers, so
// nothing of its own is in use then. Membership changes are written at once;
// last-use times are written by the collector's next pass (Flush), so a task's
// end does not wait for a file write.
//
// PickImagesToRemove is the pure GC decision; ImageCollector
// (image_collector.h) acts on it against dockerd.
//
// Thread-safe. Owned by the DockerExecutor; the puller's results and the
// builder's are recorded into it (Bring) and every task holds an
// ImageLease for the image it runs.
#ifndef ARENA_AGENT_EXECUTOR_IMAGE_LEDGER_H_
#define ARENA_AGENT_EXECUTOR_IMAGE_LEDGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arena {

struct LedgerEntry {
  std::string id;               // "sha256:..."
  std::set<std::string> names;  // references Arena pulled or tagged it as
  int64_t bytes = 0;            // the image's size (shared layers counted in each)
  absl::Time brought_at = absl::UnixEpoch();
  absl::Time last_used = absl::UnixEpoch();  // last task start or end
  int in_use = 0;                            // running tasks using it
  bool removing = false;                     // the collector is removing it
};

struct GcPolicy {
  absl::Duration unused_for = absl::Hours(24);  // --image-gc-after
  int64_t keep_bytes = 0;                       // --image-gc-keep-bytes; 0: no cap
};

// Why an entry is collected.
enum class GcReason { kUnused, kOverBytes };

struct GcChoice {
  LedgerEntry entry;
  GcReason reason = GcReason::kUnused;
};

// Pure. The idle entries (not in use, not being removed) to remove, least
// recently used first: every one unused for at least policy.unused_for, then,
// while the bytes of what stays (in-use entries included) exceed
// policy.keep_bytes, the least recently used of the rest.
std::vector<GcChoice> PickImagesToRemove(const std::vector<LedgerEntry>& entries, absl::Time now,
                                         const GcPolicy& policy);

struct ImageStoreSummary {
  int kept_images = 0;
  int64_t kept_bytes = 0;
  int in_use_images = 0;
  int64_t removed_images = 0;  // over the ledger's life
  int64_t removed_bytes = 0;
  absl::Time last_gc = absl::InfinitePast();  // no pass yet
};

class ImageLedger;

// Marks one image in use by one task until destroyed (which records the
// moment as its last use). Move-only; an empty lease marks nothing.
class ImageLease {
 public:
  ImageLease() = default;
  ImageLease(ImageLease&& other) noexcept;
  ImageLease& operator=(ImageLease&& other) noexcept;
  ImageLease(const ImageLease&) = delete;
  ImageLease& operator=(const ImageLease&) = delete;
  ~ImageLease();

 private:
  friend class ImageLedger;
  ImageLease(ImageLedger* ledger, std::string id) : ledger_(ledger), id_(std::move(id)) {}
  ImageLedger* ledger_ = nullptr;
  std::string id_;
};

class ImageLedger {
 public:
  using Clock = std::function<absl::Time()>;
  // How a removal the collector claimed ended.
  enum class Removal {
    kRemoved,   // gone from dockerd: counted and forgotten
    kKept,      // dockerd refused (a container still uses it): tried again later
    kDisowned,  // the image now carries a name Arena did not give it: forgotten
  };

  // Reads `path` when it exists ("" keeps the ledger in memory only). A file
  // that cannot be parsed is logged and ignored: forgetting an image only
  // means it is never collected.
  static std::unique_ptr<ImageLedger> Open(std::string path, Clock clock = absl::Now);

  // Marks `id` in use by one task until the lease goes; an image not in the
  // ledger is not Arena's and the lease marks nothing. `seen_at` is when the
  // caller found the image present (before its lookup or pull): waits while
  // the collector removes the image, and is Aborted when a removal ended at
  // or after `seen_at` (the image may be gone): make it present again.
  absl::StatusOr<ImageLease> Use(const std::string& id, absl::Time seen_at)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The same for an image Arena brought under `name` (a pull that found it
  // absent, or a build), recorded first (a known entry gains the name).
  // REQUIRES: the image was not on the host before Arena pulled or built it.
  absl::StatusOr<ImageLease> Bring(const std::string& id, const std::string& name, int64_t bytes,
                                   absl::Time seen_at) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Time Now() const { return clock_(); }

  // The collector's side: marks what PickImagesToRemove chooses as being
  // removed and returns it; each claim ends with one FinishRemoval.
  std::vector<GcChoice> ClaimForRemoval(const GcPolicy& policy) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status FinishRemoval(const std::string& id, Removal outcome) ABSL_LOCKS_EXCLUDED(mu_);
  // Notes a finished collection pass and writes the ledger when it changed.
  absl::Status Flush() ABSL_LOCKS_EXCLUDED(mu_);

  ImageStoreSummary Summary() const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<LedgerEntry> Entries() const ABSL_LOCKS_EXCLUDED(mu_);
  // Tasks waiting in Use or Bring for a removal to end.
  int WaitingForRemoval() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class ImageLease;
  ImageLedger(std::string path, Clock clock) : path_(std::move(path)), clock_(std::move(clock)) {}
  absl::Status Load() ABSL_LOCKS_EXCLUDED(mu_);
  void Release(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);
  // Use and Bring: `name` empty for Use.
  absl::StatusOr<ImageLease> Lease(const std::string& id, absl::Time seen_at,
                                   const std::string& name, int64_t bytes) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Save() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  std::map<std::string, LedgerEntry> entries_ ABSL_GUARDED_BY(mu_);
  // When each image removed lately was (bounded): a lookup that raced with
  // a removal learns its image may be gone.
  std::map<std::string, absl::Time> removed_at_ ABSL_GUARDED_BY(mu_);
  int64_t removed_images_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t removed_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_gc_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;  // last-use times not yet written
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_IMAGE_LEDGER_H_
