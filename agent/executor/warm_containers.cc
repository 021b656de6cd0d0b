#include "agent/executor/warm_containers.h"

#include <utility>

namespace arena {

std::optional<WarmContainer> WarmContainerPool::Acquire(const std::string& key,
                                                        const std::string& image) {
  absl::MutexLock lock(&mu_);
  for (WarmContainer& c : containers_) {
    if (!c.busy && c.key == key && c.image == image) {
      c.busy = true;
      return c;
    }
  }
  return std::nullopt;
}

void WarmContainerPool::Add(WarmContainer container) {
  absl::MutexLock lock(&mu_);
  container.busy = true;
  containers_.push_back(std::move(container));
}

bool WarmContainerPool::Release(const std::string& container_id, bool keep, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (auto it = containers_.begin(); it != containers_.end(); ++it) {
    if (it->container_id != container_id) continue;
    if (keep && !it->ended) {
      it->busy = false;
      it->idle_since = now;
      return false;
    }
    containers_.erase(it);
    break;
  }
  return true;
}

template <typename Pred>
std::vector<WarmContainer> WarmContainerPool::TakeIf(Pred pred) {
  std::vector<WarmContainer> taken;
  for (auto it = containers_.begin(); it != containers_.end();) {
    if (pred(*it)) {
      taken.push_back(std::move(*it));
      it = containers_.erase(it);
    } else {
      ++it;
    }
  }
  return taken;
}

std::vector<WarmContainer> WarmContainerPool::EndKey(const std::string& key, int* busy) {
  absl::MutexLock lock(&mu_);
  *busy = 0;
  for (WarmContainer& c : containers_) {
    if (c.key != key || !c.busy) continue;
    c.ended = true;
    ++*busy;
  }
  return TakeIf([&key](const WarmContainer& c) { return !c.busy && c.key == key; });
}

std::vector<WarmContainer> WarmContainerPool::TakeIdleTooLong(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return TakeIf(
      [this, now](const WarmContainer& c) { return !c.busy && now - c.idle_since > idle_limit_; });
}

std::vector<WarmContainer> WarmContainerPool::TakeAll() {
  absl::MutexLock lock(&mu_);
  std::vector<WarmContainer> all;
  all.swap(containers_);
  return all;
}

int WarmContainerPool::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(containers_.size());
}

}  // namespace arena
