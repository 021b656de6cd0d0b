#include "controller/scheduler/lease_table.h"

#include <algorithm>

namespace arena {

absl::Duration LeaseTable::LoopRan(absl::Time now) {
  absl::Duration gap = absl::ZeroDuration();
  if (last_loop_ != absl::InfinitePast() && now - last_loop_ > 2 * tick_) {
    gap = now - last_loop_;
    for (auto& [agent_id, heard] : heard_) heard = std::max(heard, now);
  }
  last_loop_ = std::max(last_loop_, now);
  return gap;
}

std::vector<std::pair<std::string, absl::Duration>> LeaseTable::Expired(absl::Time now) const {
  std::vector<std::pair<std::string, absl::Duration>> expired;
  for (const auto& [agent_id, heard] : heard_) {
    if (now - heard > lease_) expired.emplace_back(agent_id, now - heard);
  }
  return expired;
}

}  // namespace arena
