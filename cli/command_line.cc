#include "cli/command_line.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/terminal.h"
#include "common/status_macros.h"

namespace arena {

const char kUsage[] =
    R"(usage: arenactl [--controller HOST:PORT] [--ca-file FILE] [--token TOKEN | --token-file FILE]
                [-o table|json] COMMAND

commands:
  run [JOB FLAGS] -- COMMAND...      submit, stream logs, print the verdict; exit 0 passed, 1 failed, 3 error
  submit [JOB FLAGS] -- COMMAND...   submit and print the job id
  status JOB                         job and per-task state (why a task waits)
  jobs [--limit N]                   recent jobs
  logs JOB [--task ID|ARCH] [--attempt N] [--build] [-f]
                                     a task's log bytes exactly as produced (--build:
                                     the output of its image build instead)
  wait JOB [--junit-out FILE] [--allure DIR]
                                     wait for the verdict; exit codes as run
  results JOB [--failed] [--all-attempts] [--junit-out FILE] [--allure DIR]
                                     per-test results (merged JUnit, allure-results)
  artifacts JOB [--task T] [-d DIR]  list or download the files a job's attempts shipped
  flaky [--runs 20] [--limit 50]     tests by flake rate over their last runs
  quarantine add TEST [--reason R] | remove TEST | list
                                     a quarantined test's failure does not fail a job
  cancel JOB                         stop a job's tasks
  agents                             enrolled agents
  join-token create [--ttl 24h] [--uses 1]
  agent revoke|drain|undrain AGENT   cut an agent off / stop giving it work
  token create --name N --role admin|operator|submitter [--ttl 720h]
  token list | token revoke ID|NAME  API tokens (admin)
  audit [--limit N]                  who did what, newest first (admin)
  git login HOST --username U --password-stdin | --ssh-key-file F --known-hosts F [--ca-file F]
  git list | git logout HOST         private git hosts' credentials (operator)
  registry login HOST --username U --password-stdin
  registry list | registry logout HOST
                                     container registries' credentials (operator)

job flags: --secret NAME=VALUE --secret-file NAME=PATH (environment, masked in logs)
           --memory-mb N --cpus N --pids N --network none|host|bridge --user UID[:GID]
           --pull always|if-not-present|never (default: always for HOST/NAME[:latest],
             if-not-present for HOST/NAME:TAG, never for names without a registry host)
           --retries N [--retry-test-failures]  --queue-timeout 1h  --idempotency-key KEY
           --image IMG (may hold {arch}) or --image ARCH=IMG (repeatable)  --arch amd64,arm64
           --build DOCKERFILE[:CONTEXT] (build the image from the checkout; needs --repo)
             --build-arg K=V (repeatable)  --build-target STAGE
           --repo URL --commit REF (sha, tag or branch)  --env K=V (repeatable)  --timeout 10m
           --label k=v (required agent label, repeatable)  --junit-out FILE --allure DIR (run only)
           -f job.yaml (a whole JobSpec, YAML or JSON; flags add to it)
tests:     --suite NAME=CMD (parallel-safe) --suite-serial NAME=CMD (one at a time, after them)
           --tests ID,ID | --list-command CMD  with --test-command 'pytest {test}'
           --junit PATH --artifact PATH (in the container)  --reruns N [--flaky-fails]
           --destructive ID (fresh container for that test)

  completion bash                    bash completion (source <(arenactl completion bash))

environment: ARENA_CONTROLLER, ARENA_CA_FILE, ARENA_TOKEN, ARENA_TOKEN_FILE, NO_COLOR
config file: ~/.config/arena/config (or $ARENA_CONFIG), "key = value" lines for
             controller, ca-file, token, token-file, output; flags win over the
             environment, the environment over the file
output:      job output on a terminal is filtered (no titles, clipboard writes,
             screen clears or hidden text); to a file or pipe it is byte-exact
)";

namespace {

// Global flags and whether each takes a value.
const std::map<std::string, bool>& GlobalFlags() {
  static const auto* flags =
      new std::map<std::string, bool>{{"controller", true}, {"ca-file", true}, {"token", true},
                                      {"token-file", true}, {"output", true},  {"help", false}};
  return *flags;
}

// Flags a command declares with a global flag's name: the command's.
bool OwnedByCommand(const std::string& command, const std::string& flag) {
  return command == "git" && flag == "ca-file";
}

// The global flag `arg` names ("--token", "--token=T", "-o", "-h"), or "".
std::string GlobalName(const std::string& arg) {
  if (arg == "-o") return "output";
  if (arg == "-h") return "help";
  if (!absl::StartsWith(arg, "--")) return "";
  std::string name =
      arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2);
  return GlobalFlags().count(name) > 0 ? name : "";
}

// The first control character in `arg` other than tab and newline (which a
// multi-line suite command may hold), as a readable name; empty if none.
std::string ControlCharacter(absl::string_view arg) {
  for (char c : arg) {
    unsigned char b = static_cast<unsigned char>(c);
    if ((b >= 0x20 && b != 0x7F) || b == '\t' || b == '\n') continue;
    if (b == '\r') return "a carriage return (\\r)";
    return absl::StrCat("a control character (", SafeField(std::string(1, c)), ")");
  }
  return "";
}

}  // namespace

absl::Status CheckArguments(const std::vector<std::string>& args) {
  bool command = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!command && arg == "--") {
      command = true;
      continue;
    }
    std::string name = absl::StrCat("argument ", i + 1);
    if (!command && arg.size() > 2 && arg[0] == '-' && arg.find('=') != std::string::npos) {
      name = absl::StrCat("the value of ", arg.substr(0, arg.find('=')));
    } else if (!command && i > 0 && args[i - 1].size() > 1 && args[i - 1][0] == '-' &&
               args[i - 1].find('=') == std::string::npos) {
      name = absl::StrCat("the argument after ", SafeField(args[i - 1]));
    }
    if (!IsValidUtf8(arg)) return absl::InvalidArgumentError(name + " is not valid UTF-8");
    std::string control = command ? "" : ControlCharacter(arg);
    if (!control.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " holds ", control));
    }
  }
  return absl::OkStatus();
}

namespace {

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  std::vector<std::string> globals;
  size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    const std::string& arg = args[i];
    std::string name = GlobalName(arg);
    if (line.command.empty() && name.empty() && arg.size() > 1 && arg[0] == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown global flag ", SafeField(arg), " before the command"));
    }
    if (name.empty() || OwnedByCommand(line.command, name)) {
      if (line.command.empty()) {
        line.command = arg;
      } else {
        line.args.push_back(arg);
      }
      continue;
    }
    globals.push_back(arg);
    if (GlobalFlags().at(name) && arg.find('=') == std::string::npos) {
      if (++i == args.size() || args[i] == "--") {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " is missing its value"));
      }
      globals.push_back(args[i]);
    }
  }
  if (i < args.size()) line.passthrough.assign(args.begin() + i + 1, args.end());
  FlagSpec spec;
  for (const auto& [name, takes_value] : GlobalFlags()) {
    (takes_value ? spec.value_flags : spec.bool_flags).insert(name);
  }
  spec.short_aliases = {{"o", "output"}, {"h", "help"}};
  ASSIGN_OR_RETURN(line.globals, ParseFlags(spec, globals));
  return line;
}

std::string NearestCommand(absl::string_view name, const std::vector<std::string>& commands) {
  std::string best;
  size_t best_distance = 3;
  std::vector<std::string> prefixed;
  for (const std::string& command : commands) {
    size_t distance = EditDistance(name, command);
    if (distance < best_distance) {
      best_distance = distance;
      best = command;
    }
    if (!name.empty() && absl::StartsWith(command, name)) prefixed.push_back(command);
  }
  if (best.empty() && prefixed.size() == 1) return prefixed[0];
  return best;
}

std::string CommandUsage(absl::string_view command) {
  std::vector<absl::string_view> lines = absl::StrSplit(kUsage, '\n');
  std::string out;
  bool in_command = false;
  bool in_job_flags = false;
  bool job_command = command == "run" || command == "submit";
  for (absl::string_view line : lines) {
    bool starts = absl::StartsWith(line, absl::StrCat("  ", command, " ")) ||
                  line == absl::StrCat("  ", command);
    bool continues = absl::StartsWith(line, "                 ");
    if (starts || (in_command && continues)) {
      absl::StrAppend(&out, line, "\n");
      in_command = true;
      continue;
    }
    in_command = false;
    if (absl::StartsWith(line, "job flags:")) in_job_flags = job_command;
    if (in_job_flags && line.empty()) in_job_flags = false;
    if (in_job_flags) absl::StrAppend(&out, line, "\n");
  }
  if (out.empty()) return out;
  return absl::StrCat("usage: arenactl [GLOBAL FLAGS] ", command, " ...\n", out);
}

}  // namespace arena
