#include "cli/junit.h"

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

std::string JunitXml(const v1::Job& job, const std::map<std::string, std::string>& log_tails) {
  int failures = 0;
  int errors = 0;
  double total_seconds = 0;
  std::string cases;
  for (const v1::Task& task : job.tasks()) {
    double seconds = static_cast<double>(task.duration_ms()) / 1000.0;
    total_seconds += seconds;
    absl::StrAppend(&cases, "    <testcase classname=\"arena.", XmlEscape(job.id()), "\" name=\"",
                    XmlEscape(task.arch()), "\" time=\"", absl::StrFormat("%.3f", seconds),
                    "\">\n");
    auto tail = log_tails.find(task.id());
    std::string body = tail == log_tails.end() ? "" : XmlEscape(tail->second);
    std::string message =
        XmlEscape(task.reason().empty() ? StateName(task.state()) : task.reason());
    if (task.state() == v1::FAILED) {
      ++failures;
      absl::StrAppend(&cases, "      <failure type=\"failed\" message=\"", message, "\">", body,
                      "</failure>\n");
    } else if (task.state() != v1::PASSED) {
      ++errors;
      absl::StrAppend(&cases, "      <error type=\"", StateName(task.state()), "\" message=\"",
                      message, "\">", body, "</error>\n");
    }
    absl::StrAppend(&cases, "      <properties>\n", "        <property name=\"agent\" value=\"",
                    XmlEscape(task.agent_id()), "\"/>\n",
                    "        <property name=\"emulated\" value=\"",
                    task.emulated() ? "true" : "false", "\"/>\n",
                    "        <property name=\"exit_code\" value=\"", task.exit_code(), "\"/>\n",
                    "      </properties>\n    </testcase>\n");
  }
  std::string counts =
      absl::StrCat("tests=\"", job.tasks_size(), "\" failures=\"", failures, "\" errors=\"", errors,
                   "\" time=\"", absl::StrFormat("%.3f", total_seconds), "\"");
  return absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<testsuites name=\"arena\" ",
                      counts, ">\n", "  <testsuite name=\"", XmlEscape(job.id()), "\" ", counts,
                      ">\n", cases, "  </testsuite>\n</testsuites>\n");
}

}  // namespace arena
