// arenactl's command line: the global flags (taken from anywhere before
// "--", as kubectl and nomad take them), the command and its own arguments,
// the command's flags as its entry in the command table declares them
// (cli/command_table.h), the nearest command or flag to a mistyped one, and
// the arguments' encoding checks. Pure; thread-safe.
#ifndef ARENA_CLI_COMMAND_LINE_H_
#define ARENA_CLI_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/command_table.h"
#include "common/flags.h"

namespace arena {

struct CommandLine {
  ParsedFlags globals;                   // --controller, --ca-file, --token, ...
  std::string command;                   // empty when none was given
  std::vector<std::string> args;         // the command's own, globals taken out
  std::vector<std::string> passthrough;  // after "--"
};

// Splits `args` (argv without the program). The global flags --controller,
// --ca-file, --token, --token-file, -o/--output and -h/--help may come
// before or after the command, up to "--"; a flag the command table gives
// the command itself (git login's --ca-file) stays the command's. InvalidArgument for
// an unknown global flag before the command or a global flag without its
// value.
absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

// The command in `commands` nearest to `name`: one a typo away (at most two
// edits, the fewest wins) or the only one `name` begins. Empty if none.
// Flags are matched the same way ("--timout" -> "--timeout").
std::string NearestCommand(absl::string_view name, const std::vector<std::string>& commands);

// The command's own arguments (and "--" with what follows) parsed with the
// flags `command` declares. An undeclared flag is refused naming the
// command and the nearest declared flag: "unknown flag --timout for run;
// did you mean --timeout?".
absl::StatusOr<ParsedFlags> ParseCommandFlags(const CommandInfo& command,
                                              const std::vector<std::string>& args);

// Arguments become protobuf strings, which must be UTF-8, and a control
// character in a flag is nearly always a paste or CRLF accident (in a token
// it would abort gRPC). Both are refused naming the argument, never showing
// it (it may be a token). The command after "--" may hold control
// characters.
absl::Status CheckArguments(const std::vector<std::string>& args);

}  // namespace arena

#endif  // ARENA_CLI_COMMAND_LINE_H_
