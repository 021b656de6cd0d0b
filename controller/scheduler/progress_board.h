// What running attempts are doing before their command starts (pulling an
// image, building one), as their agents last reported it. Live only: kept
// in memory, never stored, dropped when the attempt starts its command or
// ends. Owned by the scheduler, which writes it; the job API copies it into
// answers. Thread-safe.
#ifndef ARENA_CONTROLLER_SCHEDULER_PROGRESS_BOARD_H_
#define ARENA_CONTROLLER_SCHEDULER_PROGRESS_BOARD_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

struct AttemptProgress {
  std::string phase;   // "pulling", "building"
  std::string detail;  // what: the image
  int64_t done = 0;
  int64_t total = 0;  // 0: unknown
};

class ProgressBoard {
 public:
  // At most this many attempts are tracked; reports past it are dropped.
  static constexpr size_t kMaxAttempts = 100000;

  void Set(const std::string& attempt_id, AttemptProgress progress);
  void Clear(const std::string& attempt_id);
  // Sets phase, phase_detail and progress_* on every running task of `job`
  // whose current attempt has a report.
  void Fill(v1::Job* job) const;
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, AttemptProgress> by_attempt_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_PROGRESS_BOARD_H_
