// One merged JUnit XML report for a finished job: a testsuite per
// architecture and suite ("amd64", "amd64/unit", "amd64/tests"); a testcase
// per test result of each task's final attempt, or per task when it has no
// results, failures and errors carrying the last lines of the task's log.
// Flaky tests carry a "flaky" property.
// Pure functions: thread-safe.
#ifndef ARENA_CLI_JUNIT_H_
#define ARENA_CLI_JUNIT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"

namespace arena {

// `log_tails` maps task id to the end of its log (may be missing).
std::string JunitXml(const v1::Job& job, const std::map<std::string, std::string>& log_tails,
                     const std::vector<v1::TestResult>& results = {});

// The results of each task's final attempt (the last attempt that has any).
std::vector<v1::TestResult> FinalResults(const std::vector<v1::TestResult>& results);

// The last `lines` lines of `text`.
std::string LastLines(absl::string_view text, int lines);

// Escapes for XML 1.0 text and attributes; control characters XML cannot
// carry become '?'.
std::string XmlEscape(absl::string_view text);

}  // namespace arena

#endif  // ARENA_CLI_JUNIT_H_
