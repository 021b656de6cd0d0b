// User-facing names of job and task states.
#ifndef ARENA_COMMON_STATES_H_
#define ARENA_COMMON_STATES_H_

#include <cstdint>
#include <string>

#include "arena/v1/jobs.pb.h"

namespace arena {

// "queued", "running", "passed", "failed", "error", "cancelled", "timed_out".
const char* StateName(v1::State state);

// The state named by StateName(); STATE_UNSPECIFIED for anything else.
v1::State StateFromName(const std::string& name);

// passed, failed, error, cancelled, timed_out.
bool IsTerminal(v1::State state);

// A task's name for people: "arm64", "arm64/unit" (suite), "arm64/list",
// "arm64/test_a.py::test_x" (test).
std::string TaskName(const v1::Task& task);

// How many of a job's tasks are in one state (quarantined failures apart).
struct TaskStateCount {
  v1::State state = v1::QUEUED;
  bool quarantined = false;
  int64_t count = 0;
};

}  // namespace arena

#endif  // ARENA_COMMON_STATES_H_
