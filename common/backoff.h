// How long to wait before the next try of something that keeps failing
// (the agent's stream to the controller, enrollment): jittered exponential
// backoff. Each failed try doubles the base delay up to a cap; the delay
// handed out is drawn uniformly from [base * (1 - jitter), base], so many
// agents that lost the same controller do not come back in lock step. A
// connection that stayed healthy for `healthy_after` starts over from the
// initial delay; one that broke sooner keeps growing the delay, so a
// controller that accepts and at once drops streams is not hammered.
//
// The random source is injected (a function returning values in [0, 1)) so
// tests are deterministic. Not thread-safe: one owner.
#ifndef ARENA_COMMON_BACKOFF_H_
#define ARENA_COMMON_BACKOFF_H_

#include <functional>

#include "absl/time/time.h"

namespace arena {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(500);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
  double jitter = 0.5;  // fraction of the base delay that is random, 0..1
  absl::Duration healthy_after = absl::Seconds(30);
};

class Backoff {
 public:
  // `uniform` returns values in [0, 1); the default uses a seeded PRNG.
  explicit Backoff(BackoffPolicy policy, std::function<double()> uniform = nullptr);

  // The delay before the next try; each call grows the base delay.
  absl::Duration Next();
  // Back to the initial delay.
  void Reset();
  // A connection ended after being up for `lasted`: resets when it was
  // healthy long enough.
  void ConnectionEnded(absl::Duration lasted);

  absl::Duration base() const { return base_; }

 private:
  const BackoffPolicy policy_;
  std::function<double()> uniform_;
  absl::Duration base_;
};

}  // namespace arena

#endif  // ARENA_COMMON_BACKOFF_H_
