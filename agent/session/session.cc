#include "agent/session/session.h"

#include <grpcpp/grpcpp.h>

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/workspace/workspace.h"
#include "arena/v1/agent.grpc.pb.h"
#include "common/files.h"
#include "common/logging.h"

namespace arena {
namespace {

constexpr size_t kMaxChunkBytes = 64 * 1024;
constexpr char kVersion[] = "0.1.0";

v1::TaskEventKind KindFor(RunResult::Outcome outcome) {
  switch (outcome) {
    case RunResult::Outcome::kExited:
      return v1::TASK_EVENT_EXITED;
    case RunResult::Outcome::kTimedOut:
      return v1::TASK_EVENT_TIMED_OUT;
    case RunResult::Outcome::kCancelled:
      return v1::TASK_EVENT_CANCELLED;
    case RunResult::Outcome::kError:
      return v1::TASK_EVENT_ERROR;
  }
  return v1::TASK_EVENT_ERROR;
}

}  // namespace

struct AgentSession::Attempt {
  v1::Assign assign;
  StopSignal stop;
  // Log bytes not yet acknowledged durable, as sent (offsets ascending).
  std::deque<v1::LogChunk> unacked;
  int64_t produced = 0;
  bool needs_resync = false;  // resend from the controller's next LogAck
  bool finished = false;
  v1::TaskEvent result;  // valid once finished
};

class AgentSession::Observer final : public RunObserver {
 public:
  Observer(AgentSession* session, std::shared_ptr<Attempt> attempt)
      : session_(session), attempt_(std::move(attempt)) {}
  void OnStarted() override {
    v1::AgentMessage message;
    v1::TaskEvent* event = message.mutable_event();
    event->set_attempt_id(attempt_->assign.attempt_id());
    event->set_kind(v1::TASK_EVENT_STARTED);
    event->set_unix_ms(absl::ToUnixMillis(absl::Now()));
    absl::MutexLock lock(&session_->mu_);
    session_->Enqueue(std::move(message));
  }
  void OnOutput(int stream, absl::string_view data) override {
    session_->AppendOutput(attempt_.get(), stream, data);
  }

 private:
  AgentSession* session_;
  std::shared_ptr<Attempt> attempt_;
};

AgentSession::AgentSession(SessionOptions options, Executor* executor)
    : options_(std::move(options)), executor_(executor) {}

AgentSession::~AgentSession() = default;

void AgentSession::Enqueue(v1::AgentMessage message) {
  if (connected_) outgoing_.push_back(std::move(message));
}

void AgentSession::AppendOutput(Attempt* attempt, int stream,
                                absl::string_view data) {
  absl::MutexLock lock(&mu_);
  while (!data.empty()) {
    size_t take = std::min(data.size(), kMaxChunkBytes);
    v1::LogChunk chunk;
    chunk.set_attempt_id(attempt->assign.attempt_id());
    chunk.set_offset(attempt->produced);
    chunk.set_data(std::string(data.substr(0, take)));
    chunk.set_stream(static_cast<v1::LogStream>(stream));
    attempt->produced += static_cast<int64_t>(take);
    data.remove_prefix(take);
    v1::AgentMessage message;
    *message.mutable_log() = chunk;
    attempt->unacked.push_back(std::move(chunk));
    Enqueue(std::move(message));
  }
}

v1::AgentMessage AgentSession::MakeHello() {
  v1::AgentMessage message;
  v1::Hello* hello = message.mutable_hello();
  hello->set_version(kVersion);
  hello->set_hostname(options_.hostname);
  for (const v1::Platform& p : options_.platforms) *hello->add_platforms() = p;
  hello->mutable_labels()->insert(options_.labels.begin(),
                                  options_.labels.end());
  hello->set_slots(options_.slots);
  hello->set_credits(std::max(0, options_.slots - busy_slots_));
  for (const std::string& image : options_.images) hello->add_images(image);
  for (auto& [id, attempt] : attempts_) {
    v1::RunningAttempt* running = hello->add_running();
    running->set_attempt_id(id);
    running->set_log_offset(attempt->produced);
    attempt->needs_resync = true;
  }
  return message;
}

void AgentSession::Run(const absl::Notification* stop, absl::Duration drain) {
  std::mt19937_64 rng(std::random_device{}());
  absl::Duration backoff = absl::Milliseconds(200);
  while (!stop->HasBeenNotified()) {
    bool said_hello = false;
    ServeOneConnection(stop, &said_hello);
    if (stop->HasBeenNotified()) break;
    if (said_hello) backoff = absl::Milliseconds(200);
    // Full jitter: sleep uniformly in [backoff/2, backoff].
    double factor = std::uniform_real_distribution<double>(0.5, 1.0)(rng);
    stop->WaitForNotificationWithTimeout(backoff * factor);
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
  absl::MutexLock lock(&mu_);
  for (auto& [id, attempt] : attempts_)
    attempt->stop.Cancel("agent is shutting down");
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return busy_slots_ == 0;
  };
  mu_.AwaitWithTimeout(absl::Condition(&idle), drain);
}

void AgentSession::ServeOneConnection(const absl::Notification* stop,
                                      bool* said_hello) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options_.identity.ca_pem;
  ssl.pem_private_key = options_.identity.key_pem;
  ssl.pem_cert_chain = options_.identity.cert_pem;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(options_.controller,
                                           grpc::SslCredentials(ssl), args);
  auto stub = v1::AgentService::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Connect(&context);

  v1::AgentMessage hello;
  {
    absl::MutexLock lock(&mu_);
    outgoing_.clear();
    hello = MakeHello();
  }
  if (!stream->Write(hello)) {
    grpc::Status status = stream->Finish();
    LogLine("session", absl::StrCat("cannot connect to ", options_.controller,
                                    ": ", status.error_message()));
    return;
  }
  *said_hello = true;
  {
    absl::MutexLock lock(&mu_);
    connected_ = true;
  }
  LogLine("session", absl::StrCat("connected to ", options_.controller, " as ",
                                  options_.identity.agent_id));

  // Writer: sends queued messages in order, and a heartbeat when idle.
  std::thread writer([&] {
    while (true) {
      v1::AgentMessage message;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !connected_ || !outgoing_.empty();
        };
        mu_.AwaitWithTimeout(absl::Condition(&ready), options_.heartbeat);
        if (!connected_) return;
        if (outgoing_.empty()) {
          message.mutable_heartbeat()->set_unix_ms(
              absl::ToUnixMillis(absl::Now()));
        } else {
          message = std::move(outgoing_.front());
          outgoing_.pop_front();
        }
      }
      if (!stream->Write(message)) {
        context.TryCancel();
        return;
      }
    }
  });
  // Ends the read loop when the agent is asked to stop.
  absl::Notification connection_over;
  std::thread stopper([&] {
    while (!connection_over.WaitForNotificationWithTimeout(
        absl::Milliseconds(200))) {
      if (stop->HasBeenNotified()) {
        context.TryCancel();
        return;
      }
    }
  });

  v1::ControllerMessage message;
  while (stream->Read(&message)) Handle(message);
  {
    absl::MutexLock lock(&mu_);
    connected_ = false;
    outgoing_.clear();
  }
  connection_over.Notify();
  writer.join();
  stopper.join();
  grpc::Status status = stream->Finish();
  if (!stop->HasBeenNotified()) {
    LogLine("session", absl::StrCat("stream to ", options_.controller,
                                    " ended: ", status.error_code(), " ",
                                    status.error_message()));
  }
}

void AgentSession::Handle(const v1::ControllerMessage& message) {
  switch (message.msg_case()) {
    case v1::ControllerMessage::kAssign:
      HandleAssign(message.assign());
      break;
    case v1::ControllerMessage::kCancel: {
      absl::MutexLock lock(&mu_);
      auto it = attempts_.find(message.cancel().attempt_id());
      if (it != attempts_.end())
        it->second->stop.Cancel(message.cancel().reason());
      break;
    }
    case v1::ControllerMessage::kLogAck:
      HandleLogAck(message.log_ack());
      break;
    default:
      break;
  }
}

void AgentSession::HandleAssign(const v1::Assign& assign) {
  auto attempt = std::make_shared<Attempt>();
  attempt->assign = assign;
  {
    absl::MutexLock lock(&mu_);
    if (attempts_.count(assign.attempt_id())) return;  // duplicate delivery
    attempts_[assign.attempt_id()] = attempt;
    ++busy_slots_;
  }
  LogLine("session", absl::StrCat("running ", assign.attempt_id(), " (job ",
                                  assign.job_id(), ", ", assign.arch(),
                                  ", image ", assign.image(), ")"));
  std::thread([this, attempt] { RunAttempt(attempt); }).detach();
}

void AgentSession::HandleLogAck(const v1::LogAck& ack) {
  absl::MutexLock lock(&mu_);
  auto it = attempts_.find(ack.attempt_id());
  if (it == attempts_.end()) return;
  Attempt* attempt = it->second.get();
  if (ack.result_recorded() && attempt->finished) {
    attempts_.erase(it);
    return;
  }
  while (!attempt->unacked.empty()) {
    const v1::LogChunk& front = attempt->unacked.front();
    if (front.offset() + static_cast<int64_t>(front.data().size()) >
        ack.durable_offset())
      break;
    attempt->unacked.pop_front();
  }
  if (!attempt->needs_resync) return;
  attempt->needs_resync = false;
  for (const v1::LogChunk& chunk : attempt->unacked) {
    v1::AgentMessage message;
    *message.mutable_log() = chunk;
    Enqueue(std::move(message));
  }
  if (attempt->finished) {
    v1::AgentMessage message;
    *message.mutable_event() = attempt->result;
    Enqueue(std::move(message));
  }
}

void AgentSession::RunAttempt(std::shared_ptr<Attempt> attempt) {
  const v1::Assign& assign = attempt->assign;
  Observer observer(this, attempt);
  RunRequest request;
  request.attempt_id = assign.attempt_id();
  request.task_id = assign.task_id();
  request.job_id = assign.job_id();
  request.arch = assign.arch();
  request.image = assign.image();
  request.command.assign(assign.command().begin(), assign.command().end());
  request.env.insert(assign.env().begin(), assign.env().end());
  if (assign.timeout_ms() > 0)
    request.timeout = absl::Milliseconds(assign.timeout_ms());

  RunResult result;
  bool ready = true;
  if (!assign.repo().empty()) {
    absl::StatusOr<std::string> workspace =
        PrepareWorkspace(options_.work_dir, assign.attempt_id(), assign.repo(),
                         assign.commit(), [&observer](absl::string_view data) {
                           observer.OnOutput(v1::LOG_STREAM_SYSTEM, data);
                         });
    if (workspace.ok()) {
      request.workspace = *workspace;
    } else {
      ready = false;
      result.reason = std::string(workspace.status().message());
    }
  }
  if (ready) result = executor_->Run(request, &observer, &attempt->stop);
  if (!request.workspace.empty()) {
    absl::Status removed = RemoveTree(request.workspace);
    if (!removed.ok()) LogLine("session", removed.ToString());
  }
  if (result.outcome == RunResult::Outcome::kError) {
    observer.OnOutput(v1::LOG_STREAM_SYSTEM,
                      absl::StrCat("arena: error: ", result.reason, "\n"));
  }
  LogLine("session",
          absl::StrCat("attempt ", assign.attempt_id(), " ended: exit ",
                       result.exit_code, " ", result.reason));

  absl::MutexLock lock(&mu_);
  v1::TaskEvent& event = attempt->result;
  event.set_attempt_id(assign.attempt_id());
  event.set_kind(KindFor(result.outcome));
  event.set_exit_code(result.exit_code);
  event.set_reason(result.reason);
  event.set_unix_ms(absl::ToUnixMillis(absl::Now()));
  event.set_log_bytes(attempt->produced);
  attempt->finished = true;
  --busy_slots_;
  v1::AgentMessage message;
  *message.mutable_event() = event;
  Enqueue(std::move(message));
  v1::AgentMessage grant;
  grant.mutable_grant()->set_credits(1);
  Enqueue(std::move(grant));
}

}  // namespace arena
