#include "controller/results/junit_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

// The shape pytest --junitxml writes.
constexpr char kPytest[] = R"(<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="0.1">
<testcase classname="tests.test_math" name="test_add" time="0.001" />
<testcase classname="tests.test_math" name="test_div" time="0.250"><failure message="assert 1 == 2">def test_div():
&gt;       assert 1 == 2
E       assert 1 == 2</failure></testcase>
<testcase classname="tests.test_math" name="test_skip" time="0.000"><skipped type="pytest.skip" message="not today">skipped</skipped></testcase>
<testcase classname="tests.test_io" name="test_file" time="0.002"><error message="failed on setup with &quot;OSError&quot;">fixture</error></testcase>
</testsuite></testsuites>)";

// The shape gotestsum --junitfile writes (nested suites per package).
constexpr char kGo[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1" errors="0" time="0.004">
  <testsuite tests="2" failures="1" time="0.003" name="example.com/calc" timestamp="2026-11-29T00:00:00Z">
    <properties><property name="go.version" value="go1.19"></property></properties>
    <testcase classname="example.com/calc" name="TestAdd" time="0.000"></testcase>
    <testcase classname="example.com/calc" name="TestSub" time="0.001">
      <failure message="Failed" type="">calc_test.go:12: got 3, want 4</failure>
    </testcase>
  </testsuite>
</testsuites>)";

TEST(JunitParser, ReadsPytestReports) {
  absl::StatusOr<std::vector<v1::TestResult>> results = ParseJunit(kPytest);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 4u);
  const auto& r = *results;
  EXPECT_EQ(r[0].test_key(), "tests/test_math.py::test_add");  // pytest's node id
  EXPECT_EQ(r[0].status(), "passed");
  EXPECT_EQ(r[0].suite(), "pytest");
  EXPECT_EQ(r[1].status(), "failed");
  EXPECT_EQ(r[1].duration_ms(), 250);
  EXPECT_EQ(r[1].message(), "assert 1 == 2");
  EXPECT_THAT(r[1].text(), ::testing::HasSubstr(">       assert 1 == 2"));
  EXPECT_EQ(r[2].status(), "skipped");
  EXPECT_EQ(r[2].message(), "not today");
  EXPECT_EQ(r[3].status(), "error");
  EXPECT_EQ(r[3].message(), "failed on setup with \"OSError\"");
}

TEST(JunitParser, ReadsGoTestReportsWithNestedSuites) {
  absl::StatusOr<std::vector<v1::TestResult>> results = ParseJunit(kGo);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].suite(), "example.com/calc");
  EXPECT_EQ((*results)[1].test_key(), "example.com/calc::TestSub");
  EXPECT_EQ((*results)[1].status(), "failed");
  EXPECT_EQ((*results)[1].text(), "calc_test.go:12: got 3, want 4");
}

TEST(JunitParser, BadReportsAreClearErrorsNotCrashes) {
  absl::StatusOr<std::vector<v1::TestResult>> broken = ParseJunit("<testsuite><testcase name=");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broken.status().message()), ::testing::HasSubstr("malformed JUnit XML"));
  absl::StatusOr<std::vector<v1::TestResult>> html = ParseJunit("<html><body/></html>");
  EXPECT_THAT(std::string(html.status().message()), ::testing::HasSubstr("<html>"));
  EXPECT_FALSE(ParseJunit("").ok());
  std::string huge(kMaxJunitBytes + 1, ' ');
  EXPECT_EQ(ParseJunit(huge).status().code(), absl::StatusCode::kResourceExhausted);
  // Deep nesting is walked without recursion.
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += "<testsuite>";
  deep += "<testcase name=\"x\"/>";
  for (int i = 0; i < 20000; ++i) deep += "</testsuite>";
  absl::StatusOr<std::vector<v1::TestResult>> nested = ParseJunit(deep);
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_EQ(nested->size(), 1u);
  // Absurd times do not overflow.
  absl::StatusOr<std::vector<v1::TestResult>> odd = ParseJunit(
      "<testsuite><testcase name=\"t\" time=\"1e308\"/><testcase name=\"u\" "
      "time=\"nan\"/></testsuite>");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ((*odd)[0].duration_ms(), 0);
  EXPECT_EQ((*odd)[1].duration_ms(), 0);
}

}  // namespace
}  // namespace arena
