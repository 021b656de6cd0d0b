#include "controller/spec/container_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace arena {
namespace {

using ::testing::HasSubstr;

v1::JobSpec Plain() {
  v1::JobSpec spec;
  spec.add_command("true");
  spec.add_architectures("amd64");
  spec.set_image("img:1");
  return spec;
}

TEST(ContainerPolicy, AJobThatNamesNothingGetsTheDefaults) {
  SpecPolicy policy;
  v1::JobSpec spec = Plain();
  ASSERT_TRUE(ApplyContainerPolicy(spec, policy).ok());
  EXPECT_EQ(spec.resources().memory_mb(), policy.default_memory_mb);
  EXPECT_EQ(spec.resources().cpus(), policy.default_cpus);
  EXPECT_EQ(spec.resources().pids(), policy.default_pids);
  EXPECT_EQ(spec.resources().disk_mb(), policy.default_disk_mb);
  EXPECT_EQ(spec.network(), "none");
}

TEST(ContainerPolicy, OverTheLimitsIsRefusedNamingTheLimit) {
  SpecPolicy policy;
  v1::JobSpec memory = Plain();
  memory.mutable_resources()->set_memory_mb(policy.max_memory_mb + 1);
  EXPECT_THAT(std::string(ApplyContainerPolicy(memory, policy).message()),
              HasSubstr("limit of 8192 MiB"));
  v1::JobSpec cpus = Plain();
  cpus.mutable_resources()->set_cpus(NAN);
  EXPECT_THAT(std::string(ApplyContainerPolicy(cpus, policy).message()), HasSubstr("finite"));
  v1::JobSpec disk = Plain();
  disk.mutable_resources()->set_disk_mb(-1);
  EXPECT_TRUE(absl::IsInvalidArgument(ApplyContainerPolicy(disk, policy)));
  v1::JobSpec tiny = Plain();
  tiny.mutable_resources()->set_memory_mb(5);
  EXPECT_THAT(std::string(ApplyContainerPolicy(tiny, policy).message()), HasSubstr("too small"));
}

TEST(ContainerPolicy, NetworksAndPullPoliciesMustBeAllowed) {
  SpecPolicy policy;
  v1::JobSpec host = Plain();
  host.set_network("host");
  EXPECT_THAT(std::string(ApplyContainerPolicy(host, policy).message()),
              HasSubstr("network \"host\" is not allowed (allowed: none)"));
  policy.allowed_networks.push_back("host");
  EXPECT_TRUE(ApplyContainerPolicy(host, policy).ok());

  policy.allowed_pull_policies = {"never"};
  v1::JobSpec latest = Plain();
  latest.set_image("127.0.0.1:5000/img:latest");  // from a registry: always
  EXPECT_THAT(std::string(ApplyContainerPolicy(latest, policy).message()),
              HasSubstr("pull policy \"always\" (for 127.0.0.1:5000/img:latest) is not allowed"));
  latest.set_pull_policy("never");
  EXPECT_TRUE(ApplyContainerPolicy(latest, policy).ok());
}

}  // namespace
}  // namespace arena
