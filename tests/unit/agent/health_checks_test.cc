#include "agent/health/health_checks.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace arena {
namespace {

TEST(HealthChecks, ParsesByteSizesWithBinaryUnits) {
  EXPECT_EQ(*ParseByteSize("512M"), int64_t{512} << 20);
  EXPECT_EQ(*ParseByteSize("2G"), int64_t{2} << 30);
  EXPECT_EQ(*ParseByteSize("100000G"), int64_t{100000} << 30);
  EXPECT_EQ(*ParseByteSize("1T"), int64_t{1} << 40);
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  for (const char* bad : {"", "G", "-1G", "2GB", "1.5G", "2g", "99999999999G"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(HealthChecks, FormatsBytesForAnOperator) {
  EXPECT_EQ(FormatBytes(100), "100 B");
  EXPECT_EQ(FormatBytes(int64_t{2} << 30), "2 GiB");
  EXPECT_EQ(FormatBytes(int64_t{1288490189}), "1.2 GiB");
  EXPECT_EQ(FormatBytes(int64_t{512} << 20), "512 MiB");
}

TEST(HealthChecks, FreeDiskBelowTheMinimumIsAProblemNamingBoth) {
  EXPECT_EQ(FreeDiskProblem("/d", int64_t{3} << 30, int64_t{2} << 30), "");
  EXPECT_EQ(FreeDiskProblem("/d", int64_t{2} << 30, int64_t{2} << 30), "");
  EXPECT_EQ(FreeDiskProblem("/d", int64_t{1288490189}, int64_t{2} << 30),
            "free disk 1.2 GiB < 2 GiB on /d");
}

TEST(HealthChecks, MeasuresTheRealFilesystem) {
  EXPECT_EQ(FreeDiskProblem("/tmp", 1), "");
  EXPECT_TRUE(absl::StartsWith(FreeDiskProblem("/tmp", int64_t{1} << 50), "free disk "));
  EXPECT_EQ(FreeDiskProblem("/no/such/dir", 1), "cannot read the free disk space of /no/such/dir");
}

TEST(HealthChecks, TheLastNonEmptyLineIsTheReason) {
  EXPECT_EQ(LastLine("one\ntwo  \n\n"), "two");
  EXPECT_EQ(LastLine(""), "");
  EXPECT_EQ(LastLine(std::string(300, 'x')).size(), 203u);
}

TEST(HealthChecks, AShellCommandFailsWithItsExitAndLastLine) {
  EXPECT_EQ(ShellCommandProblem("health command", "true", absl::Seconds(5), {}), "");
  EXPECT_EQ(ShellCommandProblem("health command", "echo first; echo rig offline >&2; exit 3",
                                absl::Seconds(5), {}),
            "health command exited 3: rig offline");
  std::string output;
  EXPECT_EQ(ShellCommandProblem("hook", "test \"$X\" = y && echo got $X", absl::Seconds(5),
                                {{"X", "y"}}, &output),
            "");
  EXPECT_EQ(output, "got y\n");
}

TEST(HealthChecks, AShellCommandIsBoundedByItsTimeout) {
  absl::Time start = absl::Now();
  EXPECT_EQ(ShellCommandProblem("health command", "exec sleep 30", absl::Seconds(1), {}),
            "health command timed out after 1s");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(HealthChecks, ADockerdThatDoesNotAnswerIsAProblem) {
  EXPECT_EQ(DockerProblem("/tmp/arena-no-such-dockerd.sock", "", "agt-x"),
            "dockerd does not answer at /tmp/arena-no-such-dockerd.sock");
}

}  // namespace
}  // namespace arena
