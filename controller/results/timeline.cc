#include "controller/results/timeline.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace arena {
namespace {

std::string BarName(const v1::Task& task) {
  switch (task.kind()) {
    case v1::TASK_KIND_LIST:
      return "list";
    case v1::TASK_KIND_TEST:
      return task.test_id();
    case v1::TASK_KIND_SUITE:
      return task.suite();
    default:
      return "command";
  }
}

// Lanes of one agent's attempts that ran in their own process, given in
// order of start.
void GiveLanes(std::vector<v1::TimelineBar*>& runs, int32_t* lanes) {
  std::sort(runs.begin(), runs.end(), [](const v1::TimelineBar* a, const v1::TimelineBar* b) {
    return std::make_tuple(a->started_unix_ms(), a->attempt_id()) <
           std::make_tuple(b->started_unix_ms(), b->attempt_id());
  });
  std::vector<int64_t> free_at;  // per lane: when its last bar ends
  for (v1::TimelineBar* bar : runs) {
    size_t lane = 0;
    while (lane < free_at.size() && free_at[lane] > bar->started_unix_ms()) ++lane;
    if (lane == free_at.size()) free_at.push_back(0);
    free_at[lane] =
        bar->finished_unix_ms() > 0 ? bar->finished_unix_ms() : std::numeric_limits<int64_t>::max();
    bar->set_lane(static_cast<int32_t>(lane));
  }
  *lanes += static_cast<int32_t>(free_at.size());
}

}  // namespace

v1::Timeline BuildTimeline(const v1::Job& job) {
  std::vector<v1::TimelineBar> bars;
  for (const v1::Task& task : job.tasks()) {
    for (int i = 0; i < task.attempts_size(); ++i) {
      const v1::Attempt& a = task.attempts(i);
      if (a.started_unix_ms() <= 0) continue;
      v1::TimelineBar bar;
      bar.set_agent_id(a.agent_id());
      bar.set_task_id(task.id());
      bar.set_name(BarName(task));
      bar.set_arch(task.arch());
      bar.set_attempt_id(a.id());
      bar.set_attempt_number(i + 1);
      bar.set_state(a.state());
      bar.set_started_unix_ms(a.started_unix_ms());
      bar.set_finished_unix_ms(std::max<int64_t>(0, a.finished_unix_ms()));
      bar.set_batch_attempt_id(a.batch_attempt_id());
      bars.push_back(std::move(bar));
    }
  }
  std::map<std::string, v1::TimelineBar*> by_attempt;
  for (v1::TimelineBar& bar : bars) by_attempt[bar.attempt_id()] = &bar;
  auto leader_of = [&](const v1::TimelineBar& bar) -> v1::TimelineBar* {
    if (bar.batch_attempt_id().empty()) return nullptr;
    auto it = by_attempt.find(bar.batch_attempt_id());
    return it == by_attempt.end() || it->second == &bar ? nullptr : it->second;
  };
  std::map<std::string, std::vector<v1::TimelineBar*>> runs_by_agent;
  for (v1::TimelineBar& bar : bars) {
    if (leader_of(bar) == nullptr) runs_by_agent[bar.agent_id()].push_back(&bar);
  }
  v1::Timeline timeline;
  int32_t lanes = 0;
  for (auto& [agent, runs] : runs_by_agent) GiveLanes(runs, &lanes);
  for (v1::TimelineBar& bar : bars) {
    const v1::TimelineBar* leader = leader_of(bar);
    if (leader != nullptr) bar.set_lane(leader->lane());
  }
  std::sort(bars.begin(), bars.end(), [](const v1::TimelineBar& a, const v1::TimelineBar& b) {
    return std::make_tuple(a.agent_id(), a.lane(), a.started_unix_ms(), a.attempt_id()) <
           std::make_tuple(b.agent_id(), b.lane(), b.started_unix_ms(), b.attempt_id());
  });
  timeline.set_job_id(job.id());
  timeline.set_created_unix_ms(job.created_unix_ms());
  timeline.set_finished_unix_ms(job.finished_unix_ms());
  timeline.set_lanes(lanes);
  for (v1::TimelineBar& bar : bars) *timeline.add_bars() = std::move(bar);
  return timeline;
}

}  // namespace arena
