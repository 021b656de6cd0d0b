#include "cli/command_table.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli.h"

namespace arena {
namespace {

// Builders keep each table row on one line (and every field set, which
// -Wmissing-field-initializers would ask of an aggregate).
FlagInfo Flag(std::string name, std::string value, std::string help) {
  FlagInfo flag;
  flag.name = std::move(name);
  flag.value = std::move(value);
  flag.help = std::move(help);
  return flag;
}
FlagInfo Bool(std::string name, std::string help) { return Flag(std::move(name), "", help); }
FlagInfo Many(FlagInfo flag) {
  flag.repeatable = true;
  return flag;
}
FlagInfo Short(std::string alias, FlagInfo flag) {
  flag.alias = std::move(alias);
  return flag;
}
FlagInfo OneOf(std::vector<std::string> choices, FlagInfo flag) {
  flag.value = absl::StrJoin(choices, "|");
  flag.choices = std::move(choices);
  return flag;
}

CommandInfo Command(std::string name, std::string operands, std::string summary,
                    int (*handler)(Cli&)) {
  CommandInfo command;
  command.name = std::move(name);
  command.operands = std::move(operands);
  command.summary = std::move(summary);
  command.handler = handler;
  return command;
}
SubCommandInfo Sub(std::string name, std::string operands, std::vector<FlagInfo> flags = {}) {
  SubCommandInfo sub;
  sub.name = std::move(name);
  sub.operands = std::move(operands);
  sub.flags = std::move(flags);
  return sub;
}

// Flags several commands declare alike.
FlagInfo JunitOut() { return Flag("junit-out", "FILE", "write the merged JUnit XML to FILE"); }
FlagInfo Allure() { return Flag("allure", "DIR", "write allure-results into DIR"); }
FlagInfo Limit(const std::string& fallback) {
  return Flag("limit", "N", absl::StrCat("show at most N (default ", fallback, ")"));
}
FlagInfo Username() { return Flag("username", "U", "the user name to log in as"); }
FlagInfo PasswordStdin() { return Bool("password-stdin", "read the password or token from stdin"); }

FlagGroup JobGroup() {
  FlagGroup group;
  group.title = "job flags";
  group.flags = {
      Many(Flag("image", "IMG|ARCH=IMG", "the image (may hold {arch}), or one per architecture")),
      Many(Flag("arch", "LIST", "the architectures to run on, e.g. amd64,arm64")),
      Flag("repo", "URL", "the git repository to check out"),
      Flag("commit", "REF", "the commit to check out: a sha, tag or branch"),
      Flag("build", "DOCKERFILE[:CONTEXT]", "build the image from the checkout (needs --repo)"),
      Many(Flag("build-arg", "K=V", "a build argument")),
      Flag("build-target", "STAGE", "the Dockerfile stage to build"),
      Many(Flag("env", "K=V", "an environment variable")),
      Many(Flag("secret", "NAME=VALUE", "an environment variable masked in logs")),
      Many(Flag("secret-file", "NAME=PATH", "a secret variable read from a local file")),
      Flag("timeout", "D", "each attempt's time limit, e.g. 10m"),
      Many(Flag("label", "K=V", "a label an agent must have")),
      Flag("retries", "N", "extra attempts (0 to 10) after an infrastructure failure"),
      Bool("retry-test-failures", "retry non-zero exits and timeouts too"),
      Flag("queue-timeout", "D", "a task nobody runs within D ends as error (default 1h)"),
      Flag("idempotency-key", "KEY", "a repeated submit with this key returns the first job"),
      Flag("memory-mb", "N", "the container's memory limit in MiB"),
      Flag("cpus", "N", "the container's CPU limit"),
      Flag("pids", "N", "the container's process limit"),
      OneOf({"none", "host", "bridge"}, Flag("network", "", "the container's network")),
      OneOf({"always", "if-not-present", "never"},
            Flag("pull", "",
                 "when to pull the image (default: always for HOST/NAME[:latest], "
                 "if-not-present for HOST/NAME:TAG, never without a registry host)")),
      Flag("user", "UID[:GID]", "the user the command runs as in the container"),
      OneOf({"docker", "process"},
            Flag("executor", "",
                 "what runs the command: docker (default) or process (on an agent's host)")),
      Many(Flag("service", "NAME=IMAGE[,ready=P][,timeout=D]",
                "a container beside the test, at 127.0.0.1 and NAME; P: tcp:PORT, "
                "http:PORT/PATH or exec:CMD")),
      Short("f", Flag("file", "job.yaml", "a whole JobSpec, YAML or JSON; flags add to it")),
      Flag("junit-out", "FILE", "(run) write the merged JUnit XML to FILE"),
      Flag("allure", "DIR", "(run) write allure-results into DIR"),
      Flag("allure-project", "P",
           "the Allure server project the controller sends the results to (its --allure-url)"),
  };
  return group;
}

FlagGroup TestGroup() {
  FlagGroup group;
  group.title = "test flags";
  group.flags = {
      Many(Flag("suite", "NAME=CMD", "a suite, run in parallel with the others")),
      Many(Flag("suite-serial", "NAME=CMD", "a suite run one at a time, after the others")),
      Many(Flag("tests", "ID,ID", "the tests to run, each by --test-command")),
      Flag("list-command", "CMD", "a command that lists the tests, one id a line"),
      Flag("list", "RUNNER", "list the tests by pytest's or go's own collection: 'pytest [ARGS]'"),
      Flag("test-command", "TEMPLATE",
           "runs one test, {test} its id: 'pytest {test}'; or a batch, {tests} their ids: "
           "'pytest {tests} --junitxml=r.xml'"),
      Many(Flag("junit", "PATH", "a JUnit report the command writes (in the container)")),
      Many(Flag("artifact", "PATH", "a file to ship back (in the container)")),
      Flag("test-timeout", "D", "one test's time limit, e.g. 2m (a batch's from its tests')"),
      Flag("reruns", "N", "failed tests run again up to N times (0 to 10)"),
      Bool("flaky-fails", "a flaky test (failed, then passed) fails the job"),
      Many(Flag("destructive", "ID", "a test that gets a fresh container")),
  };
  return group;
}

void AddJobCommands(std::vector<CommandInfo>& c) {
  c.push_back(Command("run", "-- COMMAND...",
                      "submit, stream logs, print the verdict; exit 0 passed, 1 failed, 3 error",
                      CmdRun));
  c.back().groups = JobFlagGroups();
  c.push_back(Command("submit", "-- COMMAND...", "submit and print the job id", CmdSubmit));
  c.back().groups = JobFlagGroups();
  c.push_back(Command("status", "JOB", "job and per-task state (why a task waits)", CmdStatus));
  c.push_back(Command("jobs", "", "recent jobs", CmdJobs));
  c.back().flags = {Limit("20")};
  c.push_back(Command("logs", "JOB",
                      "a task's log bytes exactly as produced (--build: the output of its image "
                      "build instead; --service NAME: that service's)",
                      CmdLogs));
  c.back().flags = {Flag("task", "ID|ARCH", "the task, by id or architecture"),
                    Flag("attempt", "N", "that attempt (default: the latest)"),
                    Bool("build", "the image build's output, not the command's"),
                    Flag("service", "NAME", "that service's output, not the command's"),
                    Short("f", Bool("follow", "keep printing as the task writes"))};
  c.push_back(Command("wait", "JOB", "wait for the verdict; exit codes as run", CmdWait));
  c.back().flags = {JunitOut(), Allure()};
  c.push_back(Command("cancel", "JOB", "stop a job's tasks", CmdCancel));
  c.push_back(Command("rerun", "JOB",
                      "a new job with the job's spec, or with --failed only what did not pass; "
                      "prints its id",
                      CmdRerun));
  c.back().flags = {Bool("failed", "only the failed tests, suites or commands, where they failed")};
}

void AddTestCommands(std::vector<CommandInfo>& c) {
  c.push_back(
      Command("results", "JOB", "per-test results (merged JUnit, allure-results)", CmdResults));
  c.back().flags = {Bool("failed", "only failed and flaky tests"),
                    Bool("all-attempts", "every attempt's result, not only the last"), JunitOut(),
                    Allure()};
  c.push_back(Command("artifacts", "JOB", "list or download the files a job's attempts shipped",
                      CmdArtifacts));
  c.back().flags = {Flag("task", "T", "only that task's files"),
                    Short("d", Flag("dir", "DIR", "download them into DIR/TASK/ATTEMPT/"))};
  c.push_back(Command("timeline", "JOB",
                      "where a job's time went: each attempt in the agent slot it ran in",
                      CmdTimeline));
  c.push_back(Command("history", "TEST", "a test's last runs, newest first, and its flake rate",
                      CmdTestHistory));
  c.back().flags = {Flag("arch", "A", "only runs on that architecture"),
                    Flag("runs", "N", "its last N results (default 20)")};
  c.push_back(Command("flaky", "", "tests by flake rate over their last runs", CmdFlaky));
  c.back().flags = {Flag("runs", "N", "over each test's last N runs (default 20)"), Limit("50")};
  c.push_back(
      Command("quarantine", "", "a quarantined test's failure does not fail a job", CmdQuarantine));
  c.back().subcommands = {
      Sub("add", "TEST", {Flag("reason", "R", "why, for the list")}),
      Sub("remove", "TEST"),
      Sub("list", ""),
  };
}

void AddFleetCommands(std::vector<CommandInfo>& c) {
  c.push_back(Command("agents", "", "enrolled agents", CmdAgents));
  c.push_back(Command("fleet", "",
                      "the fleet over the last hours: slots busy and free, queue depth and "
                      "time to start per architecture",
                      CmdFleet));
  c.back().flags = {Flag("hours", "N", "how far back, 1 to 168 (default 1)"),
                    Flag("arch", "A", "only that architecture"),
                    Flag("step", "D", "one row per architecture each D (default 5m)")};
  c.push_back(Command("doctor", "",
                      "can a job run now? controller, TLS, token and role, agents per "
                      "architecture; exit 0 yes, 3 with one line per problem",
                      CmdDoctor));
  c.back().flags = {
      Flag("arch", "LIST", "the architectures to check (default: the controller's)"),
      Many(Flag("label", "K=V", "a label the agents must have")),
      OneOf({"docker", "process"}, Flag("executor", "", "what runs the job (default: docker)"))};
  c.push_back(Command("agent", "", "cut an agent off / stop giving it work", CmdAgent));
  c.back().subcommands = {Sub("revoke", "AGENT"), Sub("drain", "AGENT"), Sub("undrain", "AGENT")};
  c.push_back(Command("join-token", "", "a token an agent enrols with (admin)", CmdJoinToken));
  c.back().subcommands = {
      Sub("create", "",
          {Flag("ttl", "D", "how long it is valid (default 24h)"),
           Flag("uses", "N", "how many agents may enrol with it (default 1)")})};
  c.push_back(Command("token", "", "API tokens (admin; a user may create its own)", CmdToken));
  c.back().subcommands = {
      Sub("create", "",
          {Flag("name", "N", "what the token is for"),
           OneOf({"admin", "operator", "submitter"},
                 Flag("role", "", "what it may do (default submitter)")),
           Flag("ttl", "D", "how long it is valid"),
           Flag("user", "NAME", "the user it belongs to (default: the caller's own)")}),
      Sub("list", ""),
      Sub("revoke", "ID|NAME"),
  };
  c.push_back(Command("user", "",
                      "people's accounts for the dashboard's login (admin); passwords from stdin",
                      CmdUser));
  c.back().subcommands = {
      Sub("create", "NAME",
          {OneOf({"admin", "operator", "submitter"},
                 Flag("role", "", "what the user may do (default submitter)"))}),
      Sub("list", ""),
      Sub("disable", "NAME"),
      Sub("enable", "NAME"),
      Sub("passwd", "NAME"),
  };
  c.push_back(Command("audit", "", "who did what, newest first (admin)", CmdAudit));
  c.back().flags = {Limit("50")};
}

void AddCredentialCommands(std::vector<CommandInfo>& c) {
  c.push_back(Command("git", "", "private git hosts' credentials (operator)", CmdGit));
  c.back().subcommands = {
      Sub("login", "HOST",
          {Username(), PasswordStdin(),
           Flag("ssh-key-file", "F", "an SSH private key, instead of a user and password"),
           Flag("known-hosts", "F", "the host's SSH keys (with --ssh-key-file)"),
           Flag("ca-file", "F", "the CA that signs the host's HTTPS certificate")}),
      Sub("list", ""),
      Sub("logout", "HOST"),
  };
  c.push_back(Command("registry", "", "container registries' credentials (operator)", CmdRegistry));
  c.back().subcommands = {Sub("login", "HOST", {Username(), PasswordStdin()}), Sub("list", ""),
                          Sub("logout", "HOST")};
  c.push_back(Command("completion", "", "bash completion (source <(arenactl completion bash))",
                      CmdCompletion));
  c.back().subcommands = {Sub("bash", "")};
  c.back().connects = false;
}

}  // namespace

std::string FlagInfo::Synopsis() const {
  std::string flag = alias.empty() ? absl::StrCat("--", name) : absl::StrCat("-", alias);
  return value.empty() ? flag : absl::StrCat(flag, " ", value);
}

std::vector<const FlagInfo*> CommandInfo::OwnFlags() const {
  std::vector<const FlagInfo*> all;
  for (const FlagInfo& flag : flags) all.push_back(&flag);
  for (const SubCommandInfo& sub : subcommands) {
    for (const FlagInfo& flag : sub.flags) {
      // Two sub-commands may declare one flag; the command accepts it once.
      if (FindFlag(flag.name) == &flag) all.push_back(&flag);
    }
  }
  return all;
}

std::vector<const FlagInfo*> CommandInfo::AllFlags() const {
  std::vector<const FlagInfo*> all = OwnFlags();
  for (const FlagGroup* group : groups) {
    for (const FlagInfo& flag : group->flags) all.push_back(&flag);
  }
  return all;
}

const FlagInfo* CommandInfo::FindFlag(absl::string_view name) const {
  for (const FlagInfo& flag : flags) {
    if (flag.name == name) return &flag;
  }
  for (const SubCommandInfo& sub : subcommands) {
    for (const FlagInfo& flag : sub.flags) {
      if (flag.name == name) return &flag;
    }
  }
  for (const FlagGroup* group : groups) {
    for (const FlagInfo& flag : group->flags) {
      if (flag.name == name) return &flag;
    }
  }
  return nullptr;
}

const FlagInfo* CommandInfo::FindAlias(absl::string_view alias) const {
  for (const FlagInfo* flag : AllFlags()) {
    if (!flag->alias.empty() && flag->alias == alias) return flag;
  }
  return nullptr;
}

const std::vector<FlagInfo>& GlobalFlags() {
  static const auto* flags = new std::vector<FlagInfo>{
      Flag("controller", "HOST:PORT", "the controller (ARENA_CONTROLLER)"),
      Flag("ca-file", "FILE", "the CA that signs the controller's certificate (ARENA_CA_FILE)"),
      Flag("token", "TOKEN", "the API token (ARENA_TOKEN)"),
      Flag("token-file", "FILE", "a file holding the API token (ARENA_TOKEN_FILE)"),
      Short("o", OneOf({"table", "json"}, Flag("output", "", "how to print answers"))),
      Short("h", Bool("help", "this text, or a command's with the command")),
  };
  return *flags;
}

const std::vector<const FlagGroup*>& JobFlagGroups() {
  static const auto* groups =
      new std::vector<const FlagGroup*>{new FlagGroup(JobGroup()), new FlagGroup(TestGroup())};
  return *groups;
}

const std::vector<CommandInfo>& Commands() {
  static const auto* commands = [] {
    auto* c = new std::vector<CommandInfo>;
    AddJobCommands(*c);
    AddTestCommands(*c);
    AddFleetCommands(*c);
    AddCredentialCommands(*c);
    return c;
  }();
  return *commands;
}

const CommandInfo* FindCommand(absl::string_view name) {
  for (const CommandInfo& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

FlagSpec SpecOf(const std::vector<const FlagInfo*>& flags) {
  FlagSpec spec;
  for (const FlagInfo* flag : flags) {
    (flag->boolean() ? spec.bool_flags : spec.value_flags).insert(flag->name);
    if (!flag->alias.empty()) spec.short_aliases[flag->alias] = flag->name;
  }
  return spec;
}

}  // namespace arena
