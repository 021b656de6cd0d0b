#include "common/flags.h"

#include <gtest/gtest.h>

#include "common/arch.h"

namespace arena {
namespace {

FlagSpec Spec() {
  FlagSpec spec;
  spec.value_flags = {"image", "env"};
  spec.bool_flags = {"follow"};
  spec.short_aliases = {{"f", "follow"}};
  return spec;
}

TEST(Flags, ParsesValuesBoolsPositionalsAndPassthrough) {
  auto flags = ParseFlags(Spec(), {"job-1", "--image", "img", "--env=A=1", "--env", "B=2", "-f",
                                   "--", "sh", "-c", "--image"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->Get("image"), "img");
  EXPECT_EQ(flags->GetAll("env"), (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(flags->Get("follow"), "true");
  EXPECT_EQ(flags->positional(), std::vector<std::string>{"job-1"});
  EXPECT_EQ(flags->passthrough(), (std::vector<std::string>{"sh", "-c", "--image"}));
}

TEST(Flags, RejectsUnknownFlagAndMissingValue) {
  EXPECT_FALSE(ParseFlags(Spec(), {"--nope"}).ok());
  EXPECT_FALSE(ParseFlags(Spec(), {"--image"}).ok());
  EXPECT_FALSE(ParseFlags(Spec(), {"-x"}).ok());
}

TEST(Flags, KeyValuesRoundTripAndRejectBadItems) {
  auto kv = ParseKeyValues("zone=a,gpu=1");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->at("gpu"), "1");
  EXPECT_EQ(FormatKeyValues(*kv), "gpu=1,zone=a");
  EXPECT_FALSE(ParseKeyValues("novalue").ok());
  EXPECT_FALSE(ParseKeyValues("=x").ok());
}

TEST(Arch, NormalisesAliasesAndRejectsUnknown) {
  EXPECT_EQ(*NormalizeArch("x86_64"), "amd64");
  EXPECT_EQ(*NormalizeArch("aarch64"), "arm64");
  EXPECT_EQ(*NormalizeArch("linux/arm64"), "arm64");
  EXPECT_EQ(*NormalizeArch("armv7l"), "arm/v7");
  EXPECT_EQ(*NormalizeArch(" AMD64 "), "amd64");
  auto bad = NormalizeArch("sparc");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sparc"), std::string::npos);
}

}  // namespace
}  // namespace arena
