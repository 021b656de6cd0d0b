#include "agent/session/session.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "agent/session/attempt_request.h"
#include "agent/session/controller_link.h"
#include "agent/session/credential_wait.h"
#include "agent/session/task_hooks.h"
#include "common/backoff.h"
#include "common/logging.h"
#include "common/repo_url.h"

namespace arena {
namespace {

constexpr char kVersion[] = "0.1.0";
constexpr int kMaxNotes = 200;  // per attempt

// Reconnects: from half a second up to 8 s; a stream that stayed up for
// 30 s counts as healthy and starts over. The cap stays well inside the
// controller's restart grace (the lease, 30 s by default; tests use 10 s),
// so a restarted controller gets its agents back before it gives their
// attempts up, while a controller that refuses streams at once sees each
// agent at most every 4 to 8 s.
const BackoffPolicy kReconnectPolicy = {absl::Milliseconds(500), absl::Seconds(8), 2.0, 0.5,
                                        absl::Seconds(30)};

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
  std::shared_ptr<OutputSpool> output;
  int64_t started_ms = 0;
  bool finished = false;
  bool fenced = false;    // no longer current: run down and forget
  bool given_up = false;  // cancelled because the agent is stopping: lost
  // The controller's answer to the build's question for base image logins.
  std::shared_ptr<CredentialWait> base_logins = std::make_shared<CredentialWait>();
  // Set when the git server refused the clone: reported as permanent.
  std::shared_ptr<std::atomic<bool>> clone_refused = std::make_shared<std::atomic<bool>>(false);
};

class AgentSession::Observer final : public RunObserver {
 public:
  Observer(AgentSession* session, std::shared_ptr<Attempt> attempt)
      : session_(session), attempt_(std::move(attempt)) {}
  void OnStarted() override {
    v1::AgentMessage message = Event(v1::TASK_EVENT_STARTED);
    absl::MutexLock lock(&session_->mu_);
    attempt_->started_ms = message.event().unix_ms();
    session_->outbox_.Push(std::move(message));
  }
  void OnOutput(int stream, absl::string_view data) override {
    attempt_->output->Append(stream, data);
    session_->outbox_.Poke();
  }
  void OnChannelOutput(const std::string& channel, absl::string_view data) override {
    attempt_->output->AppendChannel(channel, data);
    session_->outbox_.Poke();
  }
  void OnProgress(const RunProgress& progress) override {
    v1::AgentMessage message = Event(v1::TASK_EVENT_PROGRESS);
    v1::TaskEvent* event = message.mutable_event();
    event->set_phase(progress.phase);
    event->set_reason(progress.detail);
    event->set_progress_done(progress.done);
    event->set_progress_total(progress.total);
    session_->outbox_.Push(std::move(message));
  }

 private:
  v1::AgentMessage Event(v1::TaskEventKind kind) const {
    v1::AgentMessage message;
    v1::TaskEvent* event = message.mutable_event();
    event->set_attempt_id(attempt_->assign.attempt_id());
    event->set_kind(kind);
    event->set_unix_ms(absl::ToUnixMillis(session_->options_.clock()));
    return message;
  }

  AgentSession* session_;
  std::shared_ptr<Attempt> attempt_;
};

AgentSession::AgentSession(SessionOptions options, Executor* executor)
    : options_(std::move(options)),
      executor_(executor),
      renewer_(options_.identity, options_.state_dir, options_.hostname, options_.clock) {
  if (options_.health != nullptr) options_.health->SetListener([this] { SendHealth(); });
}

AgentSession::~AgentSession() {
  if (options_.health != nullptr) options_.health->SetListener(nullptr);
  threads_.JoinAll();
}

void AgentSession::SendHealth() {
  v1::AgentMessage message;
  message.mutable_heartbeat()->set_unix_ms(absl::ToUnixMillis(options_.clock()));
  *message.mutable_heartbeat()->mutable_health() = options_.health->Current();
  const v1::AgentHealth& health = message.heartbeat().health();
  LogLine("session", health.healthy() ? std::string("health: healthy")
                                      : absl::StrCat("health: unhealthy: ",
                                                     absl::StrJoin(health.problems(), "; ")));
  outbox_.Push(std::move(message));  // dropped while disconnected: the Hello has it
}

v1::AgentMessage AgentSession::MakeHello() {
  v1::AgentMessage message;
  v1::Hello* hello = message.mutable_hello();
  hello->set_version(kVersion);
  hello->set_hostname(options_.hostname);
  for (const v1::Platform& p : options_.platforms) *hello->add_platforms() = p;
  hello->mutable_labels()->insert(options_.labels.begin(), options_.labels.end());
  hello->set_slots(options_.slots);
  hello->set_executor(options_.executor);
  hello->set_credits(std::max(0, options_.slots - busy_slots_));
  for (const std::string& image : options_.images) hello->add_images(image);
  if (options_.image_store) *hello->mutable_image_store() = options_.image_store();
  if (options_.health != nullptr) *hello->mutable_health() = options_.health->Current();
  hello->set_unix_ms(absl::ToUnixMillis(options_.clock()));
  for (auto& [id, attempt] : attempts_) {
    v1::RunningAttempt* running = hello->add_running();
    running->set_attempt_id(id);
    running->set_log_offset(attempt->output->log_produced());
    // Resume where the controller's LogAck (one per channel) says.
    for (const std::string& name : attempt->output->channels()) running->add_channels(name);
  }
  return message;
}

absl::Status AgentSession::Run(const absl::Notification* stop) {
  Backoff backoff(kReconnectPolicy);
  absl::Status refused;
  while (!stop->HasBeenNotified()) {
    ConnectionEnd end = ServeOneConnection(stop);
    if (stop->HasBeenNotified()) break;
    if (absl::IsPermissionDenied(end.status)) {
      // Revoked or never enrolled: every retry would be refused the same way.
      refused = absl::PermissionDeniedError(absl::StrCat(
          "the controller ", options_.controller, " refused this agent (", end.status.message(),
          "); stopping for good: enroll again with a new join token to come back"));
      break;
    }
    backoff.ConnectionEnded(end.lasted);
    absl::Duration delay = backoff.Next();
    LogLine("session",
            absl::StrCat("stream to ", options_.controller, " ended (", end.status.message(),
                         "); reconnecting in ",
                         absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1)))));
    stop->WaitForNotificationWithTimeout(delay);
  }
  GiveUpAttempts();
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return busy_slots_ == 0; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&idle), UntilStopDeadline())) {
    LogLine("session", absl::StrCat("stop timeout: waiting for ", busy_slots_,
                                    " attempts to end before exiting"));
  }
  return refused;
}

void AgentSession::GiveUpAttempts() {
  absl::MutexLock lock(&mu_);
  if (!stopping_) {
    stopping_ = true;
    stop_deadline_ = options_.clock() + options_.stop_timeout;
    LogLine("session", absl::StrCat("stopping: giving up ", busy_slots_,
                                    " running attempts (reported lost), at most ",
                                    absl::FormatDuration(options_.stop_timeout)));
  }
  for (auto& [id, attempt] : attempts_) {
    if (attempt->finished || attempt->stop.cancelled()) continue;
    attempt->given_up = true;
    attempt->stop.Cancel("agent is stopping");
  }
}

void AgentSession::FenceAll(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, attempt] : attempts_) {
    attempt->fenced = true;
    outbox_.Fence(id);
    attempt->stop.Cancel(reason);
  }
}

v1::AgentMessage AgentSession::BeginConnection() {
  absl::MutexLock lock(&mu_);
  outbox_.Open();
  v1::AgentMessage hello = MakeHello();
  // The controller may have missed when running attempts started.
  for (auto& [id, attempt] : attempts_) {
    if (attempt->started_ms == 0 || attempt->finished) continue;
    v1::AgentMessage started;
    started.mutable_event()->set_attempt_id(id);
    started.mutable_event()->set_kind(v1::TASK_EVENT_STARTED);
    started.mutable_event()->set_unix_ms(attempt->started_ms);
    outbox_.Push(std::move(started));
  }
  return hello;
}

void AgentSession::EndStreamOnStop(const absl::Notification* stop, const absl::Notification* over,
                                   const std::function<void()>& end_stream) {
  while (!over->WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
    if (!stop->HasBeenNotified()) continue;
    GiveUpAttempts();
    {
      // Until each given-up attempt's result is recorded (the controller
      // retries it at once) or the stream broke or time ran out.
      absl::MutexLock lock(&mu_);
      auto reported = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return attempts_.empty() || !connected_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&reported), UntilStopDeadline());
    }
    end_stream();
    return;
  }
}

AgentSession::ConnectionEnd AgentSession::ServeOneConnection(const absl::Notification* stop) {
  ControllerLink link(options_.controller, renewer_.identity());
  if (!link.Write(BeginConnection())) {
    outbox_.Close();
    return {link.Finish()};
  }
  absl::Time connected_at = options_.clock();
  {
    absl::MutexLock lock(&mu_);
    connected_ = true;
  }
  renewer_.NewConnection();  // an unanswered renewal is asked again
  LogLine("session",
          absl::StrCat("connected to ", options_.controller, " as ", options_.identity.agent_id));
  std::function<v1::AgentHealth()> health;
  if (options_.health != nullptr) health = [this] { return options_.health->Current(); };
  link.StartWriter(
      {&outbox_, &renewer_, options_.heartbeat, options_.image_store, health, options_.clock});
  absl::Notification connection_over;
  std::thread stopper([&] { EndStreamOnStop(stop, &connection_over, [&link] { link.Cancel(); }); });
  v1::ControllerMessage message;
  while (link.Read(&message)) Handle(message);
  {
    absl::MutexLock lock(&mu_);
    connected_ = false;
    outbox_.Close();
  }
  connection_over.Notify();
  stopper.join();
  ConnectionEnd end{link.Finish(), options_.clock() - connected_at};
  // Revoked: nothing this agent runs can be reported any more.
  if (absl::IsPermissionDenied(end.status)) FenceAll("agent revoked");
  return end;
}

void AgentSession::Handle(const v1::ControllerMessage& message) {
  switch (message.msg_case()) {
    case v1::ControllerMessage::kAssign:
      HandleAssign(message.assign());
      break;
    case v1::ControllerMessage::kCancel:
      HandleCancel(message.cancel());
      break;
    case v1::ControllerMessage::kLogAck:
      HandleLogAck(message.log_ack());
      break;
    case v1::ControllerMessage::kRenewed:
      if (!renewer_.Accept(message.renewed()).ok()) {
        LogLine("session", "ignored a renewed certificate that does not fit");
      }
      break;
    case v1::ControllerMessage::kBaseCredentials:
      HandleBaseCredentials(message.base_credentials());
      break;
    case v1::ControllerMessage::kSessionEnd: {
      // The proto's "session" is the warm key of the job that is over.
      std::string key = message.session_end().session();
      threads_.Start([this, key] { executor_->EndWarmContainers(key); });
      break;
    }
    default:
      break;
  }
}

void AgentSession::HandleAssign(const v1::Assign& assign) {
  const std::string& id = assign.attempt_id();
  {
    absl::MutexLock lock(&mu_);
    if (attempts_.count(id)) return;  // duplicate delivery: its spool stays as it is
  }
  // Only this (the reader's) thread adds attempts: the check above holds.
  auto attempt = std::make_shared<Attempt>();
  attempt->assign = assign;
  attempt->output =
      std::make_shared<OutputSpool>(options_.spool_dir, id, assign.max_log_bytes(),
                                    MaskedValues(assign), FilesDirFor(assign, options_.spool_dir));
  {
    absl::MutexLock lock(&mu_);
    attempts_[id] = attempt;
    outbox_.Add(attempt->output);
    ++busy_slots_;
    if (stopping_) {  // handed straight back, reported lost
      attempt->given_up = true;
      attempt->stop.Cancel("agent is stopping");
    }
  }
  LogLine("session", absl::StrCat("running ", id, " (job ", assign.job_id(), ", ", assign.arch(),
                                  ", image ", assign.image(), ")"));
  threads_.Start([this, attempt] { RunAttempt(attempt); });
}

void AgentSession::HandleCancel(const v1::Cancel& cancel) {
  std::shared_ptr<OutputSpool> forgotten;
  {
    absl::MutexLock lock(&mu_);
    auto it = attempts_.find(cancel.attempt_id());
    if (it == attempts_.end()) return;
    LogLine("session", absl::StrCat("stopping ", cancel.attempt_id(), ": ", cancel.reason()));
    it->second->stop.Cancel(cancel.reason());
    if (!cancel.fenced()) return;
    it->second->fenced = true;
    outbox_.Fence(cancel.attempt_id());
    if (it->second->finished) forgotten = Forget(cancel.attempt_id());
  }
  if (forgotten != nullptr) forgotten->Remove();
}

void AgentSession::HandleLogAck(const v1::LogAck& ack) {
  std::shared_ptr<OutputSpool> output;
  std::shared_ptr<OutputSpool> forgotten;
  {
    absl::MutexLock lock(&mu_);
    auto it = attempts_.find(ack.attempt_id());
    if (it == attempts_.end()) return;
    if (!ack.result_recorded()) {
      output = it->second->output;
    } else if (it->second->finished) {
      forgotten = Forget(ack.attempt_id());
    }
  }
  if (forgotten != nullptr) forgotten->Remove();
  if (output == nullptr) return;
  output->Ack(ack.channel(), ack.durable_offset());
  outbox_.Poke();  // the window moved
}

void AgentSession::HandleBaseCredentials(const v1::BaseImageCredentials& answer) {
  std::vector<RegistryLogin> logins;
  for (const v1::RegistryAuth& a : answer.registry_auths()) {
    logins.push_back({a.host(), a.username(), a.password()});
  }
  absl::MutexLock lock(&mu_);
  auto it = attempts_.find(answer.attempt_id());
  if (it != attempts_.end()) it->second->base_logins->Answer(std::move(logins));
}

std::shared_ptr<OutputSpool> AgentSession::Forget(const std::string& attempt_id) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end()) return nullptr;
  std::shared_ptr<OutputSpool> output = it->second->output;
  attempts_.erase(it);
  outbox_.Remove(attempt_id);
  return output;
}

std::string AgentSession::RefusalFor(const Attempt& attempt) const {
  if (!attempt.output->ok()) {
    return absl::StrCat("cannot create the log spool ", attempt.output->log_path());
  }
  const std::string& repo = attempt.assign.repo();
  if (!repo.empty()) {
    absl::Status allowed = CheckRepoAllowed(repo, options_.allow_local_repos, "agent");
    if (!allowed.ok()) return std::string(allowed.message());
  }
  return "";
}

void AgentSession::RunAttempt(std::shared_ptr<Attempt> attempt) {
  Observer observer(this, attempt);
  RunRequestContext context;
  context.work_dir = options_.work_dir;
  context.state_dir = options_.state_dir;
  context.files_dir = attempt->output->files_dir();
  context.allow_local_repos = options_.allow_local_repos;
  context.max_file_bytes = options_.max_file_bytes;
  context.clone_refused = attempt->clone_refused;
  context.fetch_base_logins = [this, attempt](const std::vector<std::string>& hosts) {
    return FetchBaseLogins(attempt.get(), hosts);
  };
  RunRequest request = RunRequestFor(attempt->assign, context);
  RunResult result;
  result.reason = RefusalFor(*attempt);
  if (result.reason.empty() && attempt->stop.cancelled()) {
    result.outcome = RunResult::Outcome::kCancelled;  // handed back unstarted
    result.reason = attempt->stop.reason();
  } else if (result.reason.empty()) {
    auto post_task_failed = [this](const std::string& problem) {
      if (options_.health != nullptr) options_.health->HookFailed(problem);
    };
    result = RunBetweenHooks(
        options_.hooks, request, observer,
        [&] { return executor_->Run(request, &observer, &attempt->stop); }, post_task_failed);
  }
  if (result.outcome == RunResult::Outcome::kError) {
    observer.OnOutput(v1::LOG_STREAM_SYSTEM, absl::StrCat("arena: error: ", result.reason, "\n"));
  }
  attempt->output->Flush();  // what each stream's masker still holds
  LogLine("session", absl::StrCat("attempt ", request.attempt_id, " ended: exit ", result.exit_code,
                                  " ", result.reason));
  RecordResult(attempt.get(), std::move(result));
}

std::vector<RegistryLogin> AgentSession::FetchBaseLogins(Attempt* attempt,
                                                         const std::vector<std::string>& hosts) {
  {
    absl::MutexLock lock(&mu_);
    if (!connected_) return {};
    attempt->base_logins->Reset();
    v1::AgentMessage message;
    message.mutable_base_credentials()->set_attempt_id(attempt->assign.attempt_id());
    for (const std::string& host : hosts) {
      message.mutable_base_credentials()->add_registry_hosts(host);
    }
    outbox_.Push(std::move(message));
  }
  std::vector<RegistryLogin> logins = attempt->base_logins->Wait(absl::Seconds(30), &attempt->stop);
  std::vector<std::string> passwords;
  for (const RegistryLogin& login : logins) passwords.push_back(login.password);
  attempt->output->AddSecrets(passwords);  // masked in the attempt's logs like the others
  return logins;
}

void AgentSession::RecordResult(Attempt* attempt, RunResult result) {
  const std::string id = attempt->assign.attempt_id();
  v1::TaskEvent event;
  event.set_attempt_id(id);
  event.set_exit_code(result.exit_code);
  event.set_reason(result.reason);
  // Refused git credentials (the clone) or a pull no retry can fix.
  event.set_permanent(result.permanent || (result.outcome == RunResult::Outcome::kError &&
                                           attempt->clone_refused->load()));
  event.set_unix_ms(absl::ToUnixMillis(options_.clock()));
  event.set_log_bytes(attempt->output->log_produced());
  event.set_image_digest(result.image_digest);
  for (std::string& note : result.notes) {
    if (event.notes_size() >= kMaxNotes) break;  // the controller keeps fewer still
    event.add_notes(std::move(note));
  }
  attempt->output->SetFiles(std::move(result.files));
  std::shared_ptr<OutputSpool> forgotten;
  {
    absl::MutexLock lock(&mu_);
    bool lost = attempt->given_up && result.outcome == RunResult::Outcome::kCancelled;
    event.set_kind(lost ? v1::TASK_EVENT_LOST : KindFor(result.outcome));
    attempt->finished = true;
    outbox_.Finish(id, std::move(event));
    --busy_slots_;
    if (!stopping_) {
      v1::AgentMessage grant;
      grant.mutable_grant()->set_credits(1);
      outbox_.Push(std::move(grant));
    }
    if (attempt->fenced) forgotten = Forget(id);
  }
  if (forgotten != nullptr) forgotten->Remove();
}

}  // namespace arena
