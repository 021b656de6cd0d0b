// The scheduler under test with a real store (its own connection, as in the
// controller; the test reads and writes through another), log store and
// artifact store in a temp dir, and fake agent links recording what it
// sends.
#ifndef ARENA_TESTS_UNIT_CONTROLLER_SCHEDULER_FIXTURE_H_
#define ARENA_TESTS_UNIT_CONTROLLER_SCHEDULER_FIXTURE_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "controller/scheduler/fan_out.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/artifact_store.h"
#include "controller/store/job_events.h"
#include "controller/store/log_store.h"
#include "controller/store/store.h"
#include "tests/unit/manual_clock.h"
#include "tests/unit/test_dir.h"

namespace arena {

// Records what the scheduler sends to one agent; `on_send`, when set, sees
// each message as it is sent (on the scheduler's thread).
class FakeLink final : public AgentLink {
 public:
  void Send(const v1::ControllerMessage& message) override {
    if (on_send) on_send(message);
    absl::MutexLock lock(&mu_);
    sent_.push_back(message);
  }
  std::function<void(const v1::ControllerMessage&)> on_send;
  void Close(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    closed_ = status;
  }
  std::vector<v1::Assign> Assigns() {
    absl::MutexLock lock(&mu_);
    std::vector<v1::Assign> out;
    for (const auto& m : sent_)
      if (m.has_assign()) out.push_back(m.assign());
    return out;
  }
  std::vector<v1::ControllerMessage> Sent() {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  absl::Status closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::ControllerMessage> sent_;
  absl::Status closed_ = absl::OkStatus();
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*Store::Open(dir_.File("arena.db")));
    scheduler_store_ = std::move(*store_->Connect());
    logs_ = std::make_unique<LogStore>(dir_.File("logs"), &events_);
    artifacts_ = std::make_unique<ArtifactStore>(dir_.File("artifacts"));
    SchedulerOptions options;
    options.artifacts = artifacts_.get();
    options.events = &events_;
    scheduler_ = std::make_unique<Scheduler>(scheduler_store_.get(), logs_.get(), options);
    ASSERT_TRUE(scheduler_->Start().ok());
  }

  // Submits a job whose tasks FanOut makes from `spec` (one architecture).
  std::string SubmitSpec(const std::string& id, v1::JobSpec spec) {
    if (spec.architectures_size() == 0) spec.add_architectures("amd64");
    spec.set_image("img");
    v1::Job job;
    job.set_id(id);
    job.set_state(v1::QUEUED);
    *job.mutable_spec() = spec;
    int n = 0;
    for (v1::Task& task : FanOut(spec, {{"amd64", "img"}})) {
      task.set_id(absl::StrCat(id, "-t", n++));
      *job.add_tasks() = task;
    }
    EXPECT_TRUE(store_->jobs().InsertJob(job).ok());
    scheduler_->JobSubmitted(id);
    scheduler_->Flush();
    return id;
  }

  std::shared_ptr<FakeLink> Connect(const std::string& id, int credits,
                                    std::vector<v1::RunningAttempt> running = {},
                                    std::shared_ptr<FakeLink> link = nullptr) {
    AgentRecord record;
    record.id = id;
    record.hostname = "h";
    if (!store_->access().GetAgent(id).ok()) EXPECT_TRUE(store_->access().UpsertAgent(record).ok());
    if (link == nullptr) link = std::make_shared<FakeLink>();
    v1::Hello hello;
    hello.add_platforms()->set_arch("amd64");
    hello.set_slots(4);
    hello.set_credits(credits);
    for (const auto& r : running) *hello.add_running() = r;
    scheduler_->AgentConnected(id, link, hello);
    scheduler_->Flush();
    return link;
  }

  // Options on clock_, with an infinite tick: only the test ticks.
  SchedulerOptions ManualClockOptions() {
    SchedulerOptions options;
    options.tick = absl::InfiniteDuration();
    options.clock = clock_.AsFunction();
    return options;
  }
  void UseOptions(SchedulerOptions options) {
    scheduler_->Stop();
    options.artifacts = artifacts_.get();
    options.events = &events_;
    scheduler_ = std::make_unique<Scheduler>(scheduler_store_.get(), logs_.get(), options);
    ASSERT_TRUE(scheduler_->Start().ok());
  }

  std::string Submit(const std::string& id, int retries = 0, bool retry_failures = false,
                     int64_t queue_timeout_ms = 0) {
    v1::Job job;
    job.mutable_spec()->set_retries(retries);
    job.mutable_spec()->set_retry_test_failures(retry_failures);
    job.mutable_spec()->set_queue_timeout_ms(queue_timeout_ms);
    job.set_id(id);
    job.mutable_spec()->set_image("img");
    job.mutable_spec()->add_command("true");
    job.set_state(v1::QUEUED);
    v1::Task* task = job.add_tasks();
    task->set_id(id + "-task");
    task->set_arch("amd64");
    task->set_state(v1::QUEUED);
    EXPECT_TRUE(store_->jobs().InsertJob(job).ok());
    scheduler_->JobSubmitted(id);
    scheduler_->Flush();
    return id;
  }

  void Send(const std::string& agent, const v1::AgentMessage& message) {
    scheduler_->AgentMessageReceived(agent, message);
    scheduler_->Flush();
  }

  v1::AgentMessage Exited(const std::string& attempt, int code, int64_t log_bytes = 0) {
    v1::AgentMessage m;
    m.mutable_event()->set_attempt_id(attempt);
    m.mutable_event()->set_kind(v1::TASK_EVENT_EXITED);
    m.mutable_event()->set_exit_code(code);
    m.mutable_event()->set_log_bytes(log_bytes);
    return m;
  }

  TestDir dir_;
  ManualClock clock_;  // for ManualClockOptions; outlives the scheduler
  std::unique_ptr<Store> store_;
  std::unique_ptr<Store> scheduler_store_;
  JobEvents events_;
  std::unique_ptr<LogStore> logs_;
  std::unique_ptr<ArtifactStore> artifacts_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace arena

#endif  // ARENA_TESTS_UNIT_CONTROLLER_SCHEDULER_FIXTURE_H_
