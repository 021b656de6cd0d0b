// arenactl: the operator and CI command line over the public gRPC API. This
// file only dispatches: the commands and their flags are the command table
// (cli/command_table.h), the command line is cli/command_line.h, the help
// cli/help_text.h, the commands cli/*_commands.cc.
//
// Exit codes: 0 passed (or success), 1 a task failed, 3 error / cancelled /
// timed out, 2 usage or connection error.
#include <grpc/support/log.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/command_line.h"
#include "cli/command_table.h"
#include "cli/help_text.h"

namespace arena {
namespace {

int UnknownCommand(const std::string& command) {
  std::vector<std::string> names;
  for (const CommandInfo& info : Commands()) names.push_back(info.name);
  std::string nearest = NearestCommand(command, names);
  std::string hint =
      nearest.empty() ? "see arenactl --help" : absl::StrCat("did you mean \"", nearest, "\"?");
  return Fail(kExitUsage, absl::StrCat("unknown command \"", command, "\"; ", hint));
}

// --help before a command, or with one: the whole text or that command's.
int Help(const std::string& command) {
  if (command.empty()) {
    std::cout << Usage();
    return 0;
  }
  std::string usage = CommandUsage(command);
  if (usage.empty()) return UnknownCommand(command);
  std::cout << usage;
  return 0;
}

absl::Status SetOutput(const ParsedFlags& globals, Cli* cli) {
  cli->output = globals.Get("output", "table");
  if (!globals.Has("output")) {
    absl::StatusOr<std::map<std::string, std::string>> config = LoadConfig();
    if (config.ok() && config->count("output")) cli->output = config->at("output");
  }
  if (cli->output != "table" && cli->output != "json") {
    return absl::InvalidArgumentError("-o wants table or json");
  }
  return absl::OkStatus();
}

// gRPC's own log lines (a failed handshake, say) would print beside the one
// line arenactl writes for the same failure; ARENA_GRPC_LOG=1 keeps them.
void QuietGrpcLog(gpr_log_func_args*) {}

int Main(int argc, char** argv) {
  if (std::getenv("ARENA_GRPC_LOG") == nullptr) gpr_set_log_function(QuietGrpcLog);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::Status checked = CheckArguments(args);
  if (!checked.ok()) return Fail(kExitUsage, std::string(checked.message()));
  absl::StatusOr<CommandLine> line = ParseCommandLine(args);
  if (!line.ok()) return Fail(kExitUsage, std::string(line.status().message()));
  if (line->globals.Has("help")) return Help(line->command);
  if (line->command.empty()) {
    std::cout << Usage();
    return kExitUsage;
  }
  Cli cli;
  absl::Status output = SetOutput(line->globals, &cli);
  if (!output.ok()) return Fail(kExitUsage, std::string(output.message()));
  cli.command = line->command;
  cli.args = line->args;
  cli.passthrough = line->passthrough;
  const CommandInfo* command = FindCommand(line->command);
  if (command == nullptr) return UnknownCommand(line->command);
  // A mistyped flag is named before any connection error could hide it.
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (!command->connects) return command->handler(cli);
  absl::Status connected = ConnectClient(line->globals, &cli);
  if (!connected.ok()) return Fail(kExitUsage, std::string(connected.message()));
  return command->handler(cli);
}

}  // namespace
}  // namespace arena

int main(int argc, char** argv) { return arena::Main(argc, argv); }
