// What a fleet sample holds (v1::FleetSample): per architecture, the
// connected agents and slots that could take its tasks, how many of those
// are busy or unavailable, its queue depth, and the first attempts started
// since the sample before with their time to start. The scheduler takes a
// sample once an interval (a minute by default) and stores it; the
// dashboard's fleet picture and `arenactl fleet` read them back.
//
// Owned by the Scheduler and confined to its thread: not thread-safe. No
// I/O: the scheduler hands in the agents and queue depths and stores what
// Take returns.
#ifndef ARENA_CONTROLLER_SCHEDULER_FLEET_SAMPLER_H_
#define ARENA_CONTROLLER_SCHEDULER_FLEET_SAMPLER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "arena/v1/jobs.pb.h"
#include "controller/scheduler/matching.h"

namespace arena {

class FleetSampler {
 public:
  // `interval` > 0.
  explicit FleetSampler(absl::Duration interval) : interval_(interval) {}

  // A task of `arch` started its first attempt `wait_ms` after its job was
  // submitted.
  void Started(const std::string& arch, int64_t wait_ms);
  // True when no sample was taken yet in the interval `now` is in.
  bool Due(absl::Time now) const { return Interval(now) != last_; }
  // The samples as of `now`, stamped with the start of its interval: one per
  // architecture any of `agents` offers or `queued` (depth by architecture)
  // names or a task started for, and per architecture seen before (zeros,
  // so a picture shows the fleet going away rather than a gap). Starts the
  // next interval's counts.
  std::vector<v1::FleetSample> Take(absl::Time now, const std::vector<AgentView>& agents,
                                    const std::map<std::string, int>& queued);

 private:
  struct Waits {
    int count = 0;
    int64_t sum_ms = 0;
    int64_t max_ms = 0;
  };
  int64_t Interval(absl::Time now) const {
    return absl::ToUnixMillis(now) / absl::ToInt64Milliseconds(interval_);
  }

  const absl::Duration interval_;
  int64_t last_ = -1;  // the interval of the last sample
  std::map<std::string, Waits> started_;
  std::set<std::string> seen_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_FLEET_SAMPLER_H_
