// The uploader's logic against a stand-in for allure-docker-service on
// 127.0.0.1 (an httplib server that records what it is sent); the real
// server is tested in tests/integration/test_allure_upload.sh.
#include "controller/results/allure_uploader.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "controller/store/job_events.h"
#include "controller/store/store.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using json = nlohmann::json;

// What the stand-in was asked, in order: "clean P", "send P N", "generate P NAME".
class FakeAllureServer {
 public:
  FakeAllureServer() {
    server_.Get("/allure-docker-service/clean-results",
                [this](const httplib::Request& req, httplib::Response& res) {
                  Record(absl::StrCat("clean ", req.get_param_value("project_id")));
                  Answer(res, R"({"meta_data": {"message": "cleaned"}})");
                });
    server_.Post("/allure-docker-service/send-results",
                 [this](const httplib::Request& req, httplib::Response& res) { Send(req, res); });
    server_.Get("/allure-docker-service/generate-report", [this](const httplib::Request& req,
                                                                 httplib::Response& res) {
      std::string project = req.get_param_value("project_id");
      Record(absl::StrCat("generate ", project, " ", req.get_param_value("execution_name")));
      Answer(res, json{{"data", {{"report_url", "http://127.0.0.1/" + project}}}}.dump());
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op before the accept loop runs: wait for it (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  }
  ~FakeAllureServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  void FailSends(int status) {
    absl::MutexLock lock(&mu_);
    fail_status_ = status;
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Every file's name and decoded content, by name.
  std::map<std::string, std::string> files() {
    absl::MutexLock lock(&mu_);
    return files_;
  }

 private:
  void Send(const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    absl::MutexLock lock(&mu_);
    if (fail_status_ != 0) {
      res.status = fail_status_;
      res.set_content(R"({"meta_data": {"message": "disk full"}})", "application/json");
      return;
    }
    int count = 0;
    for (const json& file : body["results"]) {
      std::string content;
      absl::Base64Unescape(file["content_base64"].get<std::string>(), &content);
      files_[file["file_name"].get<std::string>()] = content;
      ++count;
    }
    calls_.push_back(absl::StrCat("send ", req.get_param_value("project_id"), " ", count));
    res.set_content(R"({"meta_data": {"message": "sent"}})", "application/json");
  }
  void Record(const std::string& call) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(call);
  }
  static void Answer(httplib::Response& res, const std::string& body) {
    res.set_content(body, "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  int fail_status_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> files_ ABSL_GUARDED_BY(mu_);
};

class AllureUploaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.File("arena.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // A job of `tests` test results on one task, ended at `now_`.
  void AddEndedJob(const std::string& id, const std::string& project, int tests) {
    v1::Job job;
    job.set_id(id);
    job.set_state(v1::QUEUED);
    job.mutable_spec()->set_allure_project(project);
    v1::Task* task = job.add_tasks();
    task->set_id(id + "-task");
    task->set_arch("amd64");
    task->set_state(v1::PASSED);
    ASSERT_TRUE(store_->allure_uploads().Add(id, project).ok());
    ASSERT_TRUE(store_->jobs().InsertJob(job).ok());
    std::vector<v1::TestResult> results;
    for (int i = 0; i < tests; ++i) {
      v1::TestResult r;
      r.set_task_id(task->id());
      r.set_attempt_id(id + "-att");
      r.set_test_key(absl::StrCat("tests/test_x.py::test_", i));
      r.set_name(absl::StrCat("test_", i));
      r.set_status(i == 0 ? "failed" : "passed");
      r.set_arch("amd64");
      results.push_back(r);
    }
    ASSERT_TRUE(store_->results().InsertTestResults(id, results).ok());
    ASSERT_TRUE(store_->jobs()
                    .UpdateJobState(id, v1::FAILED, "a test failed", absl::ToUnixMillis(now_))
                    .ok());
  }

  AllureUploaderOptions Options(const std::string& url) {
    AllureUploaderOptions options;
    options.server.url = url;
    options.server.timeout = absl::Seconds(10);
    options.dashboard_url = "https://127.0.0.1:7080/";
    options.clock = [this] { return now_; };
    return options;
  }

  TestDir dir_;
  std::unique_ptr<Store> store_;
  JobEvents events_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  FakeAllureServer server_;
};

TEST_F(AllureUploaderTest, AnEndedJobIsCleanedSentAndReportedOnce) {
  AddEndedJob("job-1", "team-a", 3);
  AllureUploader uploader(store_.get(), &events_, Options(server_.url()));
  EXPECT_EQ(uploader.UploadDue(), 1);
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"clean team-a", "send team-a 4", "generate team-a job-1"}));
  std::map<std::string, std::string> files = server_.files();
  ASSERT_EQ(files.count("executor.json"), 1u);
  json executor = json::parse(files["executor.json"]);
  EXPECT_EQ(executor["buildName"], "job-1");
  EXPECT_EQ(executor["buildUrl"], "https://127.0.0.1:7080/#/jobs/job-1");
  int failed = 0;
  for (const auto& [name, content] : files) {
    if (name == "executor.json") continue;
    if (json::parse(content)["status"] == "failed") ++failed;
  }
  EXPECT_EQ(failed, 1);

  AllureUploadRecord upload = *store_->allure_uploads().Get("job-1");
  EXPECT_EQ(upload.state, "uploaded");
  EXPECT_EQ(upload.report_url, "http://127.0.0.1/team-a");
  EXPECT_EQ(upload.tries, 1);
  EXPECT_EQ(uploader.UploadDue(), 0);                                    // not sent twice
  EXPECT_EQ(store_->jobs().GetJobHeader("job-1")->state(), v1::FAILED);  // the verdict stays
}

TEST_F(AllureUploaderTest, FilesGoInBatchesOfAtMostMaxFiles) {
  AddEndedJob("job-1", "team-a", 5);  // 5 results + executor.json
  AllureUploaderOptions options = Options(server_.url());
  options.max_files = 2;
  AllureUploader uploader(store_.get(), &events_, options);
  uploader.UploadDue();
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"clean team-a", "send team-a 2", "send team-a 2",
                                      "send team-a 2", "generate team-a job-1"}));
  EXPECT_EQ(server_.files().size(), 6u);
}

TEST_F(AllureUploaderTest, AByteBoundSplitsBatchesToo) {
  AddEndedJob("job-1", "team-a", 4);
  AllureUploaderOptions options = Options(server_.url());
  options.max_bytes = 1;  // every file alone
  AllureUploader uploader(store_.get(), &events_, options);
  uploader.UploadDue();
  std::vector<std::string> calls = server_.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "send team-a 1"), 5);
}

TEST_F(AllureUploaderTest, AFailedSendIsRetriedWithBackoffThenGivenUp) {
  AddEndedJob("job-1", "team-a", 1);
  server_.FailSends(500);
  AllureUploaderOptions options = Options(server_.url());
  options.first_retry = absl::Seconds(5);
  options.max_retry = absl::Seconds(20);
  options.give_up_after = absl::Minutes(1);
  AllureUploader uploader(store_.get(), &events_, options);

  EXPECT_EQ(uploader.UploadDue(), 1);
  AllureUploadRecord upload = *store_->allure_uploads().Get("job-1");
  EXPECT_EQ(upload.state, "pending");
  EXPECT_EQ(upload.tries, 1);
  EXPECT_NE(upload.reason.find("disk full"), std::string::npos) << upload.reason;
  EXPECT_EQ(upload.next_try_ms, absl::ToUnixMillis(now_ + absl::Seconds(5)));
  EXPECT_EQ(uploader.UploadDue(), 0);  // not before its time

  now_ += absl::Seconds(5);
  EXPECT_EQ(uploader.UploadDue(), 1);
  upload = *store_->allure_uploads().Get("job-1");
  EXPECT_EQ(upload.tries, 2);
  EXPECT_EQ(upload.next_try_ms, absl::ToUnixMillis(now_ + absl::Seconds(10)));

  for (int i = 0; i < 20 && upload.state == "pending"; ++i) {
    now_ = absl::FromUnixMillis(upload.next_try_ms);
    uploader.UploadDue();
    upload = *store_->allure_uploads().Get("job-1");
  }
  EXPECT_EQ(upload.state, "failed");
  EXPECT_LE(upload.next_try_ms - absl::ToUnixMillis(absl::FromUnixSeconds(1700000000)),
            absl::ToInt64Milliseconds(absl::Minutes(1) + absl::Seconds(20)));
}

TEST_F(AllureUploaderTest, AServerThatComesBackGetsTheUpload) {
  AddEndedJob("job-1", "team-a", 1);
  server_.FailSends(503);
  AllureUploader uploader(store_.get(), &events_, Options(server_.url()));
  uploader.UploadDue();
  server_.FailSends(0);
  now_ += absl::Minutes(1);
  uploader.UploadDue();
  AllureUploadRecord upload = *store_->allure_uploads().Get("job-1");
  EXPECT_EQ(upload.state, "uploaded");
  EXPECT_EQ(upload.tries, 2);
  EXPECT_TRUE(upload.reason.empty());
}

TEST_F(AllureUploaderTest, AnUnreachableServerLeavesTheUploadPendingWithTheReason) {
  AddEndedJob("job-1", "team-a", 1);
  AllureUploader uploader(store_.get(), &events_, Options("http://127.0.0.1:1"));
  uploader.UploadDue();
  AllureUploadRecord upload = *store_->allure_uploads().Get("job-1");
  EXPECT_EQ(upload.state, "pending");
  EXPECT_NE(upload.reason.find("127.0.0.1:1"), std::string::npos) << upload.reason;
}

TEST_F(AllureUploaderTest, TwoJobsToOneProjectAreSentOneAfterTheOther) {
  AddEndedJob("job-1", "team-a", 2);
  now_ += absl::Seconds(1);
  AddEndedJob("job-2", "team-a", 3);
  AllureUploader uploader(store_.get(), &events_, Options(server_.url()));
  EXPECT_EQ(uploader.UploadDue(), 2);
  EXPECT_EQ(server_.calls(),
            (std::vector<std::string>{"clean team-a", "send team-a 3", "generate team-a job-1",
                                      "clean team-a", "send team-a 4", "generate team-a job-2"}));
}

TEST_F(AllureUploaderTest, TheThreadSendsAJobSoonAfterItEnds) {
  AllureUploader uploader(store_.get(), &events_, Options(server_.url()));
  uploader.Start();
  AddEndedJob("job-1", "team-a", 1);
  events_.StatesChanged();
  std::string state;
  for (int i = 0; i < 100 && state != "uploaded"; ++i) {  // at most 10 s
    events_.WaitForStateChange(events_.StateGeneration(), absl::Milliseconds(100));
    state = store_->allure_uploads().Get("job-1")->state;
  }
  uploader.Stop();
  EXPECT_EQ(state, "uploaded");
}

}  // namespace
}  // namespace arena
