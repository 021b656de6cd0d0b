// JobApi's test-intelligence methods: per-test results (with flaky marks),
// artifacts, flake statistics and the quarantine list.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "controller/api/job_api.h"
#include "controller/store/artifact_store.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int64_t kArtifactChunkBytes = 256 * 1024;
constexpr int64_t kFlakyScanRows = 200000;

bool Failed(const std::string& status) { return status == "failed" || status == "error"; }

}  // namespace

absl::StatusOr<v1::ListResultsResponse> JobApi::ListResults(const Principal& who,
                                                            const std::string& job_id) {
  ASSIGN_OR_RETURN(v1::Job job, VisibleJob(who, job_id));
  ASSIGN_OR_RETURN(std::vector<v1::TestResult> results, store_->ListTestResults(job.id()));
  // A test that failed and passed within one task of the job is flaky.
  std::map<std::pair<std::string, std::string>, std::pair<bool, bool>> outcomes;
  for (const v1::TestResult& r : results) {
    auto& [passed, failed] = outcomes[{r.task_id(), r.test_key()}];
    passed |= r.status() == "passed";
    failed |= Failed(r.status());
  }
  v1::ListResultsResponse response;
  for (v1::TestResult& r : results) {
    const auto& [passed, failed] = outcomes[{r.task_id(), r.test_key()}];
    r.set_flaky(passed && failed);
    *response.add_results() = std::move(r);
  }
  return response;
}

absl::StatusOr<v1::ListArtifactsResponse> JobApi::ListArtifacts(
    const Principal& who, const v1::ListArtifactsRequest& request) {
  ASSIGN_OR_RETURN(v1::Job job, VisibleJob(who, request.job_id()));
  std::set<std::string> tasks;
  if (!request.task().empty()) {
    ASSIGN_OR_RETURN(v1::Task task, ResolveTask(who, job.id(), request.task()));
    tasks.insert(task.id());
  }
  ASSIGN_OR_RETURN(std::vector<ArtifactRecord> records, store_->ListArtifacts(job.id()));
  std::map<std::string, std::pair<const v1::Task*, int>> attempts;  // number by attempt id
  for (const v1::Task& task : job.tasks()) {
    for (int i = 0; i < task.attempts_size(); ++i) attempts[task.attempts(i).id()] = {&task, i + 1};
  }
  v1::ListArtifactsResponse response;
  for (const ArtifactRecord& record : records) {
    if (!tasks.empty() && !tasks.count(record.task_id)) continue;
    v1::ArtifactInfo* info = response.add_artifacts();
    info->set_task_id(record.task_id);
    info->set_attempt_id(record.attempt_id);
    info->set_path(record.path);
    info->set_size(record.size);
    info->set_junit(record.junit);
    auto attempt = attempts.find(record.attempt_id);
    if (attempt != attempts.end()) {
      info->set_arch(attempt->second.first->arch());
      info->set_suite(attempt->second.first->suite());
      info->set_test_id(attempt->second.first->test_id());
      info->set_attempt_number(attempt->second.second);
    }
  }
  return response;
}

absl::Status JobApi::ReadArtifact(const Principal& who, const v1::GetArtifactRequest& request,
                                  const std::function<bool(absl::string_view)>& write) {
  ASSIGN_OR_RETURN(v1::ListArtifactsResponse listed, ListArtifacts(who, [&] {
                     v1::ListArtifactsRequest r;
                     r.set_job_id(request.job_id());
                     return r;
                   }()));
  const v1::ArtifactInfo* found = nullptr;
  for (const v1::ArtifactInfo& info : listed.artifacts()) {
    if (info.attempt_id() == request.attempt_id() && info.path() == request.path()) {
      // A JUnit report and an artifact may share a path: the artifact wins.
      if (found == nullptr || found->junit()) found = &info;
    }
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("job ", request.job_id(), " has no artifact ",
                                            request.path(), " in attempt ", request.attempt_id()));
  }
  if (artifacts_ == nullptr) return absl::UnavailableError("artifacts are not stored here");
  for (int64_t offset = 0; offset < found->size();) {
    ASSIGN_OR_RETURN(std::string data,
                     artifacts_->Read(request.job_id(), found->attempt_id(), found->junit(),
                                      found->path(), offset, kArtifactChunkBytes));
    if (data.empty())
      return absl::DataLossError(
          absl::StrCat("artifact ", found->path(), " is shorter than recorded"));
    offset += static_cast<int64_t>(data.size());
    if (!write(data)) return absl::CancelledError("the reader went away");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListFlakyResponse> JobApi::ListFlaky(const Principal& who,
                                                        const v1::ListFlakyRequest& request) {
  int window = request.runs() > 0 ? std::min(request.runs(), 1000) : 20;
  int limit = request.limit() > 0 ? std::min(request.limit(), 1000) : 50;
  ASSIGN_OR_RETURN(std::vector<TestRun> runs, store_->RecentTestRuns(kFlakyScanRows));
  ASSIGN_OR_RETURN(std::vector<v1::QuarantineEntry> quarantine, store_->ListQuarantine());
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

absl::StatusOr<v1::QuarantineResponse> JobApi::Quarantine(const Principal& who,
                                                          const v1::QuarantineRequest& request) {
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
    RETURN_IF_ERROR(store_->AddQuarantine(entry));
    Audit(who.name, "quarantine.add", request.test_key(), entry.reason());
  } else if (action == "remove") {
    RETURN_IF_ERROR(store_->RemoveQuarantine(request.test_key()));
    Audit(who.name, "quarantine.remove", request.test_key());
  } else if (action != "list") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown quarantine action \"", action, "\" (add, remove or list)"));
  }
  ASSIGN_OR_RETURN(std::vector<v1::QuarantineEntry> entries, store_->ListQuarantine());
  v1::QuarantineResponse response;
  for (v1::QuarantineEntry& e : entries) *response.add_entries() = std::move(e);
  return response;
}

}  // namespace arena
