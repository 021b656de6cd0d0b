// How a job spec becomes tasks: one per architecture for a plain command; one
// per architecture and suite; one per architecture and test in test-queue
// mode (after a list task when the tests come from a command). Pure
// functions, no state: thread-safe.
#ifndef ARENA_CONTROLLER_SCHEDULER_FAN_OUT_H_
#define ARENA_CONTROLLER_SCHEDULER_FAN_OUT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/agent.pb.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

// The queued tasks of a new job, architecture by architecture. `images`
// gives each architecture's image (ImageForArch). REQUIRES: the spec passed
// ValidateJobSpec (controller/spec/job_spec.h). Ids are left for the caller to fill in.
std::vector<v1::Task> FanOut(const v1::JobSpec& spec,
                             const std::map<std::string, std::string>& images);

// The job's build as the agent gets it (JobSpec.build into Assign.build);
// the pull policy is then the job's own, for the base images.
void SetBuild(const v1::JobSpec& spec, v1::Assign* assign);

// One test task per id for `arch` (test-queue mode).
std::vector<v1::Task> TestTasks(const v1::JobSpec& spec, const std::string& arch,
                                const std::string& image, const std::vector<std::string>& ids);

// Test ids from a list command's output: one per line, blank lines and
// lines starting with '#' skipped, duplicates dropped. InvalidArgument when
// a line is too long or there are too many.
absl::StatusOr<std::vector<std::string>> ParseTestList(absl::string_view output);

// `template_command` with each "{test}" and "{tests}" replaced by the
// shell-quoted id.
std::string ExpandTestCommand(absl::string_view template_command, absl::string_view test_id);

// Whether the job's tests run in batches: its test command holds "{tests}".
bool BatchesTests(const v1::JobSpec& spec);

// A batch's command as a task's (`sh -c`): `template_command` with each
// "{tests}" replaced by the ids, each shell-quoted, separated by spaces.
std::vector<std::string> BatchCommand(absl::string_view template_command,
                                      const std::vector<std::string>& test_ids);

// The job's attempt timeout (ms): its own, or the default for a spec
// stored without one.
int64_t JobTimeoutMs(const v1::JobSpec& spec);

// The time a test runner gets to start (an interpreter, imports, the
// collection) besides its tests' own limits (ms): the test timeout, at
// least 10 s (a loaded host takes seconds to start one), a minute without
// a test timeout.
int64_t RunnerStartMs(int64_t test_timeout_ms);

// A batch's time limit (ms): three times what its tests took last time
// (`history`, ms by test id), a test without history counted at
// `test_timeout_ms` (0: the job's timeout), plus RunnerStartMs; at most
// `job_timeout_ms`. So a hang in a batch whose tests have history is cut
// soon after they should have ended, and the tests without a result run
// again in halves.
int64_t BatchTimeoutMs(const std::vector<std::string>& test_ids,
                       const std::map<std::string, int64_t>& history, int64_t test_timeout_ms,
                       int64_t job_timeout_ms);

// Orders test tasks longest first by `durations` (ms, by test id); tests
// without history go first, in their given order. Other tasks keep their
// place ahead of the tests.
void OrderTests(std::vector<v1::Task>& tasks, const std::map<std::string, int64_t>& durations);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SCHEDULER_FAN_OUT_H_
