// The fleet's samples (v1::FleetSample) gathered into steps for
// `arenactl fleet`: a row per architecture and step, so six hours of
// per-minute samples read as a screenful. Pure functions, nothing to own;
// thread-safe. Unit-tested.
#ifndef ARENA_CLI_FLEET_TABLE_H_
#define ARENA_CLI_FLEET_TABLE_H_

#include <cstdint>
#include <vector>

#include "arena/v1/jobs.pb.h"

namespace arena {

// `samples` (oldest first, as the API sends them) gathered per
// architecture into steps of `step_ms` (> 0) aligned to the epoch, oldest
// first and by architecture within a step. A step's row is stamped with the
// step's start and holds: agents, slots and unavailable as in its last
// sample, busy and queued at their highest, started summed, the average
// wait weighted by the tasks started, the highest wait.
std::vector<v1::FleetSample> StepSamples(const std::vector<v1::FleetSample>& samples,
                                         int64_t step_ms);

}  // namespace arena

#endif  // ARENA_CLI_FLEET_TABLE_H_
