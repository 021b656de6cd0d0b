#include "controller/results/allure_uploader.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controller/store/job_events.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr int kDuePerPass = 16;

// How far apart a job's tries are: doubling from `first`, at most `max`.
absl::Duration RetryDelay(int tries, absl::Duration first, absl::Duration max) {
  absl::Duration delay = first;
  for (int i = 1; i < tries && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

}  // namespace

AllureUploader::AllureUploader(Store* store, JobEvents* events, AllureUploaderOptions options)
    : store_(store), events_(events), options_(std::move(options)), client_(options_.server) {}

AllureUploader::~AllureUploader() { Stop(); }

void AllureUploader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void AllureUploader::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void AllureUploader::Run() {
  while (!stopping_) {
    uint64_t seen = events_->StateGeneration();
    UploadDue();
    // Wake for a job's end, a retry coming due, or Stop (checked each second).
    absl::Duration wait = absl::Seconds(1);
    absl::StatusOr<std::optional<int64_t>> next = store_->allure_uploads().NextTry();
    if (next.ok() && next->has_value()) {
      absl::Duration until = absl::FromUnixMillis(**next) - options_.clock();
      wait = std::clamp(until, absl::ZeroDuration(), wait);
    }
    if (wait > absl::ZeroDuration()) events_->WaitForStateChange(seen, wait);
  }
}

int AllureUploader::UploadDue() {
  int64_t now_ms = absl::ToUnixMillis(options_.clock());
  absl::StatusOr<std::vector<AllureUploadRecord>> due =
      store_->allure_uploads().Due(now_ms, kDuePerPass);
  if (!due.ok()) {
    Log(LogLevel::kWarn, "allure",
        absl::StrCat("cannot read the pending uploads: ", due.status().message()));
    return 0;
  }
  for (AllureUploadRecord& upload : *due) {
    if (stopping_) break;
    absl::StatusOr<std::string> report = Upload(upload);
    Settle(std::move(upload), report);
  }
  return static_cast<int>(due->size());
}

absl::StatusOr<std::string> AllureUploader::Upload(const AllureUploadRecord& upload) {
  ASSIGN_OR_RETURN(v1::Job job, store_->jobs().GetJob(upload.job_id));
  ASSIGN_OR_RETURN(std::vector<v1::TestResult> results,
                   store_->results().ListTestResults(job.id()));
  ASSIGN_OR_RETURN(auto outcomes, store_->results().TestOutcomes(job.id()));
  for (v1::TestResult& r : results) {
    const TestOutcome& o = outcomes[{r.task_id(), r.test_key()}];
    r.set_flaky(o.passed && o.failed);
  }
  std::vector<AllureFile> files = AllureResultFiles(job, results);
  files.push_back(AllureExecutorFile(job, JobUrl(job.id())));
  absl::Status cleaned = client_.CleanResults(upload.project);
  if (!cleaned.ok() && !absl::IsNotFound(cleaned)) return cleaned;
  RETURN_IF_ERROR(SendInBatches(upload.project, files));
  return client_.GenerateReport(upload.project, job.id(), JobUrl(job.id()));
}

absl::Status AllureUploader::SendInBatches(const std::string& project,
                                           const std::vector<AllureFile>& files) {
  std::vector<AllureFile> batch;
  size_t bytes = 0;
  for (const AllureFile& file : files) {
    size_t size = AllureRequestBytes(file);
    if (!batch.empty() &&
        (batch.size() >= options_.max_files || bytes + size > options_.max_bytes)) {
      RETURN_IF_ERROR(client_.SendResults(project, batch));
      batch.clear();
      bytes = 0;
    }
    batch.push_back(file);
    bytes += size;
  }
  if (!batch.empty()) RETURN_IF_ERROR(client_.SendResults(project, batch));
  return absl::OkStatus();
}

void AllureUploader::Settle(AllureUploadRecord upload, const absl::StatusOr<std::string>& report) {
  absl::Time now = options_.clock();
  ++upload.tries;
  if (report.ok()) {
    upload.state = "uploaded";
    upload.report_url = *report;
    upload.reason.clear();
    Log(LogLevel::kInfo, "allure",
        absl::StrCat(upload.job_id, " uploaded to project ", upload.project, ": ", *report));
  } else {
    upload.reason = std::string(report.status().message());
    absl::Time next = now + RetryDelay(upload.tries, options_.first_retry, options_.max_retry);
    bool give_up = next > absl::FromUnixMillis(upload.ended_ms) + options_.give_up_after;
    upload.state = give_up ? "failed" : "pending";
    upload.next_try_ms = absl::ToUnixMillis(next);
    Log(LogLevel::kWarn, "allure",
        absl::StrCat(upload.job_id, " try ", upload.tries,
                     give_up ? " failed, giving up: " : " failed, retrying: ", upload.reason));
  }
  absl::Status updated = store_->allure_uploads().Update(upload);
  if (!updated.ok()) {
    Log(LogLevel::kWarn, "allure",
        absl::StrCat("cannot record ", upload.job_id, ": ", updated.message()));
  }
  events_->StatesChanged();  // the job's allure line changed for watchers
}

std::string AllureUploader::JobUrl(const std::string& job_id) const {
  if (options_.dashboard_url.empty()) return "";
  return absl::StrCat(options_.dashboard_url, "#/jobs/", job_id);
}

}  // namespace arena
