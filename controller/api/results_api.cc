// JobApi's test-intelligence methods: per-test results (with flaky marks),
// artifacts, flake statistics and the quarantine list.
#include "controller/api/results_api.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "controller/api/paging.h"
#include "controller/results/timeline.h"
#include "controller/store/artifact_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int64_t kArtifactChunkBytes = 256 * 1024;
constexpr int64_t kFlakyScanRows = 200000;
constexpr int kResultPageSize = 1000;
constexpr int kMaxResultPageSize = 10000;
constexpr int64_t kResultPageBytes = 2 << 20;

bool Failed(const std::string& status) { return status == "failed" || status == "error"; }

}  // namespace

absl::StatusOr<v1::ListResultsResponse> ResultsApi::ListResults(
    const Principal& who, const v1::ListResultsRequest& request) {
  ASSIGN_OR_RETURN(RowPage page, ParsePage(request.page_token(), request.page_size(),
                                           kResultPageSize, kMaxResultPageSize));
  ASSIGN_OR_RETURN(v1::Job job, access_->VisibleJob(who, request.job_id(), 0, 1));
  // A test that failed and passed within one task of the job is flaky; the
  // outcomes cover the whole job, so marks do not depend on page borders.
  using Outcomes = std::map<std::pair<std::string, std::string>, TestOutcome>;
  ASSIGN_OR_RETURN(Outcomes outcomes, access_->store()->results().TestOutcomes(job.id()));
  v1::ListResultsResponse response;
  v1::ResultSummary* summary = response.mutable_summary();
  for (const auto& [key, o] : outcomes) {
    summary->set_tests(summary->tests() + 1);
    if (Failed(o.last_status)) {
      summary->set_failed(summary->failed() + 1);
    } else if (o.last_status == "passed") {
      summary->set_passed(summary->passed() + 1);
      if (o.failed) summary->set_flaky(summary->flaky() + 1);
    } else if (o.last_status == "skipped") {
      summary->set_skipped(summary->skipped() + 1);
    }
  }
  // With failed_only, pages are read until one is filled or the job's
  // results end: the answer stays bounded, the scan is the store's.
  while (response.results_size() < page.limit &&
         static_cast<int64_t>(response.ByteSizeLong()) < kResultPageBytes) {
    RowPage read{page.after, page.limit, kResultPageBytes};
    ASSIGN_OR_RETURN(Page<v1::TestResult> rows,
                     access_->store()->results().ListTestResultsPage(job.id(), read));
    for (v1::TestResult& r : rows.rows) {
      const TestOutcome& o = outcomes[{r.task_id(), r.test_key()}];
      r.set_flaky(o.passed && o.failed);
      if (request.failed_only() && !Failed(r.status()) && !r.flaky()) continue;
      *response.add_results() = std::move(r);
    }
    page.after = rows.next_after;
    if (rows.next_after == 0) break;
  }
  response.set_next_page_token(PageToken(page.after));
  return response;
}

absl::StatusOr<v1::ListArtifactsResponse> ResultsApi::ListArtifacts(
    const Principal& who, const v1::ListArtifactsRequest& request) {
  ASSIGN_OR_RETURN(RowPage page, ParsePage(request.page_token(), request.page_size(),
                                           kResultPageSize, kMaxResultPageSize));
  ASSIGN_OR_RETURN(v1::Job job, access_->VisibleJob(who, request.job_id(), 0, 1));
  std::string task_id;
  if (!request.task().empty()) {
    ASSIGN_OR_RETURN(v1::Task task, access_->ResolveTask(who, job.id(), request.task()));
    task_id = task.id();
  }
  page.max_bytes = kResultPageBytes;
  ASSIGN_OR_RETURN(Page<ArtifactRecord> records,
                   access_->store()->results().ListArtifactsPage(job.id(), task_id, page));
  // The attempts' tasks, read once each.
  std::map<std::string, std::pair<v1::Task, int>> attempts;  // number by attempt id
  v1::ListArtifactsResponse response;
  for (const ArtifactRecord& record : records.rows) {
    if (!attempts.count(record.attempt_id)) {
      absl::StatusOr<v1::Task> task = access_->store()->jobs().GetTask(record.task_id);
      if (task.ok()) {
        for (int i = 0; i < task->attempts_size(); ++i)
          attempts[task->attempts(i).id()] = {*task, i + 1};
      }
    }
    v1::ArtifactInfo* info = response.add_artifacts();
    info->set_task_id(record.task_id);
    info->set_attempt_id(record.attempt_id);
    info->set_path(record.path);
    info->set_size(record.size);
    info->set_junit(record.junit);
    auto attempt = attempts.find(record.attempt_id);
    if (attempt != attempts.end()) {
      info->set_arch(attempt->second.first.arch());
      info->set_suite(attempt->second.first.suite());
      info->set_test_id(attempt->second.first.test_id());
      info->set_attempt_number(attempt->second.second);
    }
  }
  response.set_next_page_token(PageToken(records.next_after));
  return response;
}

absl::Status ResultsApi::ReadArtifact(const Principal& who, const v1::GetArtifactRequest& request,
                                      const std::function<bool(absl::string_view)>& write) {
  RETURN_IF_ERROR(access_->VisibleJob(who, request.job_id(), 0, 1).status());
  ASSIGN_OR_RETURN(std::vector<ArtifactRecord> records,
                   access_->store()->results().FindArtifacts(request.job_id(), request.attempt_id(),
                                                             request.path()));
  const ArtifactRecord* found = nullptr;
  for (const ArtifactRecord& record : records) {
    // A JUnit report and an artifact may share a path: the artifact wins.
    if (found == nullptr || found->junit) found = &record;
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("job ", request.job_id(), " has no artifact ",
                                            request.path(), " in attempt ", request.attempt_id()));
  }
  if (artifacts_ == nullptr) return absl::UnavailableError("artifacts are not stored here");
  for (int64_t offset = 0; offset < found->size;) {
    ASSIGN_OR_RETURN(std::string data,
                     artifacts_->Read(request.job_id(), found->attempt_id, found->junit,
                                      found->path, offset, kArtifactChunkBytes));
    if (data.empty())
      return absl::DataLossError(
          absl::StrCat("artifact ", found->path, " is shorter than recorded"));
    offset += static_cast<int64_t>(data.size());
    if (!write(data)) return absl::CancelledError("the reader went away");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListFlakyResponse> ResultsApi::ListFlaky(const Principal& who,
                                                            const v1::ListFlakyRequest& request) {
  int window = request.runs() > 0 ? std::min(request.runs(), 1000) : 20;
  int limit = request.limit() > 0 ? std::min(request.limit(), 1000) : 50;
  // A submitter sees only tests that ran in its own jobs.
  ASSIGN_OR_RETURN(std::vector<TestRun> runs,
                   access_->store()->results().RecentTestRuns(
                       kFlakyScanRows, who.SeesEverything() ? "" : who.name));
  ASSIGN_OR_RETURN(std::vector<v1::QuarantineEntry> quarantine,
                   access_->store()->results().ListQuarantine());
  std::set<std::string> quarantined;
  for (const v1::QuarantineEntry& e : quarantine) quarantined.insert(e.test_key());
  std::map<std::pair<std::string, std::string>, v1::FlakyTest> stats;
  for (const TestRun& run : runs) {  // newest first
    v1::FlakyTest& s = stats[{run.test_key, run.arch}];
    if (s.runs() >= window) continue;
    s.set_test_key(run.test_key);
    s.set_arch(run.arch);
    s.set_runs(s.runs() + 1);
    if (run.passed && run.failed) s.set_flaky_runs(s.flaky_runs() + 1);
    if (run.failed && !run.passed) s.set_failed_runs(s.failed_runs() + 1);
  }
  std::vector<v1::FlakyTest> flaky;
  for (auto& [key, s] : stats) {
    if (s.flaky_runs() == 0) continue;
    s.set_flake_rate(static_cast<double>(s.flaky_runs()) / s.runs());
    s.set_quarantined(quarantined.count(s.test_key()) > 0);
    flaky.push_back(s);
  }
  std::sort(flaky.begin(), flaky.end(), [](const v1::FlakyTest& a, const v1::FlakyTest& b) {
    return std::make_tuple(-a.flake_rate(), -a.flaky_runs(), a.test_key(), a.arch()) <
           std::make_tuple(-b.flake_rate(), -b.flaky_runs(), b.test_key(), b.arch());
  });
  if (static_cast<int>(flaky.size()) > limit) flaky.resize(static_cast<size_t>(limit));
  v1::ListFlakyResponse response;
  for (v1::FlakyTest& s : flaky) *response.add_tests() = std::move(s);
  return response;
}

absl::StatusOr<v1::Timeline> ResultsApi::GetTimeline(const Principal& who,
                                                     const v1::GetTimelineRequest& request) {
  // All its tasks: a job holds at most the spec's limit of tests.
  ASSIGN_OR_RETURN(v1::Job job, access_->VisibleJob(who, request.job_id(), 0, 0));
  return BuildTimeline(job);
}

absl::StatusOr<v1::TestHistory> ResultsApi::GetTestHistory(
    const Principal& who, const v1::GetTestHistoryRequest& request) {
  if (request.test_key().empty() || request.test_key().size() > 1024) {
    return absl::InvalidArgumentError("a test key of 1 to 1024 bytes is required");
  }
  if (request.runs() < 0) return absl::InvalidArgumentError("runs must not be negative");
  const int runs = request.runs() > 0 ? std::min(request.runs(), 1000) : 20;
  v1::TestHistory history;
  history.set_test_key(request.test_key());
  ASSIGN_OR_RETURN(
      std::vector<v1::TestHistoryRun> rows,
      access_->store()->results().TestHistoryRuns(request.test_key(), request.arch(), runs,
                                                  who.SeesEverything() ? "" : who.name));
  // A job (per architecture) in which the test both failed and passed.
  std::map<std::pair<std::string, std::string>, std::pair<bool, bool>> jobs;
  for (v1::TestHistoryRun& row : rows) {
    auto& [passed, failed] = jobs[{row.job_id(), row.arch()}];
    passed |= row.status() == "passed";
    failed |= Failed(row.status());
    *history.add_runs() = std::move(row);
  }
  int flaky = 0;
  for (const auto& [key, outcome] : jobs) flaky += outcome.first && outcome.second ? 1 : 0;
  history.set_jobs(static_cast<int32_t>(jobs.size()));
  history.set_flaky_jobs(flaky);
  history.set_flake_rate(jobs.empty() ? 0 : static_cast<double>(flaky) / jobs.size());
  return history;
}

absl::StatusOr<v1::QuarantineResponse> ResultsApi::Quarantine(
    const Principal& who, const v1::QuarantineRequest& request) {
  const std::string& action = request.action().empty() ? "list" : request.action();
  if (action != "list") {
    RETURN_IF_ERROR(RequireOperator(who, "changing the quarantine list"));
    if (request.test_key().empty() || request.test_key().size() > 1024) {
      return absl::InvalidArgumentError("a test key of 1 to 1024 bytes is required");
    }
  }
  if (action == "add") {
    v1::QuarantineEntry entry;
    entry.set_test_key(request.test_key());
    entry.set_reason(request.reason().substr(0, 1024));
    entry.set_added_by(who.name);
    entry.set_added_unix_ms(absl::ToUnixMillis(absl::Now()));
    RETURN_IF_ERROR(access_->store()->results().AddQuarantine(entry));
    access_->Audit(who.name, "quarantine.add", request.test_key(), entry.reason());
  } else if (action == "remove") {
    RETURN_IF_ERROR(access_->store()->results().RemoveQuarantine(request.test_key()));
    access_->Audit(who.name, "quarantine.remove", request.test_key());
  } else if (action != "list") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown quarantine action \"", action, "\" (add, remove or list)"));
  }
  ASSIGN_OR_RETURN(std::vector<v1::QuarantineEntry> entries,
                   access_->store()->results().ListQuarantine());
  // A submitter sees the entries of tests that ran in its own jobs.
  std::set<std::string> own;
  if (!who.SeesEverything()) {
    ASSIGN_OR_RETURN(std::vector<TestRun> runs,
                     access_->store()->results().RecentTestRuns(kFlakyScanRows, who.name));
    for (const TestRun& run : runs) own.insert(run.test_key);
  }
  v1::QuarantineResponse response;
  for (v1::QuarantineEntry& e : entries) {
    if (who.SeesEverything() || own.count(e.test_key())) *response.add_entries() = std::move(e);
  }
  return response;
}

}  // namespace arena
