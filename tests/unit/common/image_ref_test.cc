#include "common/image_ref.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

TEST(ImageRef, SplitsHostNameTagAndDigest) {
  ImageRef ref = ParseImageRef("127.0.0.1:5000/team/app:1.2@sha256:abc");
  EXPECT_EQ("127.0.0.1:5000", ref.host);
  EXPECT_EQ("127.0.0.1:5000/team/app", ref.name);
  EXPECT_EQ("1.2", ref.tag);
  EXPECT_EQ("sha256:abc", ref.digest);
}

TEST(ImageRef, ReadsAPortAsPartOfTheHostNotAsATag) {
  ImageRef ref = ParseImageRef("registry.local:5000/app");
  EXPECT_EQ("registry.local:5000", ref.host);
  EXPECT_EQ("registry.local:5000/app", ref.name);
  EXPECT_EQ("", ref.tag);
}

TEST(ImageRef, TreatsAFirstComponentWithoutDotOrColonAsDockerHub) {
  EXPECT_EQ("", ParseImageRef("arena-test/busybox:latest").host);
  EXPECT_EQ("docker.io", RegistryHost("arena-test/busybox:latest"));
  EXPECT_EQ("docker.io", RegistryHost("python:3.12"));
  EXPECT_EQ("localhost", RegistryHost("localhost/app:1"));
  EXPECT_EQ("ghcr.io", RegistryHost("ghcr.io/org/app"));
}

TEST(RegistryHost, KeysCredentialsInLowerCaseWithDockerHubAliasesFolded) {
  EXPECT_EQ(NormalizeRegistryHost("Registry.Example.com:5000"), "registry.example.com:5000");
  EXPECT_EQ(NormalizeRegistryHost("index.docker.io"), "docker.io");
  EXPECT_EQ(NormalizeRegistryHost("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(NormalizeRegistryHost("localhost"), "localhost");
  EXPECT_EQ(RegistryHost("busybox"), "docker.io");
  EXPECT_EQ(RegistryHost("127.0.0.1:5000/team/app:1"), "127.0.0.1:5000");
}

TEST(RegistryHost, RefusesWhatCouldNotBeTheHostOfAnImageName) {
  EXPECT_EQ(NormalizeRegistryHost(""), "");
  EXPECT_EQ(NormalizeRegistryHost("myregistry"), "");  // read as a Docker Hub path
  EXPECT_EQ(NormalizeRegistryHost("host/path"), "");
  EXPECT_EQ(NormalizeRegistryHost("a b.com"), "");
  EXPECT_EQ(NormalizeRegistryHost(std::string(300, 'a') + ".com"), "");
}

TEST(PullPolicy, DefaultsToAlwaysForLatestOrUntaggedRegistryNames) {
  EXPECT_EQ(PullPolicy::kAlways, DefaultPullPolicy("ghcr.io/org/app"));
  EXPECT_EQ(PullPolicy::kAlways, DefaultPullPolicy("127.0.0.1:5000/app:latest"));
}

TEST(PullPolicy, DefaultsToIfNotPresentForATagOrDigest) {
  EXPECT_EQ(PullPolicy::kIfNotPresent, DefaultPullPolicy("127.0.0.1:5000/app:1.2"));
  EXPECT_EQ(PullPolicy::kIfNotPresent, DefaultPullPolicy("ghcr.io/org/app@sha256:abc"));
}

TEST(PullPolicy, DefaultsToNeverForNamesWithoutARegistryHost) {
  EXPECT_EQ(PullPolicy::kNever, DefaultPullPolicy("arena-test/busybox:latest"));
  EXPECT_EQ(PullPolicy::kNever, DefaultPullPolicy("python"));
}

TEST(PullPolicy, AnExplicitPolicyWinsAndUnknownNamesAreRefused) {
  EXPECT_EQ(PullPolicy::kAlways, *EffectivePullPolicy("always", "python:3"));
  EXPECT_EQ(PullPolicy::kNever, *EffectivePullPolicy("never", "ghcr.io/org/app"));
  EXPECT_EQ(PullPolicy::kAlways, *EffectivePullPolicy("", "ghcr.io/org/app"));
  absl::StatusOr<PullPolicy> bad = EffectivePullPolicy("sometimes", "python");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string::npos, bad.status().message().find("if-not-present"));
}

TEST(PullPolicy, NamesRoundTrip) {
  for (PullPolicy p : {PullPolicy::kAlways, PullPolicy::kIfNotPresent, PullPolicy::kNever}) {
    EXPECT_EQ(p, *ParsePullPolicy(PullPolicyName(p)));
  }
}

TEST(ImageRef, ReferencesDockerWouldTakePassOthersSayWhy) {
  for (const char* good :
       {"busybox", "arena-test/busybox:latest", "registry.example.com:5000/team/app-tests:1.4",
        "127.0.0.1:5000/multi/busybox:1", "localhost/x", "a.b/c_d/e--f:v1.2-rc_3",
        "img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "img:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "a__b/c---d", "x@sha512+v2:0123456789abcdef0123456789abcdef"}) {
    EXPECT_TRUE(CheckImageReference(good).ok()) << good << ": " << CheckImageReference(good);
  }
  for (const char* bad :
       {"", "Bad Image!!", "UPPER/case", "a//b", "-lead", "trail-", "x:", "x:-tag", "x@",
        "x@sha256:XYZ", "a/b c", "bad_host!/x", "a..b", "a._b", "x:@sha256:00", "img@sha256:00ff",
        "img@a b:0123456789abcdef0123456789abcdef",
        "img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@x"}) {
    absl::Status status = CheckImageReference(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << bad;
    EXPECT_NE(status.message().find("is not a valid reference"), std::string::npos) << status;
  }
}

}  // namespace
}  // namespace arena
