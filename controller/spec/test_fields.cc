#include "controller/spec/test_fields.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "controller/spec/spec_limits.h"

namespace arena {
namespace {

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

}  // namespace

absl::Status CheckTestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxTestIdBytes || id.find_first_of("\n\r") != id.npos ||
      id.find('\0') != id.npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "test id \"", id.substr(0, 80), "\" must be one line of 1 to ", kMaxTestIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckSuites(const v1::JobSpec& spec) {
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
  return absl::OkStatus();
}

// Test-queue mode: the test command's template and the test ids.
absl::Status CheckTests(const v1::JobSpec& spec) {
  bool test_mode = spec.tests_size() > 0 || !spec.list_command().empty();
  if (spec.tests_size() > 0 && !spec.list_command().empty()) {
    return absl::InvalidArgumentError("give tests or a list command, not both");
  }
  if (test_mode) {
    bool one = spec.test_command().find("{test}") != std::string::npos;
    bool batch = spec.test_command().find("{tests}") != std::string::npos;
    if (!one && !batch) {
      return absl::InvalidArgumentError(
          "test mode needs a test command containing {test} (one test a run) or {tests} (a "
          "batch), e.g. \"pytest {tests}\"");
    }
    if (one && batch) {
      return absl::InvalidArgumentError(
          "a test command holds {test} (one test a run) or {tests} (a batch), not both");
    }
    if (batch && spec.junit_size() == 0) {
      return absl::InvalidArgumentError(
          "a {tests} command needs a JUnit report (--junit PATH): each test's result in a batch "
          "comes from it");
    }
    if (spec.test_command().size() > kMaxShellCommandBytes ||
        spec.list_command().size() > kMaxShellCommandBytes) {
      return absl::InvalidArgumentError("test and list commands are limited to 64 KiB");
    }
  } else if (!spec.test_command().empty() || spec.destructive_tests_size() > 0 ||
             spec.test_timeout_ms() != 0) {
    return absl::InvalidArgumentError(
        "a test command, a test timeout or destructive tests need tests or a list command");
  }
  const int64_t job_timeout = spec.timeout_ms() > 0 ? spec.timeout_ms() : kDefaultTimeoutMs;
  if (spec.test_timeout_ms() < 0 || spec.test_timeout_ms() > job_timeout) {
    return absl::InvalidArgumentError(
        "the test timeout must be positive and at most the job's timeout (--timeout, 1h by "
        "default)");
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
  return absl::OkStatus();
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
  if (absl::Status s = CheckSuites(spec); !s.ok()) return s;
  if (absl::Status s = CheckTests(spec); !s.ok()) return s;
  if (absl::Status s = CheckPaths(spec.artifacts(), "artifact"); !s.ok()) return s;
  if (absl::Status s = CheckPaths(spec.junit(), "junit"); !s.ok()) return s;
  if (spec.reruns() < 0 || spec.reruns() > kMaxReruns) {
    return absl::InvalidArgumentError(absl::StrCat("reruns must be between 0 and ", kMaxReruns));
  }
  return absl::OkStatus();
}

}  // namespace arena
