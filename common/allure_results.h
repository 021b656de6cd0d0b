// allure-results for a job: one "<uuid>-result.json" per test attempt (and
// per task without test results), with a historyId per test and
// architecture so that reruns group as retries of one test in the report;
// and the executor.json that names the job. arenactl writes them to a
// directory (results --allure), the controller sends them to an Allure
// server (controller/results/allure_uploader.h).
// Pure functions over a finished job: thread-safe.
#ifndef ARENA_COMMON_ALLURE_RESULTS_H_
#define ARENA_COMMON_ALLURE_RESULTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"

namespace arena {

struct AllureFile {
  std::string name;  // "<uuid>-result.json", "executor.json"
  std::string content;
};

// One result file per test attempt, then one per task without test results
// (the list task excluded). Names are stable for the same job and results.
std::vector<AllureFile> AllureResultFiles(const v1::Job& job,
                                          const std::vector<v1::TestResult>& results);

// executor.json: the job as the build that produced the results, linking
// `job_url` (may be empty).
AllureFile AllureExecutorFile(const v1::Job& job, const std::string& job_url);

// Writes AllureResultFiles into `dir` (created if missing); returns how
// many files it wrote.
absl::StatusOr<int> WriteAllureResults(const std::string& dir, const v1::Job& job,
                                       const std::vector<v1::TestResult>& results);

}  // namespace arena

#endif  // ARENA_COMMON_ALLURE_RESULTS_H_
