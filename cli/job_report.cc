// arenactl's account of a job: its tasks, attempts and notes, its failed
// tests, the verdict, and the JUnit and allure reports written from it.
#include "cli/job_report.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/client.h"
#include "cli/junit.h"
#include "cli/terminal.h"
#include "cli/waiting_reasons.h"
#include "common/allure_results.h"
#include "common/files.h"
#include "common/states.h"

namespace arena {
namespace {

std::string Duration(const v1::Task& task) {
  if (task.started_unix_ms() <= 0) return "-";
  int64_t end =
      task.finished_unix_ms() > 0 ? task.finished_unix_ms() : absl::ToUnixMillis(absl::Now());
  return absl::FormatDuration(
      absl::Milliseconds(std::max<int64_t>(0, end - task.started_unix_ms())));
}

// One line per task; past 30 tasks only the ones that did not pass.
}  // namespace

void PrintTasks(const v1::Job& raw) {
  const v1::Job job = DisplaySafe(raw);
  size_t width = 8;
  for (const v1::Task& t : job.tasks())
    width = std::max(width, std::min<size_t>(48, TaskName(t).size()));
  bool compact = job.tasks_size() > 30;
  int hidden = 0;
  std::printf("%-*s %-10s %-5s %-10s %-9s %-20s %s\n", static_cast<int>(width), "TASK", "STATUS",
              "EXIT", "DURATION", "RUNS", "AGENT", "DETAIL");
  for (const v1::Task& t : job.tasks()) {
    if (compact && t.state() == v1::PASSED && !t.flaky()) {
      ++hidden;
      continue;
    }
    std::string exit_code =
        IsTerminal(t.state()) && t.exit_code() >= 0 ? absl::StrCat(t.exit_code()) : "-";
    std::string detail = t.state() == v1::QUEUED ? t.waiting_reason()
                         : t.phase().empty()     ? t.reason()
                                                 : PhaseSummary(t);
    const char* runs = t.agent_id().empty() ? "-" : t.emulated() ? "emulated" : "native";
    std::string state = StateName(t.state());
    if (t.quarantined()) absl::StrAppend(&state, "(q)");
    std::printf("%-*s %s %-5s %-10s %-9s %-20s %s\n", static_cast<int>(width), TaskName(t).c_str(),
                Paint(state, t.state(), 10).c_str(), exit_code.c_str(), Duration(t).c_str(), runs,
                t.agent_id().empty() ? "-" : t.agent_id().c_str(), detail.c_str());
  }
  if (hidden > 0) std::printf("... and %d more tasks that passed\n", hidden);
}

// The job's failed and flaky tests (from one bounded page of them) and the
// count of all its tests.
void PrintTestSummary(const v1::ListResultsResponse& failures, const std::string& job_id) {
  constexpr int kShown = 20;
  int failed = 0, flaky = 0;
  for (const v1::TestResult& raw :
       FinalResults({failures.results().begin(), failures.results().end()})) {
    const v1::TestResult r = DisplaySafe(raw);
    bool bad = r.status() == "failed" || r.status() == "error";
    if (bad) {
      if (++failed <= kShown) {
        std::printf("FAILED  %s [%s]%s %s\n", r.test_key().c_str(), r.arch().c_str(),
                    r.quarantined() ? " (quarantined)" : "", r.message().substr(0, 160).c_str());
      }
    } else if (r.flaky() && ++flaky <= kShown) {
      std::printf("FLAKY   %s [%s] passed on attempt %d\n", r.test_key().c_str(), r.arch().c_str(),
                  r.attempt_number());
    }
  }
  const v1::ResultSummary& summary = failures.summary();
  if (summary.failed() > std::min<int64_t>(failed, kShown)) {
    std::printf("... and %lld more failed (arenactl results --failed %s)\n",
                static_cast<long long>(summary.failed() - std::min<int64_t>(failed, kShown)),
                SafeField(job_id).c_str());
  }
  if (summary.tests() > 0) {
    std::printf("tests: %lld, failed %lld, flaky %lld\n", static_cast<long long>(summary.tests()),
                static_cast<long long>(summary.failed()), static_cast<long long>(summary.flaky()));
  }
}

// Every attempt of tasks that needed more than one.
void PrintAttempts(const v1::Job& raw) {
  const v1::Job job = DisplaySafe(raw);
  bool header = false;
  for (const v1::Task& t : job.tasks()) {
    if (t.attempts_size() < 2) continue;
    if (!header) {
      std::printf("\nattempts:\n%-8s %-3s %-16s %-10s %-5s %-20s %s\n", "ARCH", "#", "ATTEMPT",
                  "STATUS", "EXIT", "AGENT", "DETAIL");
      header = true;
    }
    for (int i = 0; i < t.attempts_size(); ++i) {
      const v1::Attempt& a = t.attempts(i);
      std::string exit_code =
          a.exit_code() >= 0 && IsTerminal(a.state()) ? absl::StrCat(a.exit_code()) : "-";
      std::printf("%-8s %-3d %-16s %-10s %-5s %-20s %s\n", t.arch().c_str(), i + 1, a.id().c_str(),
                  StateName(a.state()), exit_code.c_str(), a.agent_id().c_str(),
                  a.reason().c_str());
    }
  }
}

// What agents skipped, truncated or refused, per attempt.
void PrintNotes(const v1::Job& job) {
  bool header = false;
  for (const v1::Task& t : job.tasks()) {
    for (int i = 0; i < t.attempts_size(); ++i) {
      for (const std::string& note : t.attempts(i).notes()) {
        if (!header) std::printf("\nnotes:\n");
        header = true;
        std::printf("%s attempt %d: %s\n", TaskName(t).c_str(), i + 1, note.c_str());
      }
    }
  }
}

void PrintImageDigests(const v1::Job& job) {
  bool header = false;
  for (const v1::Task& t : job.tasks()) {
    for (int i = 0; i < t.attempts_size(); ++i) {
      const std::string& digest = t.attempts(i).image_digest();
      if (digest.empty()) continue;
      if (!header) std::printf("\nimages:\n");
      header = true;
      std::printf("%s attempt %d: %s (linux/%s)\n", TaskName(t).c_str(), i + 1, digest.c_str(),
                  t.arch().c_str());
    }
  }
}

// JUnit XML and allure-results of a finished job: every task and result,
// read page by page. Returns 0, or the exit code of a failure to write.
int WriteReports(Cli& cli, const std::string& job_id, const std::string& junit_out,
                 const std::string& allure_dir) {
  absl::StatusOr<v1::Job> job = GetWholeJob(cli, job_id);
  if (!job.ok()) return Fail(kExitUsage, std::string(job.status().message()));
  absl::StatusOr<std::vector<v1::TestResult>> results = GetResults(cli, job_id);
  if (!results.ok()) return Fail(kExitUsage, std::string(results.status().message()));
  if (!junit_out.empty()) {
    std::string xml = JunitXml(*job, FailureTails(cli, *job), *results);
    absl::Status written = WriteFileAtomic(junit_out, xml);
    if (!written.ok()) return Fail(kExitUsage, std::string(written.message()));
  }
  if (!allure_dir.empty()) {
    absl::StatusOr<int> written = WriteAllureResults(allure_dir, *job, *results);
    if (!written.ok()) return Fail(kExitUsage, std::string(written.status().message()));
  }
  return 0;
}

void PrintAllure(const v1::Job& job) {
  if (!job.has_allure()) return;
  const v1::AllureUpload& a = job.allure();
  std::string project = SafeField(a.project());
  if (a.state() == "uploaded") {
    std::printf("allure: uploaded %s (project %s)\n", SafeField(a.report_url()).c_str(),
                project.c_str());
  } else if (a.state() == "failed") {
    std::printf("allure: failed: %s (project %s)\n", SafeField(a.reason()).c_str(),
                project.c_str());
  } else if (a.reason().empty()) {
    std::printf("allure: pending (project %s)\n", project.c_str());
  } else {
    std::printf("allure: pending (project %s; try %d failed: %s)\n", project.c_str(), a.tries(),
                SafeField(a.reason()).c_str());
  }
}

// The verdict of a finished job from its state; the tasks of its first page,
// the end of a few failed tasks' logs (when they were not streamed) and one
// bounded page of failed tests around it.
void PrintVerdict(Cli& cli, const v1::Job& job, bool show_tails) {
  BeginOwnOutput(stdout);
  std::printf("\n");
  if (show_tails) {
    for (const auto& [task_id, tail] : FailureTails(cli, job, /*max_tasks=*/5)) {
      for (const v1::Task& t : job.tasks()) {
        if (t.id() == task_id) std::printf("--- %s (last lines)\n", SafeField(TaskName(t)).c_str());
      }
      std::fflush(stdout);
      JobOutput output(StdoutIsTerminal());
      output.Write(absl::StrCat(LastLines(tail, 20), "\n"));
      output.Finish();
      BeginOwnOutput(stdout);
    }
  }
  PrintTasks(job);
  if (job.task_total() > job.tasks_size()) {
    std::printf("... and %lld more tasks (arenactl status %s)\n",
                static_cast<long long>(job.task_total() - job.tasks_size()),
                SafeField(job.id()).c_str());
  }
  absl::StatusOr<v1::ListResultsResponse> failures = GetFailures(cli, job.id(), 100);
  if (failures.ok()) {
    PrintTestSummary(*failures, job.id());
  } else {
    std::fprintf(stderr, "arenactl: test results not read: %s\n",
                 SafeField(std::string(failures.status().message())).c_str());
  }
  PrintAllure(job);
  std::printf("verdict: %s (job %s)\n", Paint(StateName(job.state()), job.state()).c_str(),
              SafeField(job.id()).c_str());
}

}  // namespace arena
