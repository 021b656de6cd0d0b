#include "controller/scheduler/fan_out.h"

#include <algorithm>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "controller/spec/spec_limits.h"
#include "controller/spec/test_fields.h"

namespace arena {
namespace {

v1::Task NewTask(const std::string& arch, const std::string& image, v1::TaskKind kind) {
  v1::Task task;
  task.set_arch(arch);
  task.set_image(image);
  task.set_state(v1::QUEUED);
  task.set_kind(kind);
  return task;
}

std::string ShellQuoted(absl::string_view word) {
  return absl::StrCat("'", absl::StrReplaceAll(word, {{"'", "'\\''"}}), "'");
}

void SetShellCommand(v1::Task& task, const std::string& command) {
  task.add_command("sh");
  task.add_command("-c");
  task.add_command(command);
}

// The list command runs with pipefail, so `pytest --collect-only | grep ::`
// fails when pytest does: in sh where it has the option (busybox ash), else
// in bash where there is one (Debian's dash has none), else as it is. The
// command travels as an argument, never re-quoted.
void SetListCommand(v1::Task& task, const std::string& command) {
  task.add_command("sh");
  task.add_command("-c");
  task.add_command(
      "if (set -o pipefail) 2>/dev/null; then set -o pipefail; eval \"$1\"; "
      "elif command -v bash >/dev/null 2>&1; then exec bash -o pipefail -c \"$1\"; "
      "else eval \"$1\"; fi");
  task.add_command("arena-list");
  task.add_command(command);
}

}  // namespace

std::string ExpandTestCommand(absl::string_view template_command, absl::string_view test_id) {
  std::string quoted = ShellQuoted(test_id);
  return absl::StrReplaceAll(template_command, {{"{test}", quoted}, {"{tests}", quoted}});
}

bool BatchesTests(const v1::JobSpec& spec) {
  return absl::StrContains(spec.test_command(), "{tests}");
}

std::vector<std::string> BatchCommand(absl::string_view template_command,
                                      const std::vector<std::string>& test_ids) {
  std::string quoted;
  for (const std::string& id : test_ids) {
    absl::StrAppend(&quoted, quoted.empty() ? "" : " ", ShellQuoted(id));
  }
  return {"sh", "-c", absl::StrReplaceAll(template_command, {{"{tests}", quoted}})};
}

int64_t JobTimeoutMs(const v1::JobSpec& spec) {
  return spec.timeout_ms() > 0 ? spec.timeout_ms() : kDefaultTimeoutMs;
}

int64_t RunnerStartMs(int64_t test_timeout_ms) {
  constexpr int64_t kWithoutTestTimeoutMs = 60 * 1000;
  constexpr int64_t kAtLeastMs = 10 * 1000;
  return test_timeout_ms > 0 ? std::max(test_timeout_ms, kAtLeastMs) : kWithoutTestTimeoutMs;
}

int64_t BatchTimeoutMs(const std::vector<std::string>& test_ids,
                       const std::map<std::string, int64_t>& history, int64_t test_timeout_ms,
                       int64_t job_timeout_ms) {
  constexpr int64_t kHistoryFactor = 3;
  const int64_t unknown = test_timeout_ms > 0 ? test_timeout_ms : job_timeout_ms;
  int64_t limit = RunnerStartMs(test_timeout_ms);
  for (const std::string& id : test_ids) {
    auto known = history.find(id);
    limit += known != history.end() ? kHistoryFactor * known->second : unknown;
    if (limit >= job_timeout_ms) return job_timeout_ms;
  }
  return limit;
}

std::vector<v1::Task> TestTasks(const v1::JobSpec& spec, const std::string& arch,
                                const std::string& image, const std::vector<std::string>& ids) {
  std::vector<v1::Task> tasks;
  for (const std::string& id : ids) {
    v1::Task task = NewTask(arch, image, v1::TASK_KIND_TEST);
    task.set_test_id(id);
    SetShellCommand(task, ExpandTestCommand(spec.test_command(), id));
    tasks.push_back(std::move(task));
  }
  return tasks;
}

std::vector<v1::Task> FanOut(const v1::JobSpec& spec,
                             const std::map<std::string, std::string>& images) {
  std::vector<v1::Task> tasks;
  for (const std::string& arch : spec.architectures()) {
    auto image_it = images.find(arch);
    const std::string image = image_it == images.end() ? "" : image_it->second;
    if (spec.suites_size() > 0) {
      // Parallel-safe suites first; the serial ones after them, in order.
      for (bool serial : {false, true}) {
        for (const v1::Suite& suite : spec.suites()) {
          if (suite.parallel_safe() == serial) continue;
          v1::Task task = NewTask(arch, image, v1::TASK_KIND_SUITE);
          task.set_suite(suite.name());
          task.set_serial(serial);
          SetShellCommand(task, suite.command());
          tasks.push_back(std::move(task));
        }
      }
    } else if (!spec.list_command().empty()) {
      v1::Task task = NewTask(arch, image, v1::TASK_KIND_LIST);
      SetListCommand(task, spec.list_command());
      tasks.push_back(std::move(task));
    } else if (spec.tests_size() > 0) {
      std::vector<v1::Task> tests =
          TestTasks(spec, arch, image, {spec.tests().begin(), spec.tests().end()});
      for (v1::Task& t : tests) tasks.push_back(std::move(t));
    } else {
      tasks.push_back(NewTask(arch, image, v1::TASK_KIND_COMMAND));
    }
  }
  return tasks;
}

absl::StatusOr<std::vector<std::string>> ParseTestList(absl::string_view output) {
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (absl::Status s = CheckTestId(line); !s.ok()) return s;
    if (!seen.insert(std::string(line)).second) continue;
    ids.emplace_back(line);
    if (ids.size() > static_cast<size_t>(kMaxTests)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the list command printed more than ", kMaxTests, " tests"));
    }
  }
  return ids;
}

void OrderTests(std::vector<v1::Task>& tasks, const std::map<std::string, int64_t>& durations) {
  auto known = [&](const v1::Task& t) -> int64_t {
    auto it = durations.find(t.test_id());
    return it == durations.end() ? -1 : it->second;
  };
  std::stable_sort(tasks.begin(), tasks.end(), [&](const v1::Task& a, const v1::Task& b) {
    bool a_test = a.kind() == v1::TASK_KIND_TEST;
    bool b_test = b.kind() == v1::TASK_KIND_TEST;
    if (a_test != b_test) return !a_test;
    if (!a_test) return false;
    int64_t da = known(a);
    int64_t db = known(b);
    if ((da < 0) != (db < 0)) return da < 0;  // unknown first
    return da > db;
  });
}

void SetBuild(const v1::JobSpec& spec, v1::Assign* assign) {
  v1::BuildSpec* build = assign->mutable_build();
  build->set_dockerfile(spec.build().dockerfile());
  build->set_context(spec.build().context());
  build->mutable_args()->insert(spec.build().args().begin(), spec.build().args().end());
  build->set_target(spec.build().target());
  assign->set_pull_policy(spec.pull_policy());
}

}  // namespace arena
