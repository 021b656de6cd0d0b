// Where a job's time went (results.proto's Timeline): each started attempt
// of a job as a bar in a lane of its agent. The dashboard draws it, the
// REST gateway and `arenactl timeline` print it. Pure: thread-safe.
#ifndef ARENA_CONTROLLER_RESULTS_TIMELINE_H_
#define ARENA_CONTROLLER_RESULTS_TIMELINE_H_

#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"

namespace arena {

// `job` with all its tasks. Lanes are given per agent in order of start:
// the lowest lane free at an attempt's start (as few lanes as the most
// attempts that overlapped on that agent); a running attempt keeps its
// lane; a batch member takes its leader's lane.
v1::Timeline BuildTimeline(const v1::Job& job);

}  // namespace arena

#endif  // ARENA_CONTROLLER_RESULTS_TIMELINE_H_
