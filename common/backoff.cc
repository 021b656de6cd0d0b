#include "common/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace arena {

Backoff::Backoff(BackoffPolicy policy, std::function<double()> uniform)
    : policy_(policy), uniform_(std::move(uniform)), base_(policy.initial) {
  if (!uniform_) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    uniform_ = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
  }
}

absl::Duration Backoff::Next() {
  double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  double u = std::clamp(uniform_(), 0.0, 1.0);
  absl::Duration delay = base_ * (1.0 - jitter * u);
  base_ = std::min(base_ * policy_.multiplier, policy_.max);
  return delay;
}

void Backoff::Reset() { base_ = policy_.initial; }

void Backoff::ConnectionEnded(absl::Duration lasted) {
  if (lasted >= policy_.healthy_after) Reset();
}

}  // namespace arena
