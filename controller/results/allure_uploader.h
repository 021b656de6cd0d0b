// Sends each ended job's allure-results to the team's Allure server
// (allure-docker-service): the job's result files and an executor.json
// naming it, in batches of at most `max_files` files and `max_bytes` bytes
// a request, then one generate-report with the job as the execution's name
// and its dashboard page as its source. The project's results directory is
// cleaned first, so each report holds exactly one job's results (the
// server keeps the history between reports).
//
// Uploads run one at a time on the uploader's own thread, so no two jobs'
// results interleave in a project. The state is durable (AllureUploads):
// a job that ended while the controller was down is sent after it starts;
// an upload that fails is retried with backoff until `give_up_after` past
// the job's end, then marked failed. A job's verdict never depends on its
// upload.
//
// Owner: the Controller. Thread-safe: Start and Stop from one thread;
// UploadDue from one thread at a time (the uploader's, or a test's before
// Start).
#ifndef ARENA_CONTROLLER_RESULTS_ALLURE_UPLOADER_H_
#define ARENA_CONTROLLER_RESULTS_ALLURE_UPLOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "controller/results/allure_client.h"

namespace arena {

class JobEvents;
class Store;
struct AllureUploadRecord;

struct AllureUploaderOptions {
  AllureServer server;
  // The job's page for people: DASHBOARD_URL#/jobs/JOB (empty: no link).
  std::string dashboard_url;
  size_t max_files = 500;
  size_t max_bytes = 50 << 20;
  absl::Duration first_retry = absl::Seconds(5);
  absl::Duration max_retry = absl::Minutes(5);
  absl::Duration give_up_after = absl::Hours(1);
  std::function<absl::Time()> clock = absl::Now;
};

class AllureUploader {
 public:
  // `store` and `events` outlive the uploader.
  AllureUploader(Store* store, JobEvents* events, AllureUploaderOptions options);
  ~AllureUploader();
  AllureUploader(const AllureUploader&) = delete;
  AllureUploader& operator=(const AllureUploader&) = delete;

  void Start();
  // Returns once the thread has ended (an upload in flight finishes first,
  // bounded by the server's timeout).
  void Stop();

  // Sends every due upload; returns how many it tried.
  int UploadDue();

 private:
  void Run();
  // The report URL once the job's results are on the server.
  absl::StatusOr<std::string> Upload(const AllureUploadRecord& upload);
  absl::Status SendInBatches(const std::string& project, const std::vector<AllureFile>& files);
  void Settle(AllureUploadRecord upload, const absl::StatusOr<std::string>& report);
  std::string JobUrl(const std::string& job_id) const;

  Store* const store_;
  JobEvents* const events_;
  const AllureUploaderOptions options_;
  AllureClient client_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_RESULTS_ALLURE_UPLOADER_H_
