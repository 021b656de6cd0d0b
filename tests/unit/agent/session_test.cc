// AgentSession against an in-process AgentService on 127.0.0.1:0 over real
// mTLS, with a scripted controller, an executor double and the session's
// clock in the test's hands: what the session sends for an assignment and
// when, what a stop and a refusal do, and a renewal that comes due because
// the clock moved, not because the test slept.
#include "agent/session/session.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "arena/v1/agent.grpc.pb.h"
#include "tests/unit/agent/loopback_mtls.h"
#include "tests/unit/manual_clock.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

using Stream = grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>;

constexpr absl::Duration kBound = absl::Seconds(20);  // for every wait in these tests

// Runs `script` for each Connect (the connection's number counts from 0)
// and keeps every message the agent sent.
class ScriptedController final : public v1::AgentService::Service {
 public:
  using Script = std::function<grpc::Status(ScriptedController*, Stream*, int)>;
  explicit ScriptedController(Script script) : script_(std::move(script)) {}

  grpc::Status Connect(grpc::ServerContext*, Stream* stream) override {
    return script_(this, stream, connections_++);
  }
  // Reads until a message for which `until` is true (true) or the stream
  // ends (false).
  bool ReadUntil(Stream* stream, const std::function<bool(const v1::AgentMessage&)>& until) {
    v1::AgentMessage message;
    while (stream->Read(&message)) {
      {
        absl::MutexLock lock(&mu_);
        received_.push_back(message);
      }
      if (until(message)) return true;
    }
    return false;
  }
  void ReadToEnd(Stream* stream) {
    ReadUntil(stream, [](const v1::AgentMessage&) { return false; });
  }
  std::vector<v1::AgentMessage> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  int connections() const { return connections_.load(); }

 private:
  const Script script_;
  std::atomic<int> connections_{0};
  absl::Mutex mu_;
  std::vector<v1::AgentMessage> received_ ABSL_GUARDED_BY(mu_);
};

// Runs each attempt as the test says, on the session's attempt thread.
class ScriptedExecutor final : public Executor {
 public:
  using Body = std::function<RunResult(RunObserver*, StopSignal*)>;
  explicit ScriptedExecutor(Body body) : body_(std::move(body)) {}
  RunResult Run(const RunRequest&, RunObserver* observer, StopSignal* stop) override {
    return body_(observer, stop);
  }

 private:
  const Body body_;
};

std::function<bool(const v1::AgentMessage&)> IsEvent(v1::TaskEventKind kind) {
  return [kind](const v1::AgentMessage& m) { return m.has_event() && m.event().kind() == kind; };
}

v1::ControllerMessage AssignOf(const std::string& attempt_id) {
  v1::ControllerMessage message;
  v1::Assign* assign = message.mutable_assign();
  assign->set_attempt_id(attempt_id);
  assign->set_task_id("task-1");
  assign->set_job_id("job-1");
  assign->set_image("arena-test/busybox:latest");
  assign->set_timeout_ms(60000);
  assign->set_max_log_bytes(1 << 20);
  return message;
}

v1::ControllerMessage RecordedAck(const std::string& attempt_id, int64_t offset) {
  v1::ControllerMessage message;
  message.mutable_log_ack()->set_attempt_id(attempt_id);
  message.mutable_log_ack()->set_durable_offset(offset);
  message.mutable_log_ack()->set_result_recorded(true);
  return message;
}

class AgentSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mtls_.Create("agent-9");
    options_.identity = mtls_.identity();
    options_.hostname = "host";
    options_.slots = 2;
    options_.work_dir = dir_.File("work");
    options_.spool_dir = dir_.File("spool");
    options_.state_dir = dir_.path();
    ASSERT_EQ(mkdir(options_.work_dir.c_str(), 0700), 0);
    ASSERT_EQ(mkdir(options_.spool_dir.c_str(), 0700), 0);
    options_.heartbeat = absl::Hours(1);
    options_.stop_timeout = absl::Seconds(10);
    options_.clock = clock_.AsFunction();
  }
  void TearDown() override { mtls_.Shutdown(absl::Seconds(5)); }
  void Serve(ScriptedController* controller) { options_.controller = mtls_.Serve(controller); }
  // Runs the session on its own thread until `done` is notified (bounded),
  // then stops it; returns what Run returned.
  absl::Status RunUntil(Executor* executor, absl::Notification* done) {
    AgentSession session(options_, executor);
    absl::Notification stop;
    absl::Status status;
    std::thread runner([&] { status = session.Run(&stop); });
    done->WaitForNotificationWithTimeout(kBound);
    stop.Notify();
    runner.join();
    return status;
  }

  TestDir dir_;
  // The certificates are real: the session's time starts at the real now.
  ManualClock clock_{absl::Now()};
  LoopbackMtls mtls_;
  SessionOptions options_;
};

TEST_F(AgentSessionTest, TheHelloTheEventsAndTheLogOfAnAttemptCarryTheSessionsClock) {
  const absl::Time start = clock_.Now();
  absl::Notification recorded;
  ScriptedController controller([&](ScriptedController* self, Stream* stream, int) {
    if (!self->ReadUntil(stream, [](const v1::AgentMessage& m) { return m.has_hello(); })) {
      return grpc::Status::OK;
    }
    stream->Write(AssignOf("att-1"));
    if (self->ReadUntil(stream, IsEvent(v1::TASK_EVENT_EXITED))) {
      stream->Write(RecordedAck("att-1", 6));
      recorded.Notify();
    }
    self->ReadToEnd(stream);
    return grpc::Status::OK;
  });
  Serve(&controller);
  ScriptedExecutor executor([&](RunObserver* observer, StopSignal*) {
    observer->OnStarted();
    observer->OnOutput(v1::LOG_STREAM_STDOUT, "hello\n");
    clock_.Advance(absl::Seconds(42));  // the command ran 42 s by the session's clock
    RunResult result;
    result.outcome = RunResult::Outcome::kExited;
    result.exit_code = 3;
    return result;
  });
  EXPECT_TRUE(RunUntil(&executor, &recorded).ok());
  ASSERT_TRUE(recorded.HasBeenNotified()) << "no EXITED event came";

  std::vector<v1::AgentMessage> received = controller.received();
  ASSERT_FALSE(received.empty());
  ASSERT_TRUE(received[0].has_hello());
  EXPECT_EQ(received[0].hello().unix_ms(), absl::ToUnixMillis(start));
  EXPECT_EQ(received[0].hello().slots(), 2);
  EXPECT_EQ(received[0].hello().credits(), 2);
  const v1::TaskEvent* started = nullptr;
  const v1::TaskEvent* exited = nullptr;
  std::string log;
  for (const v1::AgentMessage& m : received) {
    if (m.has_event() && m.event().kind() == v1::TASK_EVENT_STARTED) started = &m.event();
    if (m.has_event() && m.event().kind() == v1::TASK_EVENT_EXITED) exited = &m.event();
    if (m.has_log() && m.log().channel().empty()) {
      EXPECT_EQ(m.log().offset(), static_cast<int64_t>(log.size()));
      log += m.log().data();
    }
  }
  ASSERT_NE(started, nullptr);
  ASSERT_NE(exited, nullptr);
  EXPECT_EQ(started->attempt_id(), "att-1");
  EXPECT_EQ(started->unix_ms(), absl::ToUnixMillis(start));
  EXPECT_EQ(exited->unix_ms(), absl::ToUnixMillis(start + absl::Seconds(42)));
  EXPECT_EQ(exited->exit_code(), 3);
  EXPECT_EQ(exited->log_bytes(), 6);
  EXPECT_EQ(log, "hello\n");
  EXPECT_EQ(controller.connections(), 1);
}

TEST_F(AgentSessionTest, AStopReportsTheRunningAttemptLostWhileTheStreamIsUp) {
  absl::Notification started;
  absl::Notification lost;
  ScriptedController controller([&](ScriptedController* self, Stream* stream, int) {
    if (!self->ReadUntil(stream, [](const v1::AgentMessage& m) { return m.has_hello(); })) {
      return grpc::Status::OK;
    }
    stream->Write(AssignOf("att-2"));
    if (!self->ReadUntil(stream, IsEvent(v1::TASK_EVENT_STARTED))) return grpc::Status::OK;
    started.Notify();
    if (self->ReadUntil(stream, IsEvent(v1::TASK_EVENT_LOST))) {
      lost.Notify();
      stream->Write(RecordedAck("att-2", 0));
    }
    self->ReadToEnd(stream);
    return grpc::Status::OK;
  });
  Serve(&controller);
  std::string cancel_reason;
  ScriptedExecutor executor([&](RunObserver* observer, StopSignal* stop) {
    observer->OnStarted();
    RunResult result;
    if (!stop->WaitUntil(absl::Now() + kBound)) return result;  // never stopped: an error
    cancel_reason = stop->reason();
    result.outcome = RunResult::Outcome::kCancelled;
    result.reason = stop->reason();
    return result;
  });
  // Stop once the attempt runs.
  EXPECT_TRUE(RunUntil(&executor, &started).ok());
  EXPECT_TRUE(lost.HasBeenNotified())
      << "the attempt was not reported lost before the stream ended";
  EXPECT_EQ(cancel_reason, "agent is stopping");
}

TEST_F(AgentSessionTest, ARefusalEndsRunForGoodWithoutReconnecting) {
  ScriptedController controller([](ScriptedController* self, Stream* stream, int) {
    self->ReadUntil(stream, [](const v1::AgentMessage& m) { return m.has_hello(); });
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "agent-9 is revoked");
  });
  Serve(&controller);
  ScriptedExecutor executor([](RunObserver*, StopSignal*) { return RunResult(); });
  AgentSession session(options_, &executor);
  absl::Notification stop;
  absl::Status status;
  absl::Notification returned;
  std::thread runner([&] {
    status = session.Run(&stop);
    returned.Notify();
  });
  bool ended_by_itself = returned.WaitForNotificationWithTimeout(kBound);
  stop.Notify();
  runner.join();
  EXPECT_TRUE(ended_by_itself) << "Run kept reconnecting after a refusal";
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_NE(status.message().find("agent-9 is revoked"), std::string::npos) << status;
  EXPECT_EQ(controller.connections(), 1);
}

TEST_F(AgentSessionTest, ARenewalIsAskedOverTheStreamOnceTheSessionsClockReachesItsTime) {
  // The writer looks at the renewer at least every heartbeat.
  options_.heartbeat = absl::Milliseconds(20);
  absl::Notification renew_asked;
  ScriptedController controller([&](ScriptedController* self, Stream* stream, int) {
    if (!self->ReadUntil(stream, [](const v1::AgentMessage& m) { return m.has_hello(); })) {
      return grpc::Status::OK;
    }
    clock_.Advance(absl::Minutes(59));  // past 70-90% of the certificate's hour
    if (self->ReadUntil(stream, [](const v1::AgentMessage& m) { return m.has_renew(); })) {
      renew_asked.Notify();
    }
    self->ReadToEnd(stream);
    return grpc::Status::OK;
  });
  Serve(&controller);
  ScriptedExecutor executor([](RunObserver*, StopSignal*) { return RunResult(); });
  EXPECT_TRUE(RunUntil(&executor, &renew_asked).ok());
  ASSERT_TRUE(renew_asked.HasBeenNotified()) << "no renewal asked";
  bool csr = false;
  const int64_t before = absl::ToUnixMillis(clock_.Now() - absl::Minutes(59));
  const int64_t after = absl::ToUnixMillis(clock_.Now());
  for (const v1::AgentMessage& m : controller.received()) {
    if (m.has_renew()) {
      csr = m.renew().csr_pem().find("BEGIN CERTIFICATE REQUEST") != std::string::npos;
    }
    // Heartbeats carry the session's time, not the wall's.
    if (m.has_heartbeat()) {
      EXPECT_TRUE(m.heartbeat().unix_ms() == before || m.heartbeat().unix_ms() == after)
          << m.heartbeat().unix_ms();
    }
  }
  EXPECT_TRUE(csr) << "the renewal carries no CSR";
}

}  // namespace
}  // namespace arena
