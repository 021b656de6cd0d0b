// allure-results for a job: one "<uuid>-result.json" per test attempt (and
// per task without test results), with a historyId per test and
// architecture so that reruns group as retries of one test in the report.
// Pure functions over a finished job: thread-safe.
#ifndef ARENA_CLI_ALLURE_H_
#define ARENA_CLI_ALLURE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"

namespace arena {

// Writes into `dir` (created if missing); returns how many files it wrote.
absl::StatusOr<int> WriteAllureResults(const std::string& dir, const v1::Job& job,
                                       const std::vector<v1::TestResult>& results);

}  // namespace arena

#endif  // ARENA_CLI_ALLURE_H_
