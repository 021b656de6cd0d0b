// Shared pieces of arenactl's commands: the parsed invocation, output
// helpers and exit codes. Exit codes: 0 passed (or success), 1 a task
// failed, 3 error / cancelled / timed out, 2 usage or connection error.
// One Cli per run, owned by main and used by the command's thread; helpers
// are thread-safe.
#ifndef ARENA_CLI_CLI_H_
#define ARENA_CLI_CLI_H_

#include <google/protobuf/message.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arena/v1/jobs.pb.h"
#include "cli/client.h"
#include "common/flags.h"

namespace arena {

constexpr int kExitPassed = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitError = 3;

struct Cli {
  std::unique_ptr<Client> client;
  std::string command;  // its name in the command table (cli/command_table.h)
  std::string output = "table";
  std::vector<std::string> args;         // after the command name
  std::vector<std::string> passthrough;  // after "--"
};

// Prints "arenactl: MESSAGE" on stderr and returns `code`.
int Fail(int code, const std::string& message);
// Prints "arenactl: usage: arenactl SYNOPSIS" for `cli.command`, from the
// command table, and returns kExitUsage.
int FailUsage(const Cli& cli);
// "arenactl: MESSAGE" on stderr, as one line that job output printed
// before it cannot hide (see cli/terminal.h).
void Notice(absl::string_view message);
std::string FormatMs(int64_t ms);
// "12s ago", "5m ago", "3h ago", then the date.
std::string Ago(int64_t ms);
// Colours only when stdout is a terminal and NO_COLOR is unset.
bool UseColour();
// `text` made safe (SafeField), padded to `width`, then coloured for `state` when UseColour().
std::string Paint(const std::string& text, v1::State state, int width = 0);
// The same for a test status ("passed", "failed", "error", "skipped").
std::string PaintStatus(const std::string& text, const std::string& status, int width = 0);
// key = value lines of $ARENA_CONFIG or ~/.config/arena/config (missing
// file: empty). Keys: the global flags that take a value (controller,
// ca-file, token, token-file, output; cli/command_table.h).
absl::StatusOr<std::map<std::string, std::string>> LoadConfig();
void PrintJson(const google::protobuf::Message& message);
// Parses the command's own flags (and what follows "--") as the command
// table declares them for `cli.command`.
absl::StatusOr<ParsedFlags> CommandFlags(const Cli& cli);

// The job with its first page of tasks and counts of all of them. With
// `wait`, a long poll: answers when the job changes or after `wait`.
absl::StatusOr<v1::Job> GetJob(Cli& cli, const std::string& job_id,
                               absl::Duration wait = absl::ZeroDuration());
// The job with every task, read page by page.
absl::StatusOr<v1::Job> GetWholeJob(Cli& cli, const std::string& job_id);
// The last lines of each unsuccessful task's log (of the first `max_tasks`
// of them when not 0), for JUnit failures.
std::map<std::string, std::string> FailureTails(Cli& cli, const v1::Job& job, int max_tasks = 0);
// Every recorded test result of the job (with flaky marks), page by page.
absl::StatusOr<std::vector<v1::TestResult>> GetResults(Cli& cli, const std::string& job_id);
// One page of the job's failed and flaky results (at most `limit`) and the
// summary of all its tests: what a verdict shows, without the whole set.
absl::StatusOr<v1::ListResultsResponse> GetFailures(Cli& cli, const std::string& job_id, int limit);

// Connects `cli->client` with the global flags, then the environment
// (ARENA_CONTROLLER, ARENA_CA_FILE, ARENA_TOKEN, ARENA_TOKEN_FILE), then the
// config file (cli/connection.cc).
absl::Status ConnectClient(const ParsedFlags& globals, Cli* cli);

// Job commands (cli/job_commands.cc).
int CmdRun(Cli& cli);
int CmdSubmit(Cli& cli);
int CmdWait(Cli& cli);
int CmdStatus(Cli& cli);
int CmdJobs(Cli& cli);
int CmdLogs(Cli& cli);
int CmdCancel(Cli& cli);
int CmdRerun(Cli& cli);

// Test-intelligence commands (cli/test_commands.cc).
int CmdResults(Cli& cli);
int CmdArtifacts(Cli& cli);
int CmdFlaky(Cli& cli);
int CmdTimeline(Cli& cli);
int CmdTestHistory(Cli& cli);
int CmdQuarantine(Cli& cli);

// Fleet and administration commands (cli/admin_commands.cc).
int CmdAgents(Cli& cli);
int CmdFleet(Cli& cli);
int CmdJoinToken(Cli& cli);
int CmdToken(Cli& cli);
int CmdUser(Cli& cli);
int CmdAgent(Cli& cli);
int CmdAudit(Cli& cli);
int CmdGit(Cli& cli);
// A password or token from stdin, trailing whitespace removed; never empty.
absl::StatusOr<std::string> ReadPasswordStdin();
int CmdRegistry(Cli& cli);
// Whether a job could run now: the controller, TLS, the token, agents per
// architecture (cli/doctor_command.cc).
int CmdDoctor(Cli& cli);

// `arenactl completion bash` (cli/bash_completion.cc).
int CmdCompletion(Cli& cli);

}  // namespace arena

#endif  // ARENA_CLI_CLI_H_
