#include "controller/spec/rerun_spec.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/states.h"

namespace arena {

absl::StatusOr<v1::JobSpec> RerunSpec(const v1::Job& job, bool failed_only) {
  v1::JobSpec spec = job.spec();
  if (!failed_only) return spec;
  if (!IsTerminal(job.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job.id(), " has not ended: only an ended job's failures rerun"));
  }
  std::set<std::string> archs, tests, suites;
  bool list_failed = false;
  for (const v1::Task& task : job.tasks()) {
    if (task.state() == v1::PASSED) continue;
    archs.insert(task.arch());
    if (task.kind() == v1::TASK_KIND_TEST) tests.insert(task.test_id());
    if (task.kind() == v1::TASK_KIND_SUITE) suites.insert(task.suite());
    if (task.kind() == v1::TASK_KIND_LIST) list_failed = true;
  }
  if (archs.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job.id(), " has no failed tasks to rerun"));
  }
  spec.clear_architectures();
  for (const std::string& arch : job.spec().architectures()) {
    if (archs.count(arch)) spec.add_architectures(arch);
  }
  if (!tests.empty() && !list_failed) {
    spec.clear_list_command();
    spec.clear_tests();
    for (const std::string& test : tests) spec.add_tests(test);
  }
  if (!suites.empty()) {
    spec.clear_suites();
    for (const v1::Suite& suite : job.spec().suites()) {
      if (suites.count(suite.name())) *spec.add_suites() = suite;
    }
  }
  return spec;
}

}  // namespace arena
