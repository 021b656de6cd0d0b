// The job commands: run, submit, wait, status, jobs, logs, cancel.
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/job_file.h"
#include "cli/job_report.h"
#include "cli/junit.h"
#include "cli/progress.h"
#include "cli/terminal.h"
#include "cli/waiting_reasons.h"
#include "common/allure_results.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/log_channel.h"
#include "common/service_probe.h"
#include "common/states.h"
#include "common/status_macros.h"

namespace arena {

namespace {

int ExitCodeFor(v1::State state) {
  switch (state) {
    case v1::PASSED:
      return kExitPassed;
    case v1::FAILED:
      return kExitFailed;
    default:
      return kExitError;
  }
}

// One progress line per architecture while a job runs; on a terminal the
// lines are redrawn in place, otherwise printed when they change, at most
// every 5 s (and once at the end).
class LiveView {
 public:
  void Update(const v1::Job& job) {
    std::vector<std::string> lines = ProgressLines(job, absl::Now());
    BeginOwnOutput(stderr);
    if (tty_) {
      if (drawn_ > 0) std::fprintf(stderr, "\033[%dA", drawn_);
      for (const std::string& line : lines) std::fprintf(stderr, "\033[2K%s\n", line.c_str());
      drawn_ = static_cast<int>(lines.size());
    } else if (lines != printed_ && (IsTerminal(job.state()) || absl::Now() >= next_print_)) {
      // A log file or CI gets a changed line at most every few seconds,
      // and the last one: not a line per test of a suite of thousands.
      for (const std::string& line : lines) std::fprintf(stderr, "arenactl: %s\n", line.c_str());
      printed_ = lines;
      next_print_ = absl::Now() + kQuietProgressEvery;
    }
  }
  // Another line was printed below the progress lines: draw them afresh.
  void Interrupt() { drawn_ = 0; }

 private:
  static constexpr absl::Duration kQuietProgressEvery = absl::Seconds(5);
  const bool tty_ = isatty(STDERR_FILENO) != 0;
  int drawn_ = 0;
  std::vector<std::string> printed_;
  absl::Time next_print_ = absl::InfinitePast();
};

absl::StatusOr<std::string> OneJobId(const ParsedFlags& flags, const char* command) {
  if (flags.positional().size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("usage: arenactl ", command, " JOB"));
  }
  return flags.positional()[0];
}

// Submits and returns the job, or an exit code.
int Submit(Cli& cli, const ParsedFlags& flags, v1::Job* job) {
  absl::StatusOr<v1::JobSpec> spec = SpecFromFlags(flags);
  if (!spec.ok()) return Fail(kExitUsage, std::string(spec.status().message()));
  v1::SubmitJobRequest request;
  *request.mutable_spec() = *spec;
  request.set_idempotency_key(flags.Get("idempotency-key"));
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->SubmitJob(context.get(), request, job);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  return -1;
}

}  // namespace

int CmdSubmit(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  v1::Job job;
  int rc = Submit(cli, *flags, &job);
  if (rc >= 0) return rc;
  if (cli.output == "json") {
    PrintJson(job);
  } else {
    std::printf("%s\n", SafeField(job.id()).c_str());
  }
  return 0;
}

namespace {

// Copies one task's log to `out`, following until the task ends. `attempt`
// pins one attempt (id or number); empty follows the latest, moving on to a
// retry's attempt when one begins.
grpc::Status StreamTaskLog(Cli& cli, const std::string& job_id, const std::string& task,
                           bool follow, const std::function<void(const v1::LogData&)>& out,
                           const std::string& attempt = "", const std::string& channel = "") {
  v1::StreamLogsRequest request;
  request.set_job_id(job_id);
  request.set_task(task);
  request.set_follow(follow);
  request.set_attempt(attempt);
  request.set_channel(channel);
  auto context = cli.client->Context(/*streaming=*/true);
  auto reader = cli.client->stub()->StreamLogs(context.get(), request);
  v1::LogData data;
  while (reader->Read(&data)) out(data);
  return reader->Finish();
}

// Writes log bytes to stdout (filtered on a terminal, exact otherwise; see
// cli/terminal.h); when a retry's attempt begins, says so on stderr (stdout
// keeps only the task's own bytes).
class LogPrinter {
 public:
  LogPrinter() : output_(StdoutIsTerminal()) {}
  // Writes what the terminal filter held back (an incomplete character).
  void Finish() { output_.Finish(); }
  void operator()(const v1::LogData& data) {
    if (!attempt_.empty() && data.attempt_id() != attempt_) {
      Notice(absl::StrCat("retrying as attempt ", data.attempt_id()));
    }
    attempt_ = data.attempt_id();
    output_.Write(data.data());
  }

 private:
  JobOutput output_;
  std::string attempt_;
};

// Waits for a terminal state, printing the verdict (and writing JUnit XML
// when asked). Returns the exit code.
int WaitAndReport(Cli& cli, const std::string& job_id, const std::string& junit_out,
                  bool progress = false, const std::string& allure_dir = "") {
  LiveView live;
  WaitingReasons reasons;
  absl::Duration wait = absl::ZeroDuration();
  while (true) {
    // Long poll: the controller answers when the job changes, not on a timer.
    absl::StatusOr<v1::Job> job = GetJob(cli, job_id, wait);
    if (!job.ok()) return Fail(kExitUsage, std::string(job.status().message()));
    if (progress && cli.output != "json") live.Update(*job);
    if (!IsTerminal(job->state())) {
      for (const std::string& line : reasons.Update(*job, absl::Now())) {
        live.Interrupt();
        Notice(line);
      }
      wait = reasons.Waiting() ? kWaitingReasonPoll : absl::Seconds(30);
      continue;
    }
    if (!junit_out.empty() || !allure_dir.empty()) {
      int written = WriteReports(cli, job_id, junit_out, allure_dir);
      if (written != 0) return written;
    }
    if (cli.output == "json") {
      PrintJson(*job);
    } else {
      PrintVerdict(cli, *job, progress);
    }
    return ExitCodeFor(job->state());
  }
}

// Streams every task's log: raw when the job has one task, else each line
// prefixed with its architecture.
void StreamAllLogs(Cli& cli, const v1::Job& job) {
  if (job.tasks_size() == 1) {
    LogPrinter printer;
    grpc::Status status = StreamTaskLog(cli, job.id(), job.tasks(0).id(), true,
                                        [&printer](const v1::LogData& d) { printer(d); });
    printer.Finish();
    if (!status.ok()) Fail(0, absl::StrCat("log stream: ", cli.client->Describe(status)));
    return;
  }
  absl::Mutex out_mu;
  std::vector<std::thread> threads;
  for (const v1::Task& task : job.tasks()) {
    threads.emplace_back([&cli, &job, &out_mu, task] {
      std::string pending;
      std::string prefix = absl::StrCat("[", SafeField(TaskName(task)), "] ");
      JobOutput output(StdoutIsTerminal());
      auto write_line = [&](absl::string_view line) {
        BeginOwnOutput(stdout);
        std::fputs(prefix.c_str(), stdout);
        output.Write(line);
        output.Finish();
      };
      auto flush_lines = [&](bool all) {
        absl::MutexLock lock(&out_mu);
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          write_line(absl::string_view(pending).substr(0, nl + 1));
          pending.erase(0, nl + 1);
        }
        if (all && !pending.empty()) {
          write_line(absl::StrCat(pending, "\n"));
          pending.clear();
        }
      };
      std::string attempt;
      StreamTaskLog(cli, job.id(), task.id(), true, [&](const v1::LogData& d) {
        if (!attempt.empty() && d.attempt_id() != attempt) {
          flush_lines(true);
          pending = absl::StrCat("--- retrying as attempt ", SafeField(d.attempt_id()), " ---\n");
        }
        attempt = d.attempt_id();
        pending += d.data();
        flush_lines(false);
      }).ok();
      flush_lines(true);
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace

int CmdRun(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  v1::Job job;
  int rc = Submit(cli, *flags, &job);
  if (rc >= 0) return rc;
  Notice(absl::StrCat("job ", job.id(), " submitted (", job.tasks_size(), " task",
                      job.tasks_size() == 1 ? "" : "s", ")"));
  // Logs stream live for a few plain tasks; larger or test-queue jobs show
  // progress lines instead (their tasks appear as tests are listed).
  bool stream = job.tasks_size() <= 8;
  for (const v1::Task& t : job.tasks()) {
    if (t.kind() == v1::TASK_KIND_LIST || t.kind() == v1::TASK_KIND_TEST) stream = false;
  }
  if (cli.output != "json" && stream) {
    WaitingReasonWatcher reasons(cli, job.id());  // the streams are silent while tasks wait
    StreamAllLogs(cli, job);
  }
  return WaitAndReport(cli, job.id(), flags->Get("junit-out"), !stream, flags->Get("allure"));
}

int CmdWait(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  absl::StatusOr<std::string> job_id = OneJobId(*flags, "wait");
  if (!job_id.ok()) return Fail(kExitUsage, std::string(job_id.status().message()));
  return WaitAndReport(cli, *job_id, flags->Get("junit-out"), false, flags->Get("allure"));
}

int CmdStatus(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  absl::StatusOr<std::string> job_id = OneJobId(*flags, "status");
  if (!job_id.ok()) return Fail(kExitUsage, std::string(job_id.status().message()));
  absl::StatusOr<v1::Job> job = GetWholeJob(cli, *job_id);
  if (!job.ok()) return Fail(kExitUsage, std::string(job.status().message()));
  if (cli.output == "json") {
    PrintJson(*job);
    return 0;
  }
  const v1::Job shown = DisplaySafe(*job);
  std::printf("job %s: %s\n", shown.id().c_str(), StateName(shown.state()));
  std::printf("image %s, command:", shown.spec().image().c_str());
  for (const std::string& arg : shown.spec().command()) std::printf(" %s", arg.c_str());
  std::printf("\ncreated %s, finished %s\n\n", FormatMs(shown.created_unix_ms()).c_str(),
              FormatMs(shown.finished_unix_ms()).c_str());
  PrintTasks(shown);
  PrintAttempts(shown);
  PrintNotes(shown);
  PrintImageDigests(shown);
  PrintAllure(shown);
  return 0;
}

int CmdJobs(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  v1::ListJobsRequest request;
  int limit = 20;
  if (flags->Has("limit") && (!absl::SimpleAtoi(flags->Get("limit"), &limit) || limit < 1)) {
    return Fail(kExitUsage, "--limit wants a positive number");
  }
  request.set_limit(limit);
  v1::ListJobsResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->ListJobs(context.get(), request, &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-18s %-10s %-12s %-16s %-12s %s\n", "JOB", "STATUS", "CREATED", "ARCHS", "OWNER",
              "WHAT");
  for (const v1::Job& job : response.jobs()) {
    std::string archs;
    std::set<std::string> seen;
    for (const v1::Task& t : job.tasks()) {
      if (seen.insert(t.arch()).second) absl::StrAppend(&archs, archs.empty() ? "" : ",", t.arch());
    }
    std::string command;
    for (const std::string& arg : job.spec().command())
      absl::StrAppend(&command, command.empty() ? "" : " ", arg);
    for (const v1::Suite& suite : job.spec().suites())
      absl::StrAppend(&command, command.empty() ? "suites: " : ", ", suite.name());
    if (command.empty() && !job.spec().test_command().empty()) {
      command = absl::StrCat("tests: ", job.spec().test_command());
    }
    if (command.size() > 60) command = command.substr(0, 57) + "...";
    std::printf("%-18s %s %-12s %-16s %-12s %s\n", job.id().c_str(),
                Paint(StateName(job.state()), job.state(), 10).c_str(),
                Ago(job.created_unix_ms()).c_str(), archs.c_str(), job.owner().c_str(),
                command.c_str());
  }
  return 0;
}

// The log `logs` prints: the task's own, its build's (--build) or a
// service's (--service NAME).
static std::string LogChannelOf(const ParsedFlags& flags) {
  if (flags.Has("service")) return ServiceLogChannel(flags.Get("service"));
  return flags.Get("build") == "true" ? kBuildChannel : "";
}

int CmdLogs(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  absl::StatusOr<std::string> job_id = OneJobId(*flags, "logs");
  if (!job_id.ok()) return Fail(kExitUsage, std::string(job_id.status().message()));
  LogPrinter printer;
  grpc::Status status = StreamTaskLog(
      cli, *job_id, flags->Get("task"), flags->Get("follow") == "true",
      [&printer](const v1::LogData& d) { printer(d); }, flags->Get("attempt"),
      LogChannelOf(*flags));
  printer.Finish();
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  return 0;
}

int CmdCancel(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  absl::StatusOr<std::string> job_id = OneJobId(*flags, "cancel");
  if (!job_id.ok()) return Fail(kExitUsage, std::string(job_id.status().message()));
  v1::CancelJobRequest request;
  request.set_job_id(*job_id);
  v1::Job job;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->CancelJob(context.get(), request, &job);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(job);
  } else {
    std::printf("job %s: %s\n", SafeField(job.id()).c_str(), StateName(job.state()));
  }
  return 0;
}

// arenactl rerun JOB [--failed]: prints the new job's id, as submit does.
int CmdRerun(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  absl::StatusOr<std::string> job_id = OneJobId(*flags, "rerun");
  if (!job_id.ok()) return Fail(kExitUsage, std::string(job_id.status().message()));
  v1::RerunJobRequest request;
  request.set_job_id(*job_id);
  request.set_failed_only(flags->Has("failed"));
  v1::Job job;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->RerunJob(context.get(), request, &job);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(job);
  } else {
    std::printf("%s\n", SafeField(job.id()).c_str());
  }
  return 0;
}

}  // namespace arena
