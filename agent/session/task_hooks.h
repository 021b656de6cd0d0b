// The host's hooks around every attempt (--pre-task, --post-task): shell
// commands for benches that need a reset, run with the attempt's ids in the
// environment (ARENA_TASK_ID, ARENA_JOB_ID, ARENA_ATTEMPT_ID, ARENA_ARCH),
// bounded by a timeout, their output written to the attempt's log as
// "arena: pre-task: ..." system lines.
//
// The session owns the TaskHooks (in its options) and runs a hook on the
// attempt's thread; stateless beyond its settings, so thread-safe.
#ifndef ARENA_AGENT_SESSION_TASK_HOOKS_H_
#define ARENA_AGENT_SESSION_TASK_HOOKS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/executor/executor.h"

namespace arena {

struct TaskHooks {
  std::string pre_task;   // empty: none
  std::string post_task;  // empty: none
  absl::Duration timeout = absl::Minutes(10);
};

// The environment a hook gets for `request` (the agent's own is inherited).
std::vector<std::pair<std::string, std::string>> HookEnvironment(const RunRequest& request);

// Runs `command` as the hook called `which` ("pre-task"), passing each line
// of its output to `system_line` as "arena: pre-task: LINE\n". Returns the
// problem ("pre-task hook exited 1: LAST LINE", "... timed out after 10m")
// or empty when it exited 0 (or `command` is empty).
std::string RunTaskHook(const std::string& which, const std::string& command,
                        absl::Duration timeout,
                        const std::vector<std::pair<std::string, std::string>>& env,
                        const std::function<void(absl::string_view)>& system_line);

// `run` (the executor's run of the attempt) between the hooks. A failed
// pre-task is an infrastructure failure: the result is `error` with the
// hook's problem as the reason and `run` is not called. After `run`, a failed
// post-task is logged and passed to `post_task_failed` (the agent becomes
// unhealthy); the attempt's result stands.
RunResult RunBetweenHooks(const TaskHooks& hooks, const RunRequest& request, RunObserver& observer,
                          const std::function<RunResult()>& run,
                          const std::function<void(const std::string&)>& post_task_failed);

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_TASK_HOOKS_H_
