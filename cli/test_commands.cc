// arenactl's test-intelligence commands: results (table, merged JUnit,
// allure-results), artifacts, flaky and quarantine.
#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/junit.h"
#include "cli/terminal.h"
#include "common/allure_results.h"
#include "common/files.h"
#include "common/states.h"
#include "common/status_macros.h"

namespace arena {
namespace {

std::string Ms(int64_t ms) {
  return absl::FormatDuration(absl::Trunc(absl::Milliseconds(ms), absl::Milliseconds(1)));
}

// A directory name for a task: its name with unsafe parts replaced.
std::string TaskDir(const v1::ArtifactInfo& info) {
  std::string name = info.arch();
  if (!info.suite().empty()) absl::StrAppend(&name, "/", info.suite());
  if (!info.test_id().empty()) {
    std::string test = info.test_id();
    for (char& c : test) {
      if (c == '/' || c == ':' || c == ' ' || c == '\\') c = '_';
    }
    absl::StrAppend(&name, "/", test);
  }
  if (info.arch().empty()) name = info.task_id();
  return IsSafeRelativePath(name) ? name : info.task_id();
}

}  // namespace

namespace {

absl::StatusOr<v1::Job> GetJobPage(Cli& cli, const v1::GetJobRequest& request) {
  v1::Job job;
  auto context = cli.client->Context();
  if (request.wait_ms() > 0) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(request.wait_ms()) +
                                             absl::Seconds(15)));
  }
  grpc::Status status = cli.client->stub()->GetJob(context.get(), request, &job);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        cli.client->Describe(status));
  }
  return job;
}

absl::StatusOr<v1::ListResultsResponse> GetResultsPage(Cli& cli,
                                                       const v1::ListResultsRequest& request) {
  v1::ListResultsResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->results()->ListResults(context.get(), request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        cli.client->Describe(status));
  }
  return response;
}

// Pages are bounded in count and so is this: a job has at most this many.
constexpr int kMaxPages = 100000;

}  // namespace

absl::StatusOr<v1::Job> GetJob(Cli& cli, const std::string& job_id, absl::Duration wait) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  request.set_wait_ms(absl::ToInt64Milliseconds(wait));
  return GetJobPage(cli, request);
}

absl::StatusOr<v1::Job> GetWholeJob(Cli& cli, const std::string& job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  request.set_task_page_size(5000);
  absl::StatusOr<v1::Job> job = GetJobPage(cli, request);
  for (int pages = 0; job.ok() && !job->next_task_page_token().empty() && pages < kMaxPages;
       ++pages) {
    request.set_task_page_token(job->next_task_page_token());
    absl::StatusOr<v1::Job> next = GetJobPage(cli, request);
    if (!next.ok()) return next.status();
    for (v1::Task& task : *next->mutable_tasks()) *job->add_tasks() = std::move(task);
    job->set_next_task_page_token(next->next_task_page_token());
  }
  return job;
}

absl::StatusOr<v1::ListResultsResponse> GetFailures(Cli& cli, const std::string& job_id,
                                                    int limit) {
  v1::ListResultsRequest request;
  request.set_job_id(job_id);
  request.set_failed_only(true);
  request.set_page_size(limit);
  return GetResultsPage(cli, request);
}

// The last lines of each unsuccessful task's log, for JUnit failures.
std::map<std::string, std::string> FailureTails(Cli& cli, const v1::Job& job, int max_tasks) {
  constexpr int64_t kTailBytes = 16 * 1024;
  std::map<std::string, std::string> tails;
  int read = 0;
  for (const v1::Task& task : job.tasks()) {
    if (task.state() == v1::PASSED || task.attempt_id().empty()) continue;
    if (max_tasks > 0 && ++read > max_tasks) break;
    v1::StreamLogsRequest request;
    request.set_job_id(job.id());
    request.set_task(task.id());
    request.set_offset(std::max<int64_t>(0, task.log_bytes() - kTailBytes));
    auto context = cli.client->Context();
    auto reader = cli.client->stub()->StreamLogs(context.get(), request);
    std::string text;
    v1::LogData data;
    while (reader->Read(&data)) text += data.data();
    if (reader->Finish().ok()) tails[task.id()] = LastLines(text, 50);
  }
  return tails;
}

absl::StatusOr<std::vector<v1::TestResult>> GetResults(Cli& cli, const std::string& job_id) {
  v1::ListResultsRequest request;
  request.set_job_id(job_id);
  request.set_page_size(10000);
  std::vector<v1::TestResult> results;
  for (int pages = 0; pages < kMaxPages; ++pages) {
    absl::StatusOr<v1::ListResultsResponse> page = GetResultsPage(cli, request);
    if (!page.ok()) return page.status();
    for (v1::TestResult& r : *page->mutable_results()) results.push_back(std::move(r));
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  return results;
}

namespace {

// The results as a table and a summary line; `failed_only`: failed and
// flaky rows only (the summary still counts them all).
void PrintResultsTable(const std::vector<v1::TestResult>& shown, bool failed_only,
                       const v1::Job& job) {
  int passed = 0, failed = 0, skipped = 0, flaky = 0, quarantined = 0;
  // The TEST column fits the longest name up to 80; a longer name is shown
  // whole (its row's later columns move right), never cut so that two rows
  // of different tests could look the same.
  constexpr size_t kMaxTestColumn = 80;
  int width = 4;
  for (const v1::TestResult& r : shown) {
    width = std::max(width, static_cast<int>(std::min(kMaxTestColumn, r.test_key().size())));
  }
  std::printf("%-8s %-14s %-*s %-18s %-9s %-3s %s\n", "ARCH", "SUITE", width, "TEST", "STATUS",
              "DURATION", "#", "AGENT");
  for (const v1::TestResult& raw : shown) {
    const v1::TestResult r = DisplaySafe(raw);
    bool bad = r.status() == "failed" || r.status() == "error";
    passed += r.status() == "passed";
    failed += bad;
    skipped += r.status() == "skipped";
    flaky += r.flaky() && r.status() == "passed";
    quarantined += r.quarantined() && bad;
    if (failed_only && !bad && !r.flaky()) continue;
    std::string status = r.status();
    if (r.flaky()) absl::StrAppend(&status, " (flaky)");
    if (r.quarantined()) absl::StrAppend(&status, " (quarantined)");
    const char* suite = r.suite().empty() ? "-" : r.suite().c_str();
    const std::string& name = r.test_key();  // a longer one pushes its row's columns right
    std::printf("%-8s %-14s %-*s %s %-9s %-3d %s\n", r.arch().c_str(), suite, width, name.c_str(),
                PaintStatus(status, r.status(), 18).c_str(), Ms(r.duration_ms()).c_str(),
                r.attempt_number(), r.agent_id().c_str());
    if (bad && !r.message().empty()) std::printf("    %s\n", r.message().substr(0, 200).c_str());
  }
  std::printf(
      "%zu tests: %d passed, %d failed, %d skipped, %d flaky, %d quarantined (job %s: %s)\n",
      shown.size(), passed, failed, skipped, flaky, quarantined, SafeField(job.id()).c_str(),
      StateName(job.state()));
}

}  // namespace

int CmdResults(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (flags->positional().size() != 1) return FailUsage(cli);
  const std::string& job_id = flags->positional()[0];
  absl::StatusOr<v1::Job> job = GetWholeJob(cli, job_id);
  if (!job.ok()) return Fail(kExitUsage, std::string(job.status().message()));
  absl::StatusOr<std::vector<v1::TestResult>> results = GetResults(cli, job_id);
  if (!results.ok()) return Fail(kExitUsage, std::string(results.status().message()));
  if (flags->Has("junit-out")) {
    std::string xml = JunitXml(*job, FailureTails(cli, *job), *results);
    absl::Status written = WriteFileAtomic(flags->Get("junit-out"), xml);
    if (!written.ok()) return Fail(kExitUsage, std::string(written.message()));
  }
  if (flags->Has("allure")) {
    absl::StatusOr<int> written = WriteAllureResults(flags->Get("allure"), *job, *results);
    if (!written.ok()) return Fail(kExitUsage, std::string(written.status().message()));
    std::fprintf(stderr, "arenactl: wrote %d allure results to %s\n", *written,
                 flags->Get("allure").c_str());
  }
  if (cli.output == "json") {
    v1::ListResultsResponse response;
    for (const v1::TestResult& r : *results) *response.add_results() = r;
    PrintJson(response);
    return 0;
  }
  std::vector<v1::TestResult> shown =
      flags->Get("all-attempts") == "true" ? *results : FinalResults(*results);
  PrintResultsTable(shown, flags->Get("failed") == "true", *job);
  return 0;
}

namespace {

// Every artifact of the request's job (and task), page by page.
absl::StatusOr<v1::ListArtifactsResponse> ListAllArtifacts(Cli& cli,
                                                           v1::ListArtifactsRequest request) {
  request.set_page_size(10000);
  v1::ListArtifactsResponse listed;
  for (int pages = 0; pages < kMaxPages; ++pages) {
    v1::ListArtifactsResponse page;
    auto context = cli.client->Context();
    grpc::Status status = cli.client->results()->ListArtifacts(context.get(), request, &page);
    if (!status.ok()) return absl::UnavailableError(cli.client->Describe(status));
    for (v1::ArtifactInfo& a : *page.mutable_artifacts()) *listed.add_artifacts() = std::move(a);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return listed;
}

void PrintArtifacts(const v1::ListArtifactsResponse& listed) {
  std::printf("%-24s %-3s %-6s %-40s %s\n", "TASK", "#", "KIND", "PATH", "BYTES");
  for (const v1::ArtifactInfo& raw : listed.artifacts()) {
    const v1::ArtifactInfo a = DisplaySafe(raw);
    std::printf("%-24s %-3d %-6s %-40s %lld\n", TaskDir(a).c_str(), a.attempt_number(),
                a.junit() ? "junit" : "file", a.path().c_str(), static_cast<long long>(a.size()));
  }
}

// Downloads one artifact to `target`; the bytes written are added to `total`.
absl::Status Download(Cli& cli, const std::string& job_id, const v1::ArtifactInfo& a,
                      const std::string& target, int64_t* total) {
  RETURN_IF_ERROR(MakeDirs(target.substr(0, target.rfind('/'))));
  std::FILE* out = std::fopen(target.c_str(), "wb");
  if (out == nullptr) return absl::InternalError(absl::StrCat("cannot write ", target));
  v1::GetArtifactRequest get;
  get.set_job_id(job_id);
  get.set_attempt_id(a.attempt_id());
  get.set_path(a.path());
  auto stream_context = cli.client->Context(/*streaming=*/true);
  auto reader = cli.client->results()->GetArtifact(stream_context.get(), get);
  v1::ArtifactData data;
  while (reader->Read(&data)) {
    std::fwrite(data.data().data(), 1, data.data().size(), out);
    *total += static_cast<int64_t>(data.data().size());
  }
  std::fclose(out);
  grpc::Status finished = reader->Finish();
  if (!finished.ok()) return absl::UnavailableError(cli.client->Describe(finished));
  return absl::OkStatus();
}

}  // namespace

int CmdArtifacts(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (flags->positional().size() != 1) {
    return FailUsage(cli);
  }
  v1::ListArtifactsRequest request;
  request.set_job_id(flags->positional()[0]);
  request.set_task(flags->Get("task"));
  absl::StatusOr<v1::ListArtifactsResponse> listed = ListAllArtifacts(cli, request);
  if (!listed.ok()) return Fail(kExitUsage, std::string(listed.status().message()));
  if (!flags->Has("dir")) {
    if (cli.output == "json") {
      PrintJson(*listed);
    } else {
      PrintArtifacts(*listed);
    }
    return 0;
  }
  // DIR/TASK/ATTEMPT/PATH (JUnit reports under DIR/TASK/ATTEMPT/junit/).
  int64_t total = 0;
  for (const v1::ArtifactInfo& a : listed->artifacts()) {
    std::string target = absl::StrCat(flags->Get("dir"), "/", TaskDir(a), "/", a.attempt_number(),
                                      a.junit() ? "/junit/" : "/", a.path());
    absl::Status done = Download(cli, request.job_id(), a, target, &total);
    if (!done.ok()) return Fail(kExitUsage, std::string(done.message()));
  }
  std::fprintf(stderr, "arenactl: %d files, %lld bytes into %s\n", listed->artifacts_size(),
               static_cast<long long>(total), flags->Get("dir").c_str());
  return 0;
}

int CmdFlaky(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  v1::ListFlakyRequest request;
  int runs = 20, limit = 50;
  if ((flags->Has("runs") && (!absl::SimpleAtoi(flags->Get("runs"), &runs) || runs < 1)) ||
      (flags->Has("limit") && (!absl::SimpleAtoi(flags->Get("limit"), &limit) || limit < 1))) {
    return Fail(kExitUsage, "--runs and --limit want positive numbers");
  }
  request.set_runs(runs);
  request.set_limit(limit);
  v1::ListFlakyResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->results()->ListFlaky(context.get(), request, &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-48s %-8s %-6s %-6s %-6s %-5s %s\n", "TEST", "ARCH", "RATE", "FLAKY", "FAILED",
              "RUNS", "QUARANTINED");
  for (const v1::FlakyTest& t : response.tests()) {
    std::printf("%-48s %-8s %-6s %-6d %-6d %-5d %s\n", t.test_key().c_str(), t.arch().c_str(),
                absl::StrCat(static_cast<int>(t.flake_rate() * 100 + 0.5), "%").c_str(),
                t.flaky_runs(), t.failed_runs(), t.runs(), t.quarantined() ? "yes" : "no");
  }
  if (response.tests_size() == 0) std::printf("no flaky tests in the last %d runs\n", runs);
  return 0;
}

int CmdTimeline(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (flags->positional().size() != 1) return FailUsage(cli);
  v1::GetTimelineRequest request;
  request.set_job_id(flags->positional()[0]);
  v1::Timeline timeline;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->results()->GetTimeline(context.get(), request, &timeline);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(timeline);
    return 0;
  }
  MakeDisplaySafe(&timeline);
  const int64_t now = absl::ToUnixMillis(absl::Now());
  std::printf("%-24s %-4s %-9s %-9s %-10s %s\n", "AGENT", "SLOT", "START", "TOOK", "STATE", "TEST");
  int64_t last_end = timeline.created_unix_ms();
  for (const v1::TimelineBar& bar : timeline.bars()) {
    const int64_t end = bar.finished_unix_ms() > 0 ? bar.finished_unix_ms() : now;
    last_end = std::max(last_end, end);
    std::string name = bar.name();
    if (bar.attempt_number() > 1) absl::StrAppend(&name, " (attempt ", bar.attempt_number(), ")");
    if (!bar.batch_attempt_id().empty())
      absl::StrAppend(&name, " (batch ", bar.batch_attempt_id(), ")");
    std::printf("%-24s %-4d %-9s %-9s %-10s %s\n", bar.agent_id().c_str(), bar.lane(),
                absl::StrCat("+", Ms(bar.started_unix_ms() - timeline.created_unix_ms())).c_str(),
                Ms(end - bar.started_unix_ms()).c_str(),
                bar.finished_unix_ms() > 0 ? StateName(bar.state()) : "running", name.c_str());
  }
  const int64_t span = (timeline.finished_unix_ms() > 0 ? timeline.finished_unix_ms() : last_end) -
                       timeline.created_unix_ms();
  std::printf("%d attempts on %d slots; %s from submission to %s\n", timeline.bars_size(),
              timeline.lanes(), Ms(span).c_str(),
              timeline.finished_unix_ms() > 0 ? "the end" : "the last one so far");
  return 0;
}

int CmdTestHistory(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (flags->positional().size() != 1) return FailUsage(cli);
  v1::GetTestHistoryRequest request;
  request.set_test_key(flags->positional()[0]);
  request.set_arch(flags->Get("arch", ""));
  int runs = 20;
  if (flags->Has("runs") && (!absl::SimpleAtoi(flags->Get("runs"), &runs) || runs < 1)) {
    return Fail(kExitUsage, "--runs wants a positive number");
  }
  request.set_runs(runs);
  v1::TestHistory history;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->results()->GetTestHistory(context.get(), request, &history);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(history);
    return 0;
  }
  MakeDisplaySafe(&history);
  if (history.runs_size() == 0) {
    std::printf("no runs of %s\n", history.test_key().c_str());
    return 0;
  }
  std::printf("%-18s %-8s %-8s %-9s %-9s %s\n", "JOB", "ARCH", "RESULT", "TOOK", "SHARE",
              "ATTEMPT");
  for (const v1::TestHistoryRun& run : history.runs()) {
    std::printf("%-18s %-8s %-8s %-9s %-9s %d\n", run.job_id().c_str(), run.arch().c_str(),
                run.status().c_str(), Ms(run.duration_ms()).c_str(),
                run.share_ms() > 0 ? Ms(run.share_ms()).c_str() : "-", run.attempt_number());
  }
  std::printf("%d runs in %d jobs; flaky in %d (%d%%)\n", history.runs_size(), history.jobs(),
              history.flaky_jobs(), static_cast<int>(history.flake_rate() * 100 + 0.5));
  return 0;
}

int CmdQuarantine(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  const std::vector<std::string>& args = flags->positional();
  v1::QuarantineRequest request;
  if (args.empty() || args[0] == "list") {
    request.set_action("list");
  } else if ((args[0] == "add" || args[0] == "remove") && args.size() == 2) {
    request.set_action(args[0]);
    request.set_test_key(args[1]);
    request.set_reason(flags->Get("reason"));
  } else {
    return FailUsage(cli);
  }
  v1::QuarantineResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->results()->Quarantine(context.get(), request, &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-48s %-16s %-20s %s\n", "TEST", "BY", "SINCE", "REASON");
  for (const v1::QuarantineEntry& e : response.entries()) {
    std::printf("%-48s %-16s %-20s %s\n", e.test_key().c_str(), e.added_by().c_str(),
                FormatMs(e.added_unix_ms()).c_str(), e.reason().c_str());
  }
  return 0;
}

}  // namespace arena
