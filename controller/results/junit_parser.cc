#include "controller/results/junit_parser.h"

#include <cmath>
#include <cstdlib>
#include <pugixml.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/test_identity.h"

namespace arena {
namespace {

std::string Truncated(const char* text, size_t limit) {
  std::string out(text);
  if (out.size() > limit) {
    out.resize(limit);
    out += "\n[truncated by arena]";
  }
  return out;
}

int64_t DurationMs(const pugi::xml_node& testcase) {
  double seconds = std::strtod(testcase.attribute("time").value(), nullptr);
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e9) return 0;
  return static_cast<int64_t>(std::llround(seconds * 1000));
}

v1::TestResult ReadCase(const pugi::xml_node& testcase, const std::string& suite) {
  v1::TestResult result;
  result.set_suite(suite);
  result.set_classname(testcase.attribute("classname").value());
  result.set_name(testcase.attribute("name").value());
  result.set_duration_ms(DurationMs(testcase));
  result.set_test_key(
      TestKeyOf(result.classname(), result.name(), testcase.attribute("file").value()));
  result.set_status("passed");
  // The first failure, error or skip decides (a case rarely has several).
  for (const char* kind : {"failure", "error", "skipped"}) {
    pugi::xml_node node = testcase.child(kind);
    if (!node) continue;
    result.set_status(std::string(kind) == "failure" ? "failed"
                      : std::string(kind) == "error" ? "error"
                                                     : "skipped");
    result.set_message(Truncated(node.attribute("message").value(), 4096));
    result.set_text(Truncated(node.text().get(), kMaxFailureTextBytes));
    break;
  }
  return result;
}

}  // namespace

absl::StatusOr<std::vector<v1::TestResult>> ParseJunit(absl::string_view xml) {
  if (xml.size() > kMaxJunitBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("JUnit report of ", xml.size() >> 20,
                                                     " MiB is over the ", kMaxJunitBytes >> 20,
                                                     " MiB limit"));
  }
  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JUnit XML: ", parsed.description(), " at byte ", parsed.offset));
  }
  pugi::xml_node root = doc.document_element();
  std::string root_name = root.name();
  if (root_name != "testsuites" && root_name != "testsuite") {
    return absl::InvalidArgumentError(absl::StrCat("not a JUnit report: the root element is <",
                                                   root_name.substr(0, 64), ">, not <testsuites>"));
  }
  std::vector<v1::TestResult> results;
  // Iterative walk: nested testsuites must not recurse without bound.
  std::vector<std::pair<pugi::xml_node, std::string>> pending = {{root, ""}};
  while (!pending.empty()) {
    auto [node, outer] = pending.back();
    pending.pop_back();
    std::string suite = std::string(node.name()) == "testsuite" && node.attribute("name")
                            ? node.attribute("name").value()
                            : outer;
    for (pugi::xml_node child : node.children()) {
      std::string name = child.name();
      if (name == "testsuite" || name == "testsuites") {
        pending.emplace_back(child, suite);
      } else if (name == "testcase") {
        if (results.size() >= kMaxJunitCases) {
          return absl::ResourceExhaustedError(
              absl::StrCat("JUnit report has more than ", kMaxJunitCases, " test cases"));
        }
        results.push_back(ReadCase(child, suite));
      }
    }
  }
  return results;
}

}  // namespace arena
