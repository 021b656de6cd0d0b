#include "cli/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/help_text.h"

namespace arena {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(CommandLine, GlobalFlagsAreTakenBeforeAndAfterTheCommand) {
  absl::StatusOr<CommandLine> line =
      ParseCommandLine({"--controller", "h:1", "status", "job-1", "-o", "json", "--token=t"});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->command, "status");
  EXPECT_THAT(line->args, ElementsAre("job-1"));
  EXPECT_EQ(line->globals.Get("controller"), "h:1");
  EXPECT_EQ(line->globals.Get("output"), "json");
  EXPECT_EQ(line->globals.Get("token"), "t");
}

TEST(CommandLine, EverythingAfterDoubleDashIsTheJobsCommandUntouched) {
  absl::StatusOr<CommandLine> line =
      ParseCommandLine({"run", "--arch", "arm64", "--", "sh", "-o", "--token", "x"});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(line->args, ElementsAre("--arch", "arm64"));
  EXPECT_THAT(line->passthrough, ElementsAre("sh", "-o", "--token", "x"));
  EXPECT_FALSE(line->globals.Has("output"));
  EXPECT_FALSE(line->globals.Has("token"));
}

TEST(CommandLine, AFlagTheCommandDeclaresStaysTheCommands) {
  absl::StatusOr<CommandLine> line =
      ParseCommandLine({"git", "login", "git.example", "--ca-file", "git-ca.pem"});
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(line->args, ElementsAre("login", "git.example", "--ca-file", "git-ca.pem"));
  EXPECT_FALSE(line->globals.Has("ca-file"));
  line = ParseCommandLine({"status", "j", "--ca-file", "ca.pem"});
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->globals.Get("ca-file"), "ca.pem");
}

TEST(CommandLine, HelpAfterTheCommandAsksForThatCommandsHelp) {
  absl::StatusOr<CommandLine> line = ParseCommandLine({"logs", "--help"});
  ASSERT_TRUE(line.ok());
  EXPECT_TRUE(line->globals.Has("help"));
  EXPECT_EQ(line->command, "logs");
  EXPECT_THAT(line->args, IsEmpty());
}

TEST(CommandLine, RefusesUnknownGlobalFlagsAndMissingValues) {
  EXPECT_THAT(std::string(ParseCommandLine({"--bogus", "status"}).status().message()),
              HasSubstr("unknown global flag --bogus"));
  EXPECT_THAT(std::string(ParseCommandLine({"status", "-o"}).status().message()),
              HasSubstr("missing its value"));
  EXPECT_THAT(std::string(ParseCommandLine({"status", "--token", "--"}).status().message()),
              HasSubstr("missing its value"));
  // A command's own unknown flags are the command's to refuse.
  EXPECT_TRUE(ParseCommandLine({"status", "--bogus"}).ok());
}

TEST(CommandLine, SuggestsTheNearestCommand) {
  std::vector<std::string> commands = {"status", "submit", "quarantine", "registry", "results"};
  EXPECT_EQ(NearestCommand("staus", commands), "status");
  EXPECT_EQ(NearestCommand("quarantin", commands), "quarantine");
  EXPECT_EQ(NearestCommand("regi", commands), "registry");  // the only one it begins
  EXPECT_EQ(NearestCommand("xyzzy", commands), "");
  EXPECT_EQ(NearestCommand("s", commands), "");  // begins two: no guess
}

TEST(CommandLine, CommandUsageIsThatCommandsLinesOnly) {
  std::string logs = CommandUsage("logs");
  EXPECT_THAT(logs, HasSubstr("logs JOB [--task ID|ARCH]"));
  EXPECT_THAT(logs, HasSubstr("the output of its image build instead"));
  EXPECT_THAT(logs, ::testing::Not(HasSubstr("wait JOB")));
  std::string run = CommandUsage("run");
  EXPECT_THAT(run, HasSubstr("job flags:"));
  EXPECT_THAT(run, HasSubstr("--test-command"));
  EXPECT_THAT(CommandUsage("git"), HasSubstr("git list | git logout HOST"));
  EXPECT_EQ(CommandUsage("nope"), "");
}

TEST(CommandLine, RefusesArgumentsThatAreNotUtf8OrHoldControlCharacters) {
  EXPECT_TRUE(CheckArguments({"run", "--suite", "a=line1\nline2", "--", "x\r"}).ok());
  EXPECT_THAT(std::string(CheckArguments({"--token", "abc\r"}).message()),
              HasSubstr("the argument after --token holds a carriage return"));
  EXPECT_THAT(std::string(CheckArguments({"status", "\xff"}).message()),
              HasSubstr("argument 2 is not valid UTF-8"));
}

}  // namespace
}  // namespace arena
