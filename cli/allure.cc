#include "cli/allure.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "common/states.h"

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

}  // namespace

absl::StatusOr<int> WriteAllureResults(const std::string& dir, const v1::Job& job,
                                       const std::vector<v1::TestResult>& results) {
  absl::Status made = MakeDirs(dir);
  if (!made.ok()) return made;
  int written = 0;
  auto write = [&](const json& result) -> absl::Status {
    std::string path = absl::StrCat(dir, "/", result["uuid"].get<std::string>(), "-result.json");
    absl::Status status = WriteFileAtomic(path, result.dump(2));
    if (status.ok()) ++written;
    return status;
  };
  std::set<std::string> with_results;
  for (size_t i = 0; i < results.size(); ++i) {
    const v1::TestResult& r = results[i];
    with_results.insert(r.task_id());
    std::string full_name = r.classname().empty() ? r.name() : r.classname() + "." + r.name();
    json result;
    result["uuid"] = Uuid(absl::StrCat(job.id(), "/", r.attempt_id(), "/", r.test_key(), "/", i));
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
    absl::Status status = write(result);
    if (!status.ok()) return status;
  }
  // Tasks without per-test results (a plain command, a suite without JUnit)
  // are one test each.
  for (const v1::Task& task : job.tasks()) {
    if (with_results.count(task.id()) || task.kind() == v1::TASK_KIND_LIST) continue;
    json result;
    std::string name = TaskName(task);
    result["uuid"] = Uuid(absl::StrCat(job.id(), "/", task.id()));
    result["historyId"] = Hex(Fnv1a(absl::StrCat("task|", name)));
    result["name"] = name;
    result["fullName"] = absl::StrCat(job.id(), ".", name);
    std::string status = task.state() == v1::PASSED   ? "passed"
                         : task.state() == v1::FAILED ? "failed"
                                                      : "broken";
    result["status"] = status;
    result["statusDetails"] = {{"message", task.reason()}, {"flaky", task.flaky()}};
    result["stage"] = "finished";
    result["start"] = task.started_unix_ms();
    result["stop"] = task.finished_unix_ms();
    result["labels"] = Labels(task.arch(), task.suite(), task.agent_id());
    absl::Status written_status = write(result);
    if (!written_status.ok()) return written_status;
  }
  return written;
}

}  // namespace arena
