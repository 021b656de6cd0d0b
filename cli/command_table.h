// arenactl's command table: every command, its sub-commands and every flag,
// each written once. The usage text, each command's --help, the parsing of
// its flags, which global flag names a command keeps for itself, and the
// bash completion script are all derived from it (cli/help_text.h,
// cli/command_line.h, cli/bash_completion.h), so they cannot drift apart.
//
// An own table rather than CLI11: arenactl already parses with
// common/flags.h (shared with the controller and agent, whose behaviour -
// "--name=value", bare booleans, "--" passthrough - tests pin), global flags
// are accepted anywhere before "--", and the completion script must be
// generated either way, which CLI11 2.1 cannot do. A table of plain structs
// gives all of that with one parser and no new dependency.
//
// The table is built once, on first use, owned by the program (never freed,
// like every function-local table here) and never changes: thread-safe.
#ifndef ARENA_CLI_COMMAND_TABLE_H_
#define ARENA_CLI_COMMAND_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/flags.h"

namespace arena {

struct Cli;

struct FlagInfo {
  std::string name;                  // long name, without dashes
  std::string alias;                 // one-letter short alias, or empty
  std::string value;                 // the value's placeholder; empty for a boolean
  std::string help;                  // one line
  bool repeatable = false;           // every value counts (ParsedFlags::GetAll)
  std::vector<std::string> choices;  // a fixed set of values, or empty

  bool boolean() const { return value.empty() && choices.empty(); }
  // "--name VALUE", "-o table|json", "--build" (the short alias when there is one).
  std::string Synopsis() const;
};

// A titled set of flags several commands share (run's and submit's job flags).
struct FlagGroup {
  std::string title;
  std::vector<FlagInfo> flags;
};

struct SubCommandInfo {
  std::string name;
  std::string operands;  // "HOST", "ID|NAME", or empty
  std::vector<FlagInfo> flags;
};

struct CommandInfo {
  std::string name;
  std::string operands;  // positional synopsis: "JOB", "-- COMMAND...", or empty
  std::string summary;   // one line
  std::vector<SubCommandInfo> subcommands;
  std::vector<FlagInfo> flags;           // the command's own, beside its sub-commands'
  std::vector<const FlagGroup*> groups;  // shared flag groups it takes
  int (*handler)(Cli&) = nullptr;
  bool connects = true;  // needs the controller (completion does not)

  // The command's flags and its sub-commands', each once.
  std::vector<const FlagInfo*> OwnFlags() const;
  // Every flag the command accepts: OwnFlags() and its groups'.
  std::vector<const FlagInfo*> AllFlags() const;
  // The declared flag called `name` (long name) or aliased `alias`; null if none.
  const FlagInfo* FindFlag(absl::string_view name) const;
  const FlagInfo* FindAlias(absl::string_view alias) const;
};

// The flags accepted anywhere before "--": --controller, --ca-file, ...
const std::vector<FlagInfo>& GlobalFlags();
// The job flags of run and submit, in two groups (the job, its tests).
const std::vector<const FlagGroup*>& JobFlagGroups();
// Every command, in the order --help lists them.
const std::vector<CommandInfo>& Commands();
// The command called `name`; null if there is none.
const CommandInfo* FindCommand(absl::string_view name);

// A parser spec for `flags`.
FlagSpec SpecOf(const std::vector<const FlagInfo*>& flags);

}  // namespace arena

#endif  // ARENA_CLI_COMMAND_TABLE_H_
