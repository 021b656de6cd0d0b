#include "cli/junit.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/states.h"

namespace arena {

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string LastLines(absl::string_view text, int lines) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t pos = text.size();
  for (int i = 0; i < lines; ++i) {
    size_t nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    if (nl == absl::string_view::npos || pos == 0) return std::string(text);
    pos = nl;
  }
  return std::string(text.substr(pos + 1));
}

std::vector<v1::TestResult> FinalResults(const std::vector<v1::TestResult>& results) {
  std::map<std::string, int> last_attempt;  // by task id
  for (const v1::TestResult& r : results) {
    int& n = last_attempt[r.task_id()];
    n = std::max(n, r.attempt_number());
  }
  std::vector<v1::TestResult> final;
  for (const v1::TestResult& r : results) {
    if (r.attempt_number() == last_attempt[r.task_id()]) final.push_back(r);
  }
  return final;
}

namespace {

std::string GroupName(const v1::Task& task) {
  switch (task.kind()) {
    case v1::TASK_KIND_SUITE:
      return absl::StrCat(task.arch(), "/", task.suite());
    case v1::TASK_KIND_TEST:
    case v1::TASK_KIND_LIST:
      return absl::StrCat(task.arch(), "/tests");
    default:
      return task.arch();
  }
}

struct Suite {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
  double seconds = 0;
  std::string cases;
};

void AddTaskCase(const v1::Job& job, const v1::Task& task,
                 const std::map<std::string, std::string>& log_tails, Suite& suite) {
  double seconds = static_cast<double>(task.duration_ms()) / 1000.0;
  ++suite.tests;
  suite.seconds += seconds;
  std::string name = task.kind() == v1::TASK_KIND_COMMAND ? task.arch() : TaskName(task);
  absl::StrAppend(&suite.cases, "    <testcase classname=\"arena.", XmlEscape(job.id()),
                  "\" name=\"", XmlEscape(name), "\" time=\"", absl::StrFormat("%.3f", seconds),
                  "\">\n");
  auto tail = log_tails.find(task.id());
  std::string body = tail == log_tails.end() ? "" : XmlEscape(tail->second);
  std::string message = XmlEscape(task.reason().empty() ? StateName(task.state()) : task.reason());
  if (task.state() == v1::FAILED && !task.quarantined()) {
    ++suite.failures;
    absl::StrAppend(&suite.cases, "      <failure type=\"failed\" message=\"", message, "\">", body,
                    "</failure>\n");
  } else if (task.state() != v1::PASSED && !task.quarantined()) {
    ++suite.errors;
    absl::StrAppend(&suite.cases, "      <error type=\"", StateName(task.state()), "\" message=\"",
                    message, "\">", body, "</error>\n");
  }
  absl::StrAppend(
      &suite.cases, "      <properties>\n", "        <property name=\"agent\" value=\"",
      XmlEscape(task.agent_id()), "\"/>\n", "        <property name=\"emulated\" value=\"",
      task.emulated() ? "true" : "false", "\"/>\n", "        <property name=\"exit_code\" value=\"",
      task.exit_code(), "\"/>\n",
      task.flaky() ? "        <property name=\"flaky\" value=\"true\"/>\n" : "",
      task.quarantined() ? "        <property name=\"quarantined\" value=\"true\"/>\n" : "",
      "      </properties>\n    </testcase>\n");
}

void AddResultCase(const v1::TestResult& r, bool flaky, Suite& suite) {
  double seconds = static_cast<double>(r.duration_ms()) / 1000.0;
  ++suite.tests;
  suite.seconds += seconds;
  absl::StrAppend(&suite.cases, "    <testcase classname=\"", XmlEscape(r.classname()),
                  "\" name=\"", XmlEscape(r.name()), "\" time=\"", absl::StrFormat("%.3f", seconds),
                  "\">\n");
  std::string message = XmlEscape(r.message());
  if (r.status() == "failed" && !r.quarantined()) {
    ++suite.failures;
    absl::StrAppend(&suite.cases, "      <failure message=\"", message, "\">", XmlEscape(r.text()),
                    "</failure>\n");
  } else if (r.status() == "error" && !r.quarantined()) {
    ++suite.errors;
    absl::StrAppend(&suite.cases, "      <error message=\"", message, "\">", XmlEscape(r.text()),
                    "</error>\n");
  } else if (r.status() == "skipped") {
    ++suite.skipped;
    absl::StrAppend(&suite.cases, "      <skipped message=\"", message, "\"/>\n");
  }
  absl::StrAppend(
      &suite.cases, "      <properties>\n", "        <property name=\"agent\" value=\"",
      XmlEscape(r.agent_id()), "\"/>\n", "        <property name=\"attempt\" value=\"",
      r.attempt_number(), "\"/>\n",
      flaky ? "        <property name=\"flaky\" value=\"true\"/>\n" : "",
      r.quarantined() ? "        <property name=\"quarantined\" value=\"true\"/>\n" : "",
      "      </properties>\n    </testcase>\n");
}

std::string Counts(const Suite& s) {
  return absl::StrCat("tests=\"", s.tests, "\" failures=\"", s.failures, "\" errors=\"", s.errors,
                      "\" skipped=\"", s.skipped, "\" time=\"", absl::StrFormat("%.3f", s.seconds),
                      "\"");
}

}  // namespace

std::string JunitXml(const v1::Job& job, const std::map<std::string, std::string>& log_tails,
                     const std::vector<v1::TestResult>& results) {
  std::map<std::string, std::vector<const v1::TestResult*>> by_task;
  std::vector<v1::TestResult> final = FinalResults(results);
  std::set<std::pair<std::string, std::string>> failed_once;
  for (const v1::TestResult& r : results) {
    if (r.status() == "failed" || r.status() == "error")
      failed_once.insert({r.task_id(), r.test_key()});
  }
  for (const v1::TestResult& r : final) by_task[r.task_id()].push_back(&r);
  std::vector<std::string> order;
  std::map<std::string, Suite> suites;
  for (const v1::Task& task : job.tasks()) {
    // A list step that worked is not a test; one that failed is the error.
    if (task.kind() == v1::TASK_KIND_LIST && task.state() == v1::PASSED) continue;
    std::string group = GroupName(task);
    if (!suites.count(group)) order.push_back(group);
    Suite& suite = suites[group];
    auto found = by_task.find(task.id());
    if (found == by_task.end()) {
      AddTaskCase(job, task, log_tails, suite);
      continue;
    }
    for (const v1::TestResult* r : found->second) {
      bool flaky = r->status() == "passed" && failed_once.count({r->task_id(), r->test_key()});
      AddResultCase(*r, flaky, suite);
    }
  }
  Suite total;
  std::string body;
  for (const std::string& group : order) {
    const Suite& s = suites[group];
    total.tests += s.tests;
    total.failures += s.failures;
    total.errors += s.errors;
    total.skipped += s.skipped;
    total.seconds += s.seconds;
    absl::StrAppend(&body, "  <testsuite name=\"", XmlEscape(group), "\" ", Counts(s), ">\n",
                    s.cases, "  </testsuite>\n");
  }
  return absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<testsuites name=\"arena ",
                      XmlEscape(job.id()), "\" ", Counts(total), ">\n", body, "</testsuites>\n");
}

}  // namespace arena
