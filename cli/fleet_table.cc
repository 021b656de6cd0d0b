#include "cli/fleet_table.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace arena {

std::vector<v1::FleetSample> StepSamples(const std::vector<v1::FleetSample>& samples,
                                         int64_t step_ms) {
  std::map<std::pair<int64_t, std::string>, v1::FleetSample> steps;
  std::map<std::pair<int64_t, std::string>, int64_t> wait_sum;
  for (const v1::FleetSample& s : samples) {
    const int64_t start = s.unix_ms() - ((s.unix_ms() % step_ms) + step_ms) % step_ms;
    auto key = std::make_pair(start, s.arch());
    auto [it, first] = steps.try_emplace(key, s);
    v1::FleetSample& row = it->second;
    row.set_unix_ms(start);
    if (!first) {
      row.set_agents(s.agents());
      row.set_slots(s.slots());
      row.set_unavailable(s.unavailable());
      row.set_busy(std::max(row.busy(), s.busy()));
      row.set_queued(std::max(row.queued(), s.queued()));
      row.set_started(row.started() + s.started());
      row.set_start_wait_ms_max(std::max(row.start_wait_ms_max(), s.start_wait_ms_max()));
    }
    wait_sum[key] += s.start_wait_ms_avg() * s.started();
  }
  std::vector<v1::FleetSample> rows;
  for (auto& [key, row] : steps) {
    row.set_start_wait_ms_avg(row.started() > 0 ? wait_sum[key] / row.started() : 0);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace arena
