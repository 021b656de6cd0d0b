#include "controller/scheduler/fan_out.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

using ::testing::HasSubstr;

v1::JobSpec SuiteSpec() {
  v1::JobSpec spec;
  spec.add_architectures("amd64");
  spec.add_architectures("arm64");
  for (auto [name, parallel] :
       {std::pair{"lint", true}, {"db", false}, {"unit", true}, {"e2e", false}}) {
    v1::Suite* suite = spec.add_suites();
    suite->set_name(name);
    suite->set_command(std::string("run ") + name);
    suite->set_parallel_safe(parallel);
  }
  return spec;
}

TEST(FanOut, SuitesPerArchitectureParallelSafeFirstThenSerialInOrder) {
  std::vector<v1::Task> tasks =
      FanOut(SuiteSpec(), {{"amd64", "img:amd64"}, {"arm64", "img:arm64"}});
  ASSERT_EQ(tasks.size(), 8u);
  std::vector<std::string> names;
  for (const v1::Task& t : tasks) {
    names.push_back(t.arch() + "/" + t.suite() + (t.serial() ? "*" : ""));
    EXPECT_EQ(t.kind(), v1::TASK_KIND_SUITE);
    EXPECT_EQ(t.state(), v1::QUEUED);
    EXPECT_EQ(t.image(), "img:" + t.arch());
    ASSERT_EQ(t.command_size(), 3);
    EXPECT_EQ(t.command(2), "run " + t.suite());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("amd64/lint", "amd64/unit", "amd64/db*", "amd64/e2e*",
                                            "arm64/lint", "arm64/unit", "arm64/db*", "arm64/e2e*"));
}

TEST(FanOut, TestsListAndPlainCommand) {
  v1::JobSpec spec;
  spec.add_architectures("amd64");
  spec.add_tests("a.py::t1");
  spec.add_tests("it's");
  spec.set_test_command("pytest {test} -q");
  std::vector<v1::Task> tests = FanOut(spec, {{"amd64", "img"}});
  ASSERT_EQ(tests.size(), 2u);
  EXPECT_EQ(tests[0].kind(), v1::TASK_KIND_TEST);
  EXPECT_EQ(tests[0].test_id(), "a.py::t1");
  EXPECT_EQ(tests[0].command(2), "pytest 'a.py::t1' -q");
  EXPECT_EQ(tests[1].command(2), "pytest 'it'\\''s' -q");  // quoted for sh

  spec.clear_tests();
  spec.set_list_command("pytest --collect-only -q");
  std::vector<v1::Task> list = FanOut(spec, {{"amd64", "img"}});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kind(), v1::TASK_KIND_LIST);

  v1::JobSpec plain;
  plain.add_architectures("amd64");
  plain.add_command("true");
  std::vector<v1::Task> one = FanOut(plain, {{"amd64", "img"}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].kind(), v1::TASK_KIND_COMMAND);
  EXPECT_EQ(one[0].command_size(), 0);  // the job's command
}

TEST(FanOut, TestListSkipsBlanksCommentsAndDuplicates) {
  absl::StatusOr<std::vector<std::string>> ids = ParseTestList("a\n\n# comment\n  b  \na\nc");
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ::testing::ElementsAre("a", "b", "c"));
  EXPECT_FALSE(ParseTestList(std::string(2000, 'x')).ok());
}

TEST(FanOut, LongestFirstWithUnknownTestsEarly) {
  std::vector<v1::Task> tasks;
  for (const char* id : {"short", "new1", "long", "mid", "new2"}) {
    v1::Task t;
    t.set_kind(v1::TASK_KIND_TEST);
    t.set_test_id(id);
    tasks.push_back(t);
  }
  OrderTests(tasks, {{"short", 10}, {"long", 5000}, {"mid", 300}});
  std::vector<std::string> order;
  for (const v1::Task& t : tasks) order.push_back(t.test_id());
  EXPECT_THAT(order, ::testing::ElementsAre("new1", "new2", "long", "mid", "short"));
}

}  // namespace
}  // namespace arena
