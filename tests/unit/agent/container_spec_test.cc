#include "agent/executor/container_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arena {
namespace {

using ::testing::ElementsAre;

RunRequest SomeRequest() {
  RunRequest request;
  request.attempt_id = "att-1";
  request.task_id = "task-1";
  request.job_id = "job-1";
  request.arch = "arm64";
  request.image = "busybox";
  request.command = {"make", "test"};
  request.env = {{"A", "1"}};
  request.memory_mb = 2;
  request.cpus = 1.5;
  return request;
}

TEST(ContainerSpec, LabelsLimitsAndMountsTheAttempt) {
  ContainerSpec spec = ContainerSpecFor(SomeRequest(), "agent-9", "/work/att-ws-1");
  EXPECT_EQ(spec.name, "arena-att-1");
  EXPECT_EQ(spec.platform, "linux/arm64");
  EXPECT_EQ(spec.labels["arena.agent"], "agent-9");
  EXPECT_EQ(spec.labels["arena.attempt"], "att-1");
  EXPECT_THAT(spec.binds, ElementsAre("/work/att-ws-1:/workspace"));
  EXPECT_EQ(spec.working_dir, "/workspace");
  EXPECT_THAT(spec.env, ElementsAre("A=1"));
  EXPECT_EQ(spec.memory_bytes, 2 << 20);
  EXPECT_EQ(spec.nano_cpus, 1500000000);
  EXPECT_EQ(spec.network_mode, "none");
  EXPECT_EQ(spec.log_driver, "none");
  EXPECT_EQ(spec.cap_add.size(), 8u);
  EXPECT_TRUE(ContainerSpecFor(SomeRequest(), "a", "").binds.empty());
}

TEST(ContainerSpec, AWarmTestRemovesItsReportPathsBeforeItRuns) {
  RunRequest request = SomeRequest();
  EXPECT_THAT(CleanThenRun(request), ElementsAre("make", "test"));
  request.artifacts = {"out dir"};
  request.junit = {"junit.xml"};
  std::vector<std::string> argv = CleanThenRun(request);
  ASSERT_EQ(argv.size(), 9u);
  EXPECT_EQ(argv[0], "sh");
  EXPECT_EQ(argv[4], "2");
  EXPECT_EQ(argv[5], "out dir");  // an argument, never quoted into the script
  EXPECT_EQ(argv[6], "junit.xml");
  EXPECT_EQ(argv[7], "make");
}

}  // namespace
}  // namespace arena
