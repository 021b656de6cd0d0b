#include "controller/scheduler/job_state.h"

namespace arena {
namespace {

// Severity order among terminal states; higher wins.
int Severity(v1::State state) {
  switch (state) {
    case v1::PASSED:
      return 1;
    case v1::FAILED:
      return 2;
    case v1::ERROR:
      return 3;
    case v1::TIMED_OUT:
      return 4;
    case v1::CANCELLED:
      return 5;
    default:
      return 0;
  }
}

}  // namespace

v1::State JobStateFromTasks(const v1::Job& job) {
  std::vector<TaskStateCount> counts;
  for (const v1::Task& task : job.tasks()) counts.push_back({task.state(), task.quarantined(), 1});
  return JobStateFromCounts(counts);
}

v1::State JobStateFromCounts(const std::vector<TaskStateCount>& counts) {
  bool any = false;
  bool all_queued = true;
  bool all_terminal = true;
  v1::State worst = v1::PASSED;
  for (const TaskStateCount& c : counts) {
    if (c.count <= 0) continue;
    any = true;
    if (c.state != v1::QUEUED) all_queued = false;
    if (c.state == v1::QUEUED || c.state == v1::RUNNING) {
      all_terminal = false;
      continue;
    }
    // A failure of quarantined tests does not fail the job.
    v1::State counted = c.quarantined ? v1::PASSED : c.state;
    if (Severity(counted) > Severity(worst)) worst = counted;
  }
  if (!any) return v1::ERROR;
  if (all_queued) return v1::QUEUED;
  if (!all_terminal) return v1::RUNNING;
  return worst;
}

v1::State TaskStateForEvent(const v1::TaskEvent& event) {
  switch (event.kind()) {
    case v1::TASK_EVENT_EXITED:
      return event.exit_code() == 0 ? v1::PASSED : v1::FAILED;
    case v1::TASK_EVENT_ERROR:
      return v1::ERROR;
    case v1::TASK_EVENT_TIMED_OUT:
      return v1::TIMED_OUT;
    case v1::TASK_EVENT_CANCELLED:
      return v1::CANCELLED;
    case v1::TASK_EVENT_LOST:
      return v1::LOST;
    default:
      return v1::RUNNING;
  }
}

}  // namespace arena
