#include "agent/session/platforms.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "common/files.h"

namespace arena {
namespace {

TEST(Platforms, AddsEnabledQemuInterpretersAsEmulated) {
  char tmpl[] = "/tmp/arena-binfmt-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  ASSERT_TRUE(
      WriteFileAtomic(dir + "/qemu-aarch64", "enabled\ninterpreter /usr/bin/qemu-aarch64-static\n")
          .ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/qemu-riscv64", "disabled\n").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/qemu-arm", "enabled\n").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/qemu-x86_64", "enabled\n").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/status", "enabled\n").ok());
  std::vector<v1::Platform> platforms = DetectPlatforms("amd64", dir);
  ASSERT_EQ(platforms.size(), 3u);
  EXPECT_EQ(platforms[0].arch(), "amd64");
  EXPECT_FALSE(platforms[0].emulated());
  EXPECT_EQ(platforms[1].arch(), "arm64");
  EXPECT_TRUE(platforms[1].emulated());
  EXPECT_EQ(platforms[2].arch(), "arm/v7");
  RemoveTree(dir).IgnoreError();
}

TEST(Platforms, MissingBinfmtMeansNativeOnly) {
  std::vector<v1::Platform> platforms = DetectPlatforms("arm64", "/nonexistent/binfmt");
  ASSERT_EQ(platforms.size(), 1u);
  EXPECT_EQ(platforms[0].arch(), "arm64");
}

}  // namespace
}  // namespace arena
