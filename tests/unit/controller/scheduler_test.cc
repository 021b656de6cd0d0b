#include "controller/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include "tests/unit/controller/scheduler_fixture.h"

namespace arena {
namespace {

TEST_F(SchedulerTest, NeverAssignsMoreThanAgentCredits) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  Submit("job-2");
  ASSERT_EQ(link->Assigns().size(), 1u);
  EXPECT_EQ(store_->jobs().GetJob("job-2")->tasks(0).state(), v1::QUEUED);
  TaskNeeds needs{"amd64", {}};
  EXPECT_EQ(scheduler_->WaitingReason(needs), "1 matching agent, all slots busy");
  EXPECT_EQ(scheduler_->QueueDepth(), (std::map<std::string, int>{{"amd64", 1}}));

  Send("agent-1", Exited(link->Assigns()[0].attempt_id(), 0));
  EXPECT_EQ(link->Assigns().size(), 1u);  // no credit granted yet
  v1::AgentMessage grant;
  grant.mutable_grant()->set_credits(1);
  Send("agent-1", grant);
  ASSERT_EQ(link->Assigns().size(), 2u);
  EXPECT_EQ(link->Assigns()[1].job_id(), "job-2");
  EXPECT_TRUE(scheduler_->QueueDepth().empty());
}

// Group commit: an agent hears of an assignment or a recorded result only
// once another connection to the store can read it.
TEST_F(SchedulerTest, AgentsHearOnlyWhatTheStoreHasCommitted) {
  auto link = std::make_shared<FakeLink>();
  std::vector<std::string> seen;  // written on the scheduler's thread only
  link->on_send = [&](const v1::ControllerMessage& m) {
    if (m.has_assign()) {
      absl::StatusOr<AttemptRecord> attempt = store_->jobs().GetAttempt(m.assign().attempt_id());
      seen.push_back(attempt.ok() ? "assign: attempt stored" : "assign: attempt missing");
    }
    if (m.has_log_ack() && m.log_ack().result_recorded()) {
      absl::StatusOr<AttemptRecord> attempt = store_->jobs().GetAttempt(m.log_ack().attempt_id());
      seen.push_back(attempt.ok() && attempt->state == v1::FAILED ? "result: stored"
                                                                  : "result: missing");
    }
  };
  Connect("agent-1", 1, {}, link);
  Submit("job-1");
  ASSERT_EQ(link->Assigns().size(), 1u);
  v1::AgentMessage exited = Exited(link->Assigns()[0].attempt_id(), 3);
  exited.mutable_event()->set_unix_ms(1780000000042);
  Send("agent-1", exited);
  EXPECT_EQ(seen, (std::vector<std::string>{"assign: attempt stored", "result: stored"}));
  EXPECT_EQ(store_->jobs().GetAttempt(link->Assigns()[0].attempt_id())->exited_ms, 1780000000042);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::FAILED);
}

TEST_F(SchedulerTest, ExitCodeIsRecordedAndJobFails) {
  auto link = Connect("agent-1", 2);
  Submit("job-1");
  ASSERT_EQ(link->Assigns().size(), 1u);
  std::string attempt = link->Assigns()[0].attempt_id();
  v1::AgentMessage log;
  log.mutable_log()->set_attempt_id(attempt);
  log.mutable_log()->set_data("boom\n");
  log.mutable_log()->set_stream(v1::LOG_STREAM_STDERR);
  Send("agent-1", log);
  Send("agent-1", Exited(attempt, 7, 5));
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::FAILED);
  EXPECT_EQ(job.tasks(0).exit_code(), 7);
  EXPECT_EQ(job.tasks(0).log_bytes(), 5);
  EXPECT_EQ(*logs_->Read("job-1", attempt, 0, 100), "boom\n");
  const auto sent = link->Sent();
  ASSERT_TRUE(sent.back().has_log_ack());
  EXPECT_TRUE(sent.back().log_ack().result_recorded());
}

TEST_F(SchedulerTest, ResultWaitsForItsLogBytes) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  std::string attempt = link->Assigns()[0].attempt_id();
  Send("agent-1", Exited(attempt, 0, /*log_bytes=*/3));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::RUNNING);
  v1::AgentMessage log;
  log.mutable_log()->set_attempt_id(attempt);
  log.mutable_log()->set_data("abc");
  Send("agent-1", log);
  Send("agent-1", Exited(attempt, 0, 3));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::PASSED);
}

TEST_F(SchedulerTest, MessagesNamingAnotherAgentsAttemptAreIgnored) {
  auto link = Connect("agent-1", 1);
  Connect("agent-2", 0);
  Submit("job-1");
  std::string attempt = link->Assigns()[0].attempt_id();
  v1::AgentMessage log;
  log.mutable_log()->set_attempt_id(attempt);
  log.mutable_log()->set_data("forged");
  Send("agent-2", log);
  Send("agent-2", Exited(attempt, 0));
  EXPECT_EQ(logs_->Size("job-1", attempt), 0);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::RUNNING);
}

TEST_F(SchedulerTest, CancelStopsRunningAttemptAndNeverPasses) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  std::string attempt = link->Assigns()[0].attempt_id();
  scheduler_->CancelJob("job-1", "cancelled by user");
  scheduler_->Flush();
  bool cancel_sent = false;
  for (const auto& m : link->Sent())
    cancel_sent |= m.has_cancel() && m.cancel().attempt_id() == attempt;
  EXPECT_TRUE(cancel_sent);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::CANCELLED);
  Send("agent-1", Exited(attempt, 0));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::CANCELLED);
}

TEST_F(SchedulerTest, ReconnectWithoutTheAttemptMarksItLost) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  scheduler_->AgentDisconnected("agent-1", link.get());
  Connect("agent-1", 1);
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::ERROR);
  EXPECT_NE(job.tasks(0).reason().find("lost"), std::string::npos);
}

TEST_F(SchedulerTest, ReconnectWithTheAttemptKeepsItAndAcksTheLog) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  std::string attempt = link->Assigns()[0].attempt_id();
  scheduler_->AgentDisconnected("agent-1", link.get());
  v1::RunningAttempt running;
  running.set_attempt_id(attempt);
  auto again = Connect("agent-1", 0, {running});
  ASSERT_FALSE(again->Sent().empty());
  EXPECT_TRUE(again->Sent()[0].has_log_ack());
  Send("agent-1", Exited(attempt, 0));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::PASSED);
}

TEST_F(SchedulerTest, AgentSilentPastItsLeaseLosesTheAttemptWhichIsRetriedElsewhere) {
  SchedulerOptions options = ManualClockOptions();
  options.lease = absl::Milliseconds(600);
  UseOptions(options);
  auto first = Connect("agent-1", 1);
  Submit("job-1", /*retries=*/1);
  ASSERT_EQ(first->Assigns().size(), 1u);
  std::string lost_attempt = first->Assigns()[0].attempt_id();
  auto second = Connect("agent-2", 1);
  // agent-2 keeps talking; agent-1 stays silent past its lease.
  v1::AgentMessage heartbeat;
  int steps = 0;
  for (; steps < 20 && second->Assigns().empty(); ++steps) {
    clock_.Advance(absl::Milliseconds(100));
    // Stamped with the same clock: its health includes its clock's offset.
    heartbeat.mutable_heartbeat()->set_unix_ms(absl::ToUnixMillis(clock_.Now()));
    Send("agent-2", heartbeat);
    scheduler_->Tick(clock_.Now());
  }
  ASSERT_EQ(second->Assigns().size(), 1u);
  EXPECT_EQ(steps, 7) << "lost once silent for more than its 600 ms lease, not before";
  EXPECT_TRUE(absl::IsUnavailable(first->closed()));
  Send("agent-2", Exited(second->Assigns()[0].attempt_id(), 0));
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::PASSED);
  ASSERT_EQ(job.tasks(0).attempts_size(), 2);
  EXPECT_EQ(job.tasks(0).attempts(0).state(), v1::LOST);
  EXPECT_EQ(job.tasks(0).attempts(0).agent_id(), "agent-1");
  EXPECT_EQ(job.tasks(0).attempts(1).state(), v1::PASSED);
  // The stale attempt's late messages are rejected and it is stopped.
  auto back = Connect("agent-1", 0, {[&] {
                        v1::RunningAttempt r;
                        r.set_attempt_id(lost_attempt);
                        return r;
                      }()});
  bool fenced = false;
  for (const auto& m : back->Sent()) fenced |= m.has_cancel() && m.cancel().fenced();
  EXPECT_TRUE(fenced);
}

TEST_F(SchedulerTest, TestFailuresAreRetriedOnlyWhenAsked) {
  auto link = Connect("agent-1", 4);
  Submit("job-infra-only", /*retries=*/2);
  Send("agent-1", Exited(link->Assigns()[0].attempt_id(), 1));
  EXPECT_EQ(store_->jobs().GetJob("job-infra-only")->state(), v1::FAILED);
  EXPECT_EQ(store_->jobs().GetJob("job-infra-only")->tasks(0).attempts_size(), 1);

  Submit("job-flaky", /*retries=*/2, /*retry_failures=*/true);
  ASSERT_EQ(link->Assigns().size(), 2u);
  Send("agent-1", Exited(link->Assigns()[1].attempt_id(), 1));
  ASSERT_EQ(link->Assigns().size(), 3u);
  Send("agent-1", Exited(link->Assigns()[2].attempt_id(), 0));
  v1::Job job = *store_->jobs().GetJob("job-flaky");
  EXPECT_EQ(job.state(), v1::PASSED);
  EXPECT_EQ(job.tasks(0).attempts_size(), 2);
  EXPECT_EQ(job.tasks(0).attempts(0).exit_code(), 1);
}

TEST_F(SchedulerTest, InfrastructureErrorsUseUpRetriesThenFail) {
  auto link = Connect("agent-1", 4);
  Submit("job-1", /*retries=*/1);
  v1::AgentMessage error;
  error.mutable_event()->set_kind(v1::TASK_EVENT_ERROR);
  error.mutable_event()->set_reason("dockerd is not reachable");
  error.mutable_event()->set_attempt_id(link->Assigns()[0].attempt_id());
  Send("agent-1", error);
  ASSERT_EQ(link->Assigns().size(), 2u);
  error.mutable_event()->set_attempt_id(link->Assigns()[1].attempt_id());
  Send("agent-1", error);
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::ERROR);
  EXPECT_EQ(job.tasks(0).attempts_size(), 2);
  EXPECT_EQ(link->Assigns().size(), 2u);
}

TEST_F(SchedulerTest, AnInfrastructureErrorIsRetriedOnAnotherAgentWhenOneIsFree) {
  auto first = Connect("agent-1", 2);
  auto second = Connect("agent-2", 1);
  Submit("job-1", /*retries=*/1);
  ASSERT_EQ(first->Assigns().size(), 1u);
  v1::AgentMessage error;
  error.mutable_event()->set_kind(v1::TASK_EVENT_ERROR);
  error.mutable_event()->set_reason("pull of reg/x:1 gave up after the pull's retries");
  error.mutable_event()->set_attempt_id(first->Assigns()[0].attempt_id());
  Send("agent-1", error);
  // Both have one free credit; without the preference the smaller id wins.
  EXPECT_EQ(first->Assigns().size(), 1u);
  ASSERT_EQ(second->Assigns().size(), 1u);
  EXPECT_EQ(second->Assigns()[0].attempt_number(), 2);
}

TEST_F(SchedulerTest, AnAgentsImageStoreFromHelloAndHeartbeatsIsListed) {
  Connect("agent-1", 1);
  v1::Hello hello;
  hello.add_platforms()->set_arch("amd64");
  hello.set_slots(1);
  hello.mutable_image_store()->set_kept_images(2);
  scheduler_->AgentConnected("agent-1", std::make_shared<FakeLink>(), hello);  // a reconnect
  scheduler_->Flush();
  ASSERT_EQ(scheduler_->ConnectedAgents().size(), 1u);
  EXPECT_EQ(scheduler_->ConnectedAgents()[0].image_store.kept_images(), 2);
  v1::AgentMessage beat;
  beat.mutable_heartbeat()->mutable_image_store()->set_removed_images(3);
  Send("agent-1", beat);
  EXPECT_EQ(scheduler_->ConnectedAgents()[0].image_store.removed_images(), 3);
  EXPECT_EQ(scheduler_->ConnectedAgents()[0].image_store.kept_images(), 0);
  v1::AgentMessage bare;
  bare.mutable_heartbeat()->set_unix_ms(1);
  Send("agent-1", bare);
  EXPECT_EQ(scheduler_->ConnectedAgents()[0].image_store.removed_images(), 3)
      << "a heartbeat without an image store changes nothing";
}

TEST_F(SchedulerTest, QueuedTaskTimesOutWithItsReason) {
  Submit("job-1", 0, false, /*queue_timeout_ms=*/100);
  scheduler_->Tick(absl::Now() + absl::Seconds(1));
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::ERROR);
  EXPECT_NE(job.tasks(0).reason().find("not started within"), std::string::npos);
  EXPECT_NE(job.tasks(0).reason().find("no agent is connected"), std::string::npos);
}

TEST_F(SchedulerTest, QueuedTaskWaitsForItsWholeQueueTimeout) {
  SchedulerOptions options = ManualClockOptions();
  UseOptions(options);
  Submit("job-1", 0, false, /*queue_timeout_ms=*/100);
  scheduler_->Tick(clock_.Now() + absl::Milliseconds(100));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::QUEUED);
  EXPECT_EQ(scheduler_->QueueDepth(), (std::map<std::string, int>{{"amd64", 1}}));
  scheduler_->Tick(clock_.Now() + absl::Milliseconds(101));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::ERROR);
  EXPECT_TRUE(scheduler_->QueueDepth().empty());
}

TEST_F(SchedulerTest, AnAgentKnownOnlyFromTheStoreGetsTheRestartGraceThenItsAttemptIsLost) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  ASSERT_EQ(link->Assigns().size(), 1u);
  SchedulerOptions options = ManualClockOptions();
  options.lease = absl::Seconds(30);
  options.restart_grace = absl::Seconds(5);
  UseOptions(options);  // a controller restart; agent-1 does not come back
  scheduler_->Tick(clock_.Now() + absl::Seconds(5));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::RUNNING);
  scheduler_->Tick(clock_.Now() + absl::Seconds(6));
  v1::Job job = *store_->jobs().GetJob("job-1");
  EXPECT_EQ(job.state(), v1::ERROR);
  EXPECT_EQ(job.tasks(0).attempts(0).state(), v1::LOST);
}

TEST_F(SchedulerTest, UnknownOrRevokedAgentIsClosed) {
  auto link = std::make_shared<FakeLink>();
  scheduler_->AgentConnected("agent-ghost", link, v1::Hello());
  scheduler_->Flush();
  EXPECT_TRUE(absl::IsPermissionDenied(link->closed()));
}

TEST_F(SchedulerTest, QueuedWorkSurvivesARestart) {
  Submit("job-1");
  scheduler_->Stop();
  scheduler_ = std::make_unique<Scheduler>(store_.get(), logs_.get());
  ASSERT_TRUE(scheduler_->Start().ok());
  auto link = Connect("agent-1", 1);
  ASSERT_EQ(link->Assigns().size(), 1u);
  EXPECT_EQ(link->Assigns()[0].job_id(), "job-1");
}

// The build's output is a log channel of its own: stored beside the task's
// log, acknowledged by channel, resumed by channel after a reconnect.
TEST_F(SchedulerTest, ABuildLogIsAChannelOfItsOwnAckedAndResumedByChannel) {
  auto link = Connect("agent-1", 1);
  Submit("job-1");
  std::string attempt = link->Assigns()[0].attempt_id();
  v1::AgentMessage build;
  build.mutable_log()->set_attempt_id(attempt);
  build.mutable_log()->set_channel("build");
  build.mutable_log()->set_data("Step 1/2 : FROM base\n");
  Send("agent-1", build);
  ASSERT_TRUE(link->Sent().back().has_log_ack());
  EXPECT_EQ(link->Sent().back().log_ack().channel(), "build");
  EXPECT_EQ(link->Sent().back().log_ack().durable_offset(), 21);
  EXPECT_EQ(logs_->Size("job-1", attempt), 0);  // the task's log has none of it
  EXPECT_EQ(*logs_->Read("job-1", attempt, 0, 100, "build"), "Step 1/2 : FROM base\n");
  scheduler_->AgentDisconnected("agent-1", link.get());
  v1::RunningAttempt running;
  running.set_attempt_id(attempt);
  running.add_channels("build");
  auto again = Connect("agent-1", 0, {running});
  bool main_acked = false, build_acked = false;
  for (const v1::ControllerMessage& m : again->Sent()) {
    if (!m.has_log_ack()) continue;
    main_acked |= m.log_ack().channel().empty() && m.log_ack().durable_offset() == 0;
    build_acked |= m.log_ack().channel() == "build" && m.log_ack().durable_offset() == 21;
  }
  EXPECT_TRUE(main_acked);
  EXPECT_TRUE(build_acked);
  Send("agent-1", Exited(attempt, 0));
  EXPECT_EQ(store_->jobs().GetJob("job-1")->state(), v1::PASSED);
  EXPECT_EQ(store_->jobs().GetJob("job-1")->tasks(0).log_bytes(), 0);
}

TEST_F(SchedulerTest, AJobsBuildReachesTheAgentWithTheJobsPullPolicy) {
  auto link = Connect("agent-1", 1);
  v1::JobSpec spec;
  spec.add_command("true");
  spec.set_repo("https://git.example.com/app.git");
  spec.set_image("build:ci/Dockerfile");
  spec.mutable_build()->set_dockerfile("ci/Dockerfile");
  spec.mutable_build()->set_context("ci");
  (*spec.mutable_build()->mutable_args())["V"] = "1";
  spec.mutable_build()->set_target("test");
  SubmitSpec("job-b", spec);
  ASSERT_EQ(link->Assigns().size(), 1u);
  const v1::Assign assign = link->Assigns()[0];
  EXPECT_EQ(assign.build().dockerfile(), "ci/Dockerfile");
  EXPECT_EQ(assign.build().context(), "ci");
  EXPECT_EQ(assign.build().args().at("V"), "1");
  EXPECT_EQ(assign.build().target(), "test");
  EXPECT_EQ(assign.pull_policy(), "");  // each base image's default, at the agent
}

}  // namespace
}  // namespace arena

namespace arena {
namespace {

TEST_F(SchedulerTest, ATickStoresTheFleetsSampleOnceAnInterval) {
  SchedulerOptions options = ManualClockOptions();
  options.fleet_interval = absl::Minutes(1);
  UseOptions(options);
  auto link = Connect("agent-1", 4);
  v1::Job job;
  job.set_id("job-1");
  job.set_state(v1::QUEUED);
  job.set_created_unix_ms(absl::ToUnixMillis(clock_.Now() - absl::Seconds(2)));
  job.mutable_spec()->set_image("img");
  job.mutable_spec()->add_command("true");
  for (int i = 0; i < 6; ++i) {  // 4 run, 2 wait
    v1::Task* task = job.add_tasks();
    task->set_id(absl::StrCat("job-1-t", i));
    task->set_arch("amd64");
    task->set_state(v1::QUEUED);
  }
  ASSERT_TRUE(store_->jobs().InsertJob(job).ok());
  scheduler_->JobSubmitted("job-1");
  scheduler_->Flush();
  ASSERT_EQ(link->Assigns().size(), 4u);
  v1::AgentMessage started;
  started.mutable_event()->set_attempt_id(link->Assigns()[0].attempt_id());
  started.mutable_event()->set_kind(v1::TASK_EVENT_STARTED);
  started.mutable_event()->set_unix_ms(absl::ToUnixMillis(clock_.Now()));
  Send("agent-1", started);
  scheduler_->Tick(clock_.Now());
  scheduler_->Tick(clock_.Now() + absl::Seconds(1));  // the same interval: no second sample
  absl::StatusOr<std::vector<v1::FleetSample>> samples = store_->fleet().Since(0, "", 10);
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->size(), 1u);
  const v1::FleetSample& s = (*samples)[0];
  EXPECT_EQ(s.arch(), "amd64");
  EXPECT_EQ(s.agents(), 1);
  EXPECT_EQ(s.slots(), 4);
  EXPECT_EQ(s.busy(), 4);
  EXPECT_EQ(s.queued(), 2);
  EXPECT_EQ(s.started(), 1);
  EXPECT_EQ(s.start_wait_ms_avg(), 2000);
  // A week later the first sample is pruned as the next is stored.
  clock_.Advance(absl::Hours(7 * 24) + absl::Minutes(1));
  scheduler_->Tick(clock_.Now());
  samples = store_->fleet().Since(0, "", 10);
  ASSERT_TRUE(samples.ok());
  ASSERT_EQ(samples->size(), 1u);
  EXPECT_GT((*samples)[0].unix_ms(), s.unix_ms());
  EXPECT_EQ((*samples)[0].started(), 0);
}

}  // namespace
}  // namespace arena
