#include "cli/command_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "cli/bash_completion.h"
#include "cli/command_line.h"
#include "cli/help_text.h"
#include "cli/job_file.h"

namespace arena {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The arguments that give `flag` once: "--name" or "-a", then a value.
std::vector<std::string> OneUse(const FlagInfo& flag, bool by_alias) {
  std::vector<std::string> args = {by_alias ? "-" + flag.alias : "--" + flag.name};
  if (!flag.boolean()) args.push_back(flag.choices.empty() ? "v" : flag.choices.front());
  return args;
}

// The completion script's case arm for `command`, from "    NAME)" to its
// "fi ;;", quotes as spaces so that every word has a space either side.
std::string CompletionArm(const std::string& script, const std::string& command) {
  size_t start = script.find(absl::StrCat("\n    ", command, ")\n"));
  if (start == std::string::npos) return "";
  std::string arm = script.substr(start, script.find("fi ;;", start) - start);
  std::replace(arm.begin(), arm.end(), '"', ' ');
  return arm;
}

TEST(CommandTable, EveryDeclaredFlagParsesForItsCommand) {
  for (const CommandInfo& command : Commands()) {
    for (const FlagInfo* flag : command.AllFlags()) {
      for (bool by_alias : {false, true}) {
        if (by_alias && flag->alias.empty()) continue;
        std::vector<std::string> args = OneUse(*flag, by_alias);
        absl::StatusOr<ParsedFlags> parsed = ParseCommandFlags(command, args);
        ASSERT_TRUE(parsed.ok()) << command.name << " " << args[0] << ": " << parsed.status();
        EXPECT_TRUE(parsed->Has(flag->name)) << command.name << " " << args[0];
        EXPECT_TRUE(parsed->positional().empty()) << command.name << " " << args[0];
      }
    }
  }
}

TEST(CommandTable, EachCommandDeclaresAFlagOnceAndNoneShadowsAGlobalAlias) {
  std::set<std::string> global_aliases;
  for (const FlagInfo& flag : GlobalFlags()) global_aliases.insert(flag.alias);
  std::set<std::string> names;
  for (const CommandInfo& command : Commands()) {
    EXPECT_TRUE(names.insert(command.name).second) << command.name << " declared twice";
    EXPECT_FALSE(command.summary.empty()) << command.name;
    std::set<std::string> aliases;
    for (const FlagInfo* flag : command.AllFlags()) {
      EXPECT_EQ(command.FindFlag(flag->name), flag) << command.name << " --" << flag->name;
      EXPECT_FALSE(flag->help.empty()) << command.name << " --" << flag->name;
      if (flag->alias.empty()) continue;
      EXPECT_TRUE(aliases.insert(flag->alias).second) << command.name << " -" << flag->alias;
      EXPECT_EQ(global_aliases.count(flag->alias), 0u) << command.name << " -" << flag->alias;
    }
  }
}

TEST(CommandTable, RunAndSubmitShareOneGroupOfJobFlags) {
  for (const char* name : {"run", "submit"}) {
    const CommandInfo* command = FindCommand(name);
    ASSERT_NE(command, nullptr);
    EXPECT_EQ(command->groups, JobFlagGroups());
  }
  FlagSpec spec = JobFlagSpec();
  EXPECT_EQ(spec.value_flags.count("timeout"), 1u);
  EXPECT_EQ(spec.bool_flags.count("flaky-fails"), 1u);
  EXPECT_EQ(spec.short_aliases.at("f"), "file");
}

TEST(CommandTable, EveryCommandsHelpShowsItsSynopsisSummaryAndEachFlag) {
  for (const CommandInfo& command : Commands()) {
    std::string help = CommandUsage(command.name);
    EXPECT_THAT(help, StartsWith(absl::StrCat("usage: arenactl [GLOBAL FLAGS] ", command.name)));
    EXPECT_THAT(help, HasSubstr(command.summary));
    for (const FlagInfo* flag : command.AllFlags()) {
      EXPECT_THAT(help, HasSubstr(absl::StrCat("--", flag->name))) << command.name;
      EXPECT_THAT(help, HasSubstr(flag->help)) << command.name;
    }
    for (const SubCommandInfo& sub : command.subcommands) {
      EXPECT_THAT(help, HasSubstr(sub.name)) << command.name;
    }
  }
}

TEST(CommandTable, TheWholeHelpListsEveryCommandAndGlobalFlag) {
  std::string usage = Usage();
  for (const CommandInfo& command : Commands()) {
    EXPECT_THAT(usage, HasSubstr(absl::StrCat("\n  ", command.name))) << command.name;
    EXPECT_THAT(usage, HasSubstr(command.summary));
  }
  for (const FlagInfo& flag : GlobalFlags()) {
    EXPECT_THAT(usage, HasSubstr(absl::StrCat("--", flag.name, " ")));
  }
  EXPECT_THAT(usage, HasSubstr("--test-command TEMPLATE"));
}

TEST(CommandTable, TheCompletionScriptOffersEachCommandsFlagsSubCommandsAndValues) {
  std::string script = BashCompletion();
  for (const CommandInfo& command : Commands()) {
    std::string arm = CompletionArm(script, command.name);
    ASSERT_FALSE(arm.empty()) << command.name;
    for (const FlagInfo* flag : command.AllFlags()) {
      EXPECT_THAT(arm, HasSubstr(absl::StrCat(" --", flag->name, " "))) << command.name;
      if (!flag->alias.empty()) EXPECT_THAT(arm, HasSubstr(absl::StrCat(" -", flag->alias, " ")));
      if (flag->choices.empty()) continue;
      EXPECT_THAT(script, HasSubstr(absl::StrCat("\"", command.name, " --", flag->name,
                                                 "\") words=\"", flag->choices.front())));
    }
    for (const SubCommandInfo& sub : command.subcommands) {
      EXPECT_THAT(arm, HasSubstr(sub.name)) << command.name;
    }
  }
  EXPECT_THAT(script, HasSubstr("*\" -o\") words=\"table json\""));
  EXPECT_THAT(script, HasSubstr("complete -o default -F _arenactl arenactl"));
}

TEST(CommandTable, AnUndeclaredFlagIsRefusedNamingTheCommandAndTheNearestFlag) {
  const CommandInfo* run = FindCommand("run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(ParseCommandFlags(*run, {"--timout", "10m", "--", "true"}).status().message(),
            "unknown flag --timout for run; did you mean --timeout?");
  EXPECT_EQ(ParseCommandFlags(*run, {"--timout=10m", "--", "true"}).status().message(),
            "unknown flag --timout for run; did you mean --timeout?");
  const CommandInfo* jobs = FindCommand("jobs");
  ASSERT_NE(jobs, nullptr);
  EXPECT_EQ(ParseCommandFlags(*jobs, {"--task", "t"}).status().message(),
            "unknown flag --task for jobs; see arenactl jobs --help");
  // After "--" everything is the job's command, declared or not.
  EXPECT_TRUE(ParseCommandFlags(*run, {"--", "sh", "--timout"}).ok());
  // A value that looks like a flag is the value.
  EXPECT_TRUE(ParseCommandFlags(*run, {"--env", "--timout", "--", "true"}).ok());
}

TEST(CommandTable, GitKeepsItsCaFileWhileElsewhereTheFlagIsGlobal) {
  absl::StatusOr<CommandLine> git =
      ParseCommandLine({"git", "login", "git.example", "--ca-file", "git-ca.pem"});
  ASSERT_TRUE(git.ok()) << git.status();
  EXPECT_FALSE(git->globals.Has("ca-file"));
  absl::StatusOr<ParsedFlags> flags = ParseCommandFlags(*FindCommand("git"), git->args);
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->Get("ca-file"), "git-ca.pem");
  for (const char* command : {"registry", "run", "status"}) {
    absl::StatusOr<CommandLine> line = ParseCommandLine({command, "--ca-file", "ca.pem"});
    ASSERT_TRUE(line.ok()) << line.status();
    EXPECT_EQ(line->globals.Get("ca-file"), "ca.pem") << command;
  }
}

}  // namespace
}  // namespace arena
