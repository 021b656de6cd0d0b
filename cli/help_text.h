// arenactl's help: the whole --help text and each command's, both written
// from the command table (cli/command_table.h), so a flag declared there is
// shown and one not declared cannot be. Pure; thread-safe.
#ifndef ARENA_CLI_HELP_TEXT_H_
#define ARENA_CLI_HELP_TEXT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cli/command_table.h"

namespace arena {

// The whole --help text: global flags, every command's synopsis and
// summary, the job flags, the environment and the config file.
std::string Usage();

// `arenactl COMMAND --help`: the command's synopsis lines, its summary and
// each of its flags with its help; empty for an unknown command.
std::string CommandUsage(absl::string_view command);

// The command's synopsis forms without "arenactl", one per line, short
// sub-command forms sharing a line: "git list | git logout HOST".
std::vector<std::string> SynopsisLines(const CommandInfo& command);

}  // namespace arena

#endif  // ARENA_CLI_HELP_TEXT_H_
