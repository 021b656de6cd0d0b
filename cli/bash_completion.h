// arenactl's bash completion script, written from the command table
// (cli/command_table.h): commands, sub-commands, each command's flags and
// the fixed values of --network, --pull, -o and --role, and job ids for
// commands that take a JOB. `arenactl completion bash` prints it and the
// build installs it for the cli package. Pure; thread-safe.
#ifndef ARENA_CLI_BASH_COMPLETION_H_
#define ARENA_CLI_BASH_COMPLETION_H_

#include <string>

namespace arena {

// The script; it defines _arenactl and registers it for arenactl.
std::string BashCompletion();

}  // namespace arena

#endif  // ARENA_CLI_BASH_COMPLETION_H_
