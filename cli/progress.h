// The progress lines `arenactl run` and `wait` print while a job runs:
// "amd64: 12/200 tasks done, 10 passed, 2 failed; 4 running, 184 queued,
// about 5m left", one per architecture. A job of more tasks than one page
// of GetJob holds is counted from the job's own per-state counts, all
// architectures on one line. The time left assumes the rest go at the rate
// the done ones went since the job was created: weighed by what history
// expects of each test when the job's tests have history
// (Job.estimates), else by count. Before any test is done, the expected
// time left is shared among the running slots. Pure functions: thread-safe.
#ifndef ARENA_CLI_PROGRESS_H_
#define ARENA_CLI_PROGRESS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

// The progress of the tasks of `arch` (all when empty) at `now`.
std::string Progress(const v1::Job& job, const std::string& arch, absl::Time now);

// "ARCH: PROGRESS" per architecture, or one line for the whole job when
// `job` holds one page of its tasks.
std::vector<std::string> ProgressLines(const v1::Job& job, absl::Time now);

}  // namespace arena

#endif  // ARENA_CLI_PROGRESS_H_
