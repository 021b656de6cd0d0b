// The Assign message an agent gets for one attempt of a task: what to run,
// in which image and container limits, with which environment and secrets.
//
// Pure apart from opening the job's sealed secrets (and a warning in the
// log when they cannot be opened): no store, no clock, no state to own.
// Thread-safe. The
// scheduler adds the stored git and registry credentials afterwards
// (credentials.cc), since those need the store.
#ifndef ARENA_CONTROLLER_SCHEDULER_ASSIGN_BUILDER_H_
#define ARENA_CONTROLLER_SCHEDULER_ASSIGN_BUILDER_H_

#include <cstdint>
#include <string>

#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

class SecretBox;

struct AssignOptions {
  std::string attempt_id;
  int64_t max_log_bytes = 0;  // the attempt's log cap
};

// `job` is the job's header (its spec); `task` the task as stored, its
// earlier attempts included (the new one is attempt attempts_size() + 1).
// Test tasks name the warm container of their job and architecture.
// `secrets` may be null: the job's sealed secrets are then left out.
v1::Assign BuildAssign(const v1::Job& job, const v1::Task& task, const AssignOptions& options,
                       const SecretBox* secrets);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_ASSIGN_BUILDER_H_
