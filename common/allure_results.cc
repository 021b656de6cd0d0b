#include "common/allure_results.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "common/states.h"
#include "common/status_macros.h"

namespace arena {
namespace {

using json = nlohmann::json;

uint64_t Fnv1a(const std::string& text, uint64_t seed = 1469598103934665603ULL) {
  uint64_t hash = seed;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string Hex(uint64_t value) { return absl::StrFormat("%016x", value); }

// A stable UUID-shaped id for one result.
std::string Uuid(const std::string& seed) {
  std::string hex = Hex(Fnv1a(seed)) + Hex(Fnv1a(seed, 0x9e3779b97f4a7c15ULL));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

std::string AllureStatus(const std::string& status) {
  if (status == "error") return "broken";
  return status;  // passed, failed, skipped
}

json Labels(const std::string& arch, const std::string& suite, const std::string& agent) {
  json labels = json::array();
  labels.push_back({{"name", "parentSuite"}, {"value", arch}});
  if (!suite.empty()) labels.push_back({{"name", "suite"}, {"value", suite}});
  if (!agent.empty()) labels.push_back({{"name", "host"}, {"value", agent}});
  labels.push_back({{"name", "framework"}, {"value", "arena"}});
  return labels;
}

json TestResultJson(const v1::Job& job, const v1::TestResult& r, size_t index) {
  std::string full_name = r.classname().empty() ? r.name() : r.classname() + "." + r.name();
  json result;
  result["uuid"] = Uuid(absl::StrCat(job.id(), "/", r.attempt_id(), "/", r.test_key(), "/", index));
  result["historyId"] = Hex(Fnv1a(absl::StrCat(r.test_key(), "|", r.arch())));
  result["testCaseId"] = Hex(Fnv1a(r.test_key()));
  result["name"] = r.name();
  result["fullName"] = full_name;
  result["status"] = AllureStatus(r.status());
  result["statusDetails"] = {{"message", r.message()},
                             {"trace", r.text()},
                             {"flaky", r.flaky()},
                             {"muted", r.quarantined()}};
  result["stage"] = "finished";
  result["stop"] = r.finished_unix_ms();
  result["start"] = r.finished_unix_ms() - r.duration_ms();
  result["labels"] = Labels(r.arch(), r.suite(), r.agent_id());
  result["parameters"] = json::array({{{"name", "arch"}, {"value", r.arch()}}});
  return result;
}

// A task without per-test results (a plain command, a suite without JUnit)
// is one test.
json TaskResultJson(const v1::Job& job, const v1::Task& task) {
  json result;
  std::string name = TaskName(task);
  result["uuid"] = Uuid(absl::StrCat(job.id(), "/", task.id()));
  result["historyId"] = Hex(Fnv1a(absl::StrCat("task|", name)));
  result["name"] = name;
  result["fullName"] = absl::StrCat(job.id(), ".", name);
  result["status"] = task.state() == v1::PASSED   ? "passed"
                     : task.state() == v1::FAILED ? "failed"
                                                  : "broken";
  result["statusDetails"] = {{"message", task.reason()}, {"flaky", task.flaky()}};
  result["stage"] = "finished";
  result["start"] = task.started_unix_ms();
  result["stop"] = task.finished_unix_ms();
  result["labels"] = Labels(task.arch(), task.suite(), task.agent_id());
  return result;
}

AllureFile ToFile(const json& result) {
  // dump's error handler: an invalid UTF-8 byte in a message becomes U+FFFD
  // instead of an exception.
  return {absl::StrCat(result["uuid"].get<std::string>(), "-result.json"),
          result.dump(2, ' ', false, json::error_handler_t::replace)};
}

}  // namespace

std::vector<AllureFile> AllureResultFiles(const v1::Job& job,
                                          const std::vector<v1::TestResult>& results) {
  std::vector<AllureFile> files;
  std::set<std::string> with_results;
  for (size_t i = 0; i < results.size(); ++i) {
    with_results.insert(results[i].task_id());
    files.push_back(ToFile(TestResultJson(job, results[i], i)));
  }
  for (const v1::Task& task : job.tasks()) {
    if (with_results.count(task.id()) || task.kind() == v1::TASK_KIND_LIST) continue;
    files.push_back(ToFile(TaskResultJson(job, task)));
  }
  return files;
}

AllureFile AllureExecutorFile(const v1::Job& job, const std::string& job_url) {
  json executor = {{"name", "Arena"},
                   {"type", "arena"},
                   {"buildName", job.id()},
                   {"buildUrl", job_url},
                   {"reportName", job.id()}};
  return {"executor.json", executor.dump(2, ' ', false, json::error_handler_t::replace)};
}

absl::StatusOr<int> WriteAllureResults(const std::string& dir, const v1::Job& job,
                                       const std::vector<v1::TestResult>& results) {
  RETURN_IF_ERROR(MakeDirs(dir));
  int written = 0;
  for (const AllureFile& file : AllureResultFiles(job, results)) {
    RETURN_IF_ERROR(WriteFileAtomic(absl::StrCat(dir, "/", file.name), file.content));
    ++written;
  }
  return written;
}

}  // namespace arena
