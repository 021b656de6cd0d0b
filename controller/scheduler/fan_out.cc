#include "controller/scheduler/fan_out.h"

#include <algorithm>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace arena {
namespace {

constexpr int kMaxSuites = 256;
constexpr int kMaxTests = 20000;
constexpr size_t kMaxTestIdBytes = 1024;
constexpr size_t kMaxShellCommandBytes = 64 * 1024;
constexpr int kMaxPaths = 32;
constexpr int kMaxReruns = 10;

bool SafeContainerPath(absl::string_view path) {
  if (path.empty() || path.size() > 1024 || path.find('\0') != absl::string_view::npos) {
    return false;
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "..") return false;
  }
  return true;
}

absl::Status CheckPaths(const google::protobuf::RepeatedPtrField<std::string>& paths,
                        absl::string_view field) {
  if (paths.size() > kMaxPaths) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxPaths, " ", field, " paths"));
  }
  for (const std::string& path : paths) {
    if (!SafeContainerPath(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " path \"", path, "\" must be non-empty and without \"..\""));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxTestIdBytes || id.find_first_of("\n\r") != id.npos ||
      id.find('\0') != id.npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "test id \"", id.substr(0, 80), "\" must be one line of 1 to ", kMaxTestIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

v1::Task NewTask(const std::string& arch, const std::string& image, v1::TaskKind kind) {
  v1::Task task;
  task.set_arch(arch);
  task.set_image(image);
  task.set_state(v1::QUEUED);
  task.set_kind(kind);
  return task;
}

void SetShellCommand(v1::Task& task, const std::string& command) {
  task.add_command("sh");
  task.add_command("-c");
  task.add_command(command);
}

}  // namespace

absl::Status ValidateTestFields(const v1::JobSpec& spec) {
  int modes = (spec.command_size() > 0) + (spec.suites_size() > 0) +
              (spec.tests_size() > 0 || !spec.list_command().empty());
  if (modes == 0) {
    return absl::InvalidArgumentError(
        "command is empty: give a command, suites, or tests with a test command");
  }
  if (modes > 1) {
    return absl::InvalidArgumentError(
        "command, suites and tests are alternatives: give only one of them");
  }
  if (spec.suites_size() > kMaxSuites) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxSuites, " suites"));
  }
  std::set<std::string> names;
  for (const v1::Suite& suite : spec.suites()) {
    if (suite.name().empty() || suite.name().size() > 128 ||
        suite.name().find_first_of("/\n ") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("suite name \"", suite.name(),
                       "\" must be 1 to 128 bytes without '/', spaces or newlines"));
    }
    if (!names.insert(suite.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat("suite \"", suite.name(), "\" appears twice"));
    }
    if (suite.command().empty() || suite.command().size() > kMaxShellCommandBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("suite \"", suite.name(), "\" needs a command of at most 64 KiB"));
    }
  }
  bool test_mode = spec.tests_size() > 0 || !spec.list_command().empty();
  if (spec.tests_size() > 0 && !spec.list_command().empty()) {
    return absl::InvalidArgumentError("give tests or a list command, not both");
  }
  if (test_mode) {
    if (spec.test_command().find("{test}") == std::string::npos) {
      return absl::InvalidArgumentError(
          "test mode needs a test command containing {test}, e.g. \"pytest {test}\"");
    }
    if (spec.test_command().size() > kMaxShellCommandBytes ||
        spec.list_command().size() > kMaxShellCommandBytes) {
      return absl::InvalidArgumentError("test and list commands are limited to 64 KiB");
    }
  } else if (!spec.test_command().empty() || spec.destructive_tests_size() > 0) {
    return absl::InvalidArgumentError(
        "a test command or destructive tests need tests or a list command");
  }
  if (spec.tests_size() > kMaxTests) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxTests, " tests"));
  }
  std::set<std::string> ids;
  for (const std::string& id : spec.tests()) {
    if (absl::Status s = CheckTestId(id); !s.ok()) return s;
    if (!ids.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat("test \"", id, "\" appears twice"));
    }
  }
  for (const std::string& id : spec.destructive_tests()) {
    if (absl::Status s = CheckTestId(id); !s.ok()) return s;
  }
  if (absl::Status s = CheckPaths(spec.artifacts(), "artifact"); !s.ok()) return s;
  if (absl::Status s = CheckPaths(spec.junit(), "junit"); !s.ok()) return s;
  if (spec.reruns() < 0 || spec.reruns() > kMaxReruns) {
    return absl::InvalidArgumentError(absl::StrCat("reruns must be between 0 and ", kMaxReruns));
  }
  return absl::OkStatus();
}

std::string ExpandTestCommand(absl::string_view template_command, absl::string_view test_id) {
  std::string quoted = absl::StrCat("'", absl::StrReplaceAll(test_id, {{"'", "'\\''"}}), "'");
  return absl::StrReplaceAll(template_command, {{"{test}", quoted}});
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
      SetShellCommand(task, spec.list_command());
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
