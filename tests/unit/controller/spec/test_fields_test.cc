#include "controller/spec/test_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/spec/spec_limits.h"

namespace arena {
namespace {

using ::testing::HasSubstr;

v1::JobSpec TwoSuites() {
  v1::JobSpec spec;
  for (const char* name : {"lint", "unit"}) {
    v1::Suite* suite = spec.add_suites();
    suite->set_name(name);
    suite->set_command(std::string("run ") + name);
  }
  return spec;
}

TEST(TestFields, EachRefusalNamesTheProblem) {
  EXPECT_TRUE(ValidateTestFields(TwoSuites()).ok());
  v1::JobSpec both = TwoSuites();
  both.add_command("true");
  EXPECT_THAT(std::string(ValidateTestFields(both).message()), HasSubstr("alternatives"));
  v1::JobSpec twice = TwoSuites();
  twice.mutable_suites(1)->set_name("lint");
  EXPECT_THAT(std::string(ValidateTestFields(twice).message()), HasSubstr("appears twice"));
  v1::JobSpec no_template;
  no_template.add_tests("a");
  no_template.set_test_command("pytest");
  EXPECT_THAT(std::string(ValidateTestFields(no_template).message()), HasSubstr("{test}"));
  v1::JobSpec bad_id;
  bad_id.add_tests("a\nb");
  bad_id.set_test_command("x {test}");
  EXPECT_THAT(std::string(ValidateTestFields(bad_id).message()), HasSubstr("one line"));
  v1::JobSpec escape;
  escape.add_command("true");
  escape.add_artifacts("../../etc/passwd");
  EXPECT_THAT(std::string(ValidateTestFields(escape).message()), HasSubstr(".."));
  v1::JobSpec reruns;
  reruns.add_command("true");
  reruns.set_reruns(11);
  EXPECT_THAT(std::string(ValidateTestFields(reruns).message()), HasSubstr("reruns"));
  v1::JobSpec nothing;
  EXPECT_THAT(std::string(ValidateTestFields(nothing).message()), HasSubstr("command is empty"));
}

TEST(TestFields, TestIdsAreOneBoundedLine) {
  EXPECT_TRUE(CheckTestId("tests/test_a.py::test_x[1-2]").ok());
  EXPECT_FALSE(CheckTestId("").ok());
  EXPECT_FALSE(CheckTestId("a\rb").ok());
  EXPECT_FALSE(CheckTestId(std::string("a\0b", 3)).ok());
  EXPECT_TRUE(CheckTestId(std::string(kMaxTestIdBytes, 'x')).ok());
  EXPECT_FALSE(CheckTestId(std::string(kMaxTestIdBytes + 1, 'x')).ok());
}

TEST(TestFields, TestModeNeedsATemplateAndNotBothSources) {
  v1::JobSpec listed;
  listed.set_list_command("pytest --collect-only -q");
  listed.set_test_command("pytest {test}");
  EXPECT_TRUE(ValidateTestFields(listed).ok());
  listed.add_tests("a");
  EXPECT_THAT(std::string(ValidateTestFields(listed).message()), HasSubstr("not both"));
  v1::JobSpec stray;
  stray.add_command("true");
  stray.set_test_command("pytest {test}");
  EXPECT_THAT(std::string(ValidateTestFields(stray).message()), HasSubstr("need tests"));
  v1::JobSpec many;
  many.set_test_command("x {test}");
  for (int i = 0; i <= kMaxTests; ++i) many.add_tests("t" + std::to_string(i));
  EXPECT_THAT(std::string(ValidateTestFields(many).message()), HasSubstr("at most"));
}

TEST(TestFields, ABatchTemplateTakesTestsAndNeedsAReport) {
  v1::JobSpec batch;
  batch.add_tests("a");
  batch.set_test_command("pytest {tests} --junitxml=r.xml");
  EXPECT_THAT(std::string(ValidateTestFields(batch).message()), HasSubstr("JUnit"));
  batch.add_junit("r.xml");
  EXPECT_TRUE(ValidateTestFields(batch).ok());
  batch.set_test_command("pytest {tests} {test}");
  EXPECT_THAT(std::string(ValidateTestFields(batch).message()), HasSubstr("not both"));
}

TEST(TestFields, ATestTimeoutIsPositiveAtMostTheJobsAndOnlyForTests) {
  v1::JobSpec spec;
  spec.add_tests("a");
  spec.set_test_command("pytest {test}");
  spec.set_test_timeout_ms(30000);
  EXPECT_TRUE(ValidateTestFields(spec).ok());
  spec.set_test_timeout_ms(2 * 60 * 60 * 1000);  // over the default hour
  EXPECT_THAT(std::string(ValidateTestFields(spec).message()), HasSubstr("at most the job's"));
  spec.set_timeout_ms(3 * 60 * 60 * 1000);
  EXPECT_TRUE(ValidateTestFields(spec).ok());
  spec.set_test_timeout_ms(-1);
  EXPECT_THAT(std::string(ValidateTestFields(spec).message()), HasSubstr("positive"));
  v1::JobSpec command;
  command.add_command("make");
  command.set_test_timeout_ms(1000);
  EXPECT_THAT(std::string(ValidateTestFields(command).message()),
              HasSubstr("test timeout or destructive tests need tests"));
}

}  // namespace
}  // namespace arena
