// The job and task state machine, as pure functions.
//
// Task: queued -> running -> passed | failed | error | timed_out | cancelled.
// A job is queued while every task is queued, running while any task is not
// terminal, and when all are terminal: cancelled > timed_out > error > failed
// > passed (the worst outcome wins; a job passes only if every task passed).
//
// Stateless: nothing to own; thread-safe.
#ifndef ARENA_CONTROLLER_SCHEDULER_JOB_STATE_H_
#define ARENA_CONTROLLER_SCHEDULER_JOB_STATE_H_

#include <vector>

#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"
#include "common/states.h"

namespace arena {

v1::State JobStateFromTasks(const v1::Job& job);
// The same from counts (what the scheduler reads, without loading tasks).
v1::State JobStateFromCounts(const std::vector<TaskStateCount>& counts);

// The terminal task state an agent's event implies, or RUNNING for a
// non-terminal event.
v1::State TaskStateForEvent(const v1::TaskEvent& event);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_JOB_STATE_H_
