// Where the agent's cgroups are, read from mount and cgroup tables as the
// kernel writes them (hybrid v1 + v2 as on the test machines, and a pure v2
// host with a systemd unit's own cgroup).
#include "agent/executor/attempt_cgroup.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "common/files.h"

namespace arena {
namespace {

class DetectCgroupHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/arena-cgroup-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }
  CgroupHost Detect(const std::string& mounts, const std::string& cgroup) {
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/mounts", mounts).ok());
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/cgroup", cgroup).ok());
    return DetectCgroupHost(dir_ + "/mounts", dir_ + "/cgroup");
  }
  std::string dir_;
};

TEST_F(DetectCgroupHostTest, FindsTheAgentsOwnCgroupsOnAHybridHost) {
  CgroupHost host = Detect(
      "proc /proc proc rw 0 0\n"
      "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
      "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n",
      "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n0::/\n");
  EXPECT_EQ(host.v2_dir, "/sys/fs/cgroup/unified");
  EXPECT_EQ(host.v1_pids_dir, "/sys/fs/cgroup/pids");
  EXPECT_EQ(host.v1_memory_dir, "/sys/fs/cgroup/memory/process_api/abc");
}

TEST_F(DetectCgroupHostTest, FindsTheUnitsCgroupOnAPureV2Host) {
  CgroupHost host = Detect("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n",
                           "0::/system.slice/arena-agent.service\n");
  EXPECT_EQ(host.v2_dir, "/sys/fs/cgroup/system.slice/arena-agent.service");
  EXPECT_EQ(host.v1_pids_dir, "");
  EXPECT_EQ(host.v1_memory_dir, "");
}

TEST_F(DetectCgroupHostTest, FindsNothingWithoutCgroupMounts) {
  CgroupHost host = Detect("proc /proc proc rw 0 0\n", "0::/\n");
  EXPECT_EQ(host.v2_dir, "");
  EXPECT_EQ(host.v1_pids_dir, "");
  std::unique_ptr<AttemptCgroup> cgroup = AttemptCgroup::Create(host, "a", "att-1", {256, 64});
  EXPECT_FALSE(cgroup->active());
  EXPECT_TRUE(cgroup->procs_files().empty());
  ASSERT_EQ(cgroup->notes().size(), 3u);
  EXPECT_EQ(cgroup->notes()[1],
            "memory_mb 256 not enforced: no memory cgroup controller is available");
}

}  // namespace
}  // namespace arena
