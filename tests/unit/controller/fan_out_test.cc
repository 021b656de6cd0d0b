#include "controller/scheduler/fan_out.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

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
  ASSERT_EQ(list[0].command_size(), 5);  // sh -c WRAPPER arena-list COMMAND
  EXPECT_THAT(list[0].command(2), ::testing::HasSubstr("set -o pipefail"));
  EXPECT_EQ(list[0].command(4), "pytest --collect-only -q");

  v1::JobSpec plain;
  plain.add_architectures("amd64");
  plain.add_command("true");
  std::vector<v1::Task> one = FanOut(plain, {{"amd64", "img"}});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].kind(), v1::TASK_KIND_COMMAND);
  EXPECT_EQ(one[0].command_size(), 0);  // the job's command
}

TEST(FanOut, ABatchCommandQuotesEachIdOfTheBatch) {
  v1::JobSpec spec;
  spec.set_test_command("pytest {tests} --junitxml=r.xml");
  EXPECT_TRUE(BatchesTests(spec));
  EXPECT_EQ(BatchCommand(spec.test_command(), {"a.py::t1", "it's", "b c"}),
            (std::vector<std::string>{"sh", "-c",
                                      "pytest 'a.py::t1' 'it'\\''s' 'b c' --junitxml=r.xml"}));
  // One test of a batching job (a rerun alone) runs by the same template.
  EXPECT_EQ(ExpandTestCommand(spec.test_command(), "a.py::t1"),
            "pytest 'a.py::t1' --junitxml=r.xml");
  spec.set_test_command("pytest {test}");
  EXPECT_FALSE(BatchesTests(spec));
}

TEST(FanOut, ABatchsTimeoutIsThreeTimesItsHistoryPlusOneTestLimit) {
  const std::map<std::string, int64_t> history = {{"a", 1000}, {"b", 2000}};
  constexpr int64_t kHour = 60 * 60 * 1000;
  // With a test timeout of 10 s: 3 * (1 + 2) s, the runner's start at 10 s.
  EXPECT_EQ(BatchTimeoutMs({"a", "b"}, history, 10000, kHour), 19000);
  // A test without history counts its whole limit.
  EXPECT_EQ(BatchTimeoutMs({"a", "new"}, history, 10000, kHour), 23000);
  // Without a test timeout: a minute for the start; an unknown test takes
  // the job's timeout, which caps it all.
  EXPECT_EQ(BatchTimeoutMs({"a", "b"}, history, 0, kHour), 69000);
  EXPECT_EQ(BatchTimeoutMs({"a", "new"}, history, 0, kHour), kHour);
  EXPECT_EQ(BatchTimeoutMs({"a", "b"}, history, 10000, 15000), 15000);
  // A short test timeout still leaves the runner 10 s to start.
  EXPECT_EQ(BatchTimeoutMs({"a", "b"}, history, 2000, kHour), 19000);
  EXPECT_EQ(RunnerStartMs(2000), 10000);
  EXPECT_EQ(RunnerStartMs(30000), 30000);
  EXPECT_EQ(RunnerStartMs(0), 60000);
  v1::JobSpec spec;
  EXPECT_EQ(JobTimeoutMs(spec), kHour);  // stored without one
  spec.set_timeout_ms(5000);
  EXPECT_EQ(JobTimeoutMs(spec), 5000);
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
