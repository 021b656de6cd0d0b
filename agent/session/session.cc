#include "agent/session/session.h"

#include <errno.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/session/credential_wait.h"
#include "agent/session/log_spool.h"
#include "agent/workspace/workspace.h"
#include "arena/v1/agent.grpc.pb.h"
#include "common/backoff.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/image_ref.h"
#include "common/log_channel.h"
#include "common/logging.h"
#include "common/repo_url.h"
#include "common/tls.h"

namespace arena {
namespace {

constexpr int64_t kMaxChunkBytes = LogSpool::kMaxChunkBytes;  // files too
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

absl::Status ToAbsl(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

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
  std::unique_ptr<LogSpool> log;  // the task's own
  // Other channels ("build"), made when their first bytes come.
  std::map<std::string, std::unique_ptr<LogSpool>> channels;
  int64_t started_ms = 0;
  bool finished = false;
  bool result_sent = false;
  bool fenced = false;    // no longer current: run down and forget
  bool given_up = false;  // cancelled because the agent is stopping: lost
  v1::TaskEvent result;
  std::string files_dir;
  std::vector<CopiedFile> files;  // sent after the log, before the result
  size_t file_index = 0;          // the file being sent
  int64_t file_sent = 0;          // bytes of it handed to the connection
  // The controller's answer to the build's question for base image logins.
  std::shared_ptr<CredentialWait> base_logins = std::make_shared<CredentialWait>();
  // Set when the git server refused the clone: reported as permanent.
  std::shared_ptr<std::atomic<bool>> clone_refused = std::make_shared<std::atomic<bool>>(false);

  bool HasLogToSend() const {
    if (log->HasToSend()) return true;
    for (const auto& [name, spool] : channels) {
      if (spool->HasToSend()) return true;
    }
    return false;
  }
  // The result goes after the last byte of its log, and once every other
  // channel is durable: the terminal event counts only the task's log, so
  // the channels' bytes must be stored before the result is recorded.
  bool LogDone() const {
    if (!finished || fenced || !log->AllSent()) return false;
    for (const auto& [name, spool] : channels) {
      if (!spool->AllSent() || !spool->AllDurable()) return false;
    }
    return true;
  }
  bool HasFileToSend() const { return LogDone() && !result_sent && file_index < files.size(); }
  bool ResultReady() const { return LogDone() && !result_sent && file_index == files.size(); }
  void RemoveSpools() {
    log->Remove();
    for (auto& [name, spool] : channels) spool->Remove();
  }
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
    attempt_->started_ms = event->unix_ms();
    if (session_->connected_) session_->control_.push_back(std::move(message));
  }
  void OnOutput(int stream, absl::string_view data) override {
    session_->AppendOutput(attempt_.get(), stream, data);
  }
  void OnChannelOutput(const std::string& channel, absl::string_view data) override {
    session_->AppendChannel(attempt_.get(), channel, data);
  }
  void OnProgress(const RunProgress& progress) override {
    v1::AgentMessage message;
    v1::TaskEvent* event = message.mutable_event();
    event->set_attempt_id(attempt_->assign.attempt_id());
    event->set_kind(v1::TASK_EVENT_PROGRESS);
    event->set_unix_ms(absl::ToUnixMillis(absl::Now()));
    event->set_phase(progress.phase);
    event->set_reason(progress.detail);
    event->set_progress_done(progress.done);
    event->set_progress_total(progress.total);
    absl::MutexLock lock(&session_->mu_);
    if (session_->connected_) session_->control_.push_back(std::move(message));
  }

 private:
  AgentSession* session_;
  std::shared_ptr<Attempt> attempt_;
};

AgentSession::AgentSession(SessionOptions options, Executor* executor)
    : options_(std::move(options)), executor_(executor) {
  absl::MutexLock lock(&mu_);
  identity_ = options_.identity;
  ScheduleRenewal();
}

void AgentSession::ScheduleRenewal() {
  absl::StatusOr<absl::Time> not_before = CertificateNotBefore(identity_.cert_pem);
  absl::StatusOr<absl::Time> not_after = CertificateNotAfter(identity_.cert_pem);
  renew_sent_ = false;
  if (!not_before.ok() || !not_after.ok()) {
    renew_at_ = absl::InfiniteFuture();
    return;
  }
  // notBefore is backdated a minute for clock skew; count from the real issue.
  absl::Time issued = std::min(*not_before + absl::Minutes(1), *not_after);
  static thread_local std::mt19937_64 rng(std::random_device{}());
  double point = std::uniform_real_distribution<double>(0.7, 0.9)(rng);
  renew_at_ = issued + (*not_after - issued) * point;
}

bool AgentSession::RenewalDue() const {
  return connected_ && !renew_sent_ && absl::Now() >= renew_at_;
}

AgentSession::~AgentSession() = default;

// What the attempt's logs mask: its secrets, its git and registry passwords.
static std::vector<std::string> MaskedValues(const v1::Assign& assign) {
  std::vector<std::string> values;
  for (const auto& [name, value] : assign.secrets()) values.push_back(value);
  if (!assign.git_access().password().empty()) values.push_back(assign.git_access().password());
  for (const v1::RegistryAuth& auth : assign.registry_auths()) values.push_back(auth.password());
  return values;
}

void AgentSession::AppendOutput(Attempt* attempt, int stream, absl::string_view raw) {
  absl::MutexLock lock(&mu_);
  attempt->log->Append(stream, raw);
}

void AgentSession::AppendChannel(Attempt* attempt, const std::string& channel,
                                 absl::string_view data) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<LogSpool>& spool = attempt->channels[channel];
  if (spool == nullptr) {
    if (!CheckLogChannel(channel).ok()) return;
    spool = std::make_unique<LogSpool>(
        absl::StrCat(options_.spool_dir, "/", attempt->assign.attempt_id(), ".", channel, ".log"),
        channel, attempt->assign.max_log_bytes(), MaskedValues(attempt->assign));
    if (!spool->ok()) {
      LogLine("session", absl::StrCat("cannot create the spool ", spool->path()));
    }
  }
  spool->Append(v1::LOG_STREAM_STDOUT, data);
}

v1::AgentMessage AgentSession::MakeHello() {
  v1::AgentMessage message;
  v1::Hello* hello = message.mutable_hello();
  hello->set_version(kVersion);
  hello->set_hostname(options_.hostname);
  for (const v1::Platform& p : options_.platforms) *hello->add_platforms() = p;
  hello->mutable_labels()->insert(options_.labels.begin(), options_.labels.end());
  hello->set_slots(options_.slots);
  hello->set_credits(std::max(0, options_.slots - busy_slots_));
  for (const std::string& image : options_.images) hello->add_images(image);
  if (options_.image_store) *hello->mutable_image_store() = options_.image_store();
  for (auto& [id, attempt] : attempts_) {
    v1::RunningAttempt* running = hello->add_running();
    running->set_attempt_id(id);
    running->set_log_offset(attempt->log->produced());
    // Resume where the controller's LogAck (one per channel) says.
    attempt->log->Resync();
    for (auto& [name, spool] : attempt->channels) {
      running->add_channels(name);
      spool->Resync();
    }
    attempt->result_sent = false;
    attempt->file_index = 0;  // files go again from their start
    attempt->file_sent = 0;
  }
  return message;
}

bool AgentSession::HasWork() const {
  if (!connected_ || !control_.empty() || RenewalDue()) return true;
  for (const auto& [id, attempt] : attempts_) {
    if (attempt->HasLogToSend() || attempt->HasFileToSend() || attempt->ResultReady()) return true;
  }
  return false;
}

std::optional<v1::AgentMessage> AgentSession::NextMessage() {
  if (RenewalDue()) {
    absl::StatusOr<std::string> key = GeneratePrivateKeyPem();
    absl::StatusOr<std::string> csr = key.ok() ? CreateCsr(*key, options_.hostname) : key.status();
    renew_sent_ = true;
    if (csr.ok()) {
      pending_key_ = *key;
      v1::AgentMessage message;
      message.mutable_renew()->set_csr_pem(*csr);
      LogLine("session", "renewing the client certificate");
      return message;
    }
    Log(LogLevel::kWarn, "session", absl::StrCat("cannot make a CSR: ", csr.status().message()));
  }
  if (!control_.empty()) {
    v1::AgentMessage message = std::move(control_.front());
    control_.pop_front();
    return message;
  }
  for (auto& [id, attempt] : attempts_) {
    if (!attempt->HasLogToSend()) continue;
    std::optional<v1::LogChunk> chunk = attempt->log->NextChunk(id);
    for (auto it = attempt->channels.begin(); !chunk.has_value() && it != attempt->channels.end();
         ++it) {
      chunk = it->second->NextChunk(id);
    }
    if (!chunk.has_value()) continue;
    v1::AgentMessage message;
    *message.mutable_log() = std::move(*chunk);
    return message;
  }
  for (auto& [id, attempt] : attempts_) {
    if (!attempt->HasFileToSend()) continue;
    std::optional<v1::AgentMessage> chunk = NextFileChunk(id, attempt.get());
    if (chunk.has_value()) return chunk;
  }
  for (auto& [id, attempt] : attempts_) {
    if (!attempt->ResultReady()) continue;
    attempt->result_sent = true;
    v1::AgentMessage message;
    *message.mutable_event() = attempt->result;
    for (const CopiedFile& file : attempt->files) {
      v1::FileInfo* info = message.mutable_event()->add_files();
      info->set_path(file.path);
      info->set_kind(file.junit ? v1::FILE_KIND_JUNIT : v1::FILE_KIND_ARTIFACT);
      info->set_size(file.size);
    }
    return message;
  }
  return std::nullopt;
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
  mu_.AwaitWithDeadline(absl::Condition(&idle), stop_deadline_);
  return refused;
}

void AgentSession::GiveUpAttempts() {
  absl::MutexLock lock(&mu_);
  if (!stopping_) {
    stopping_ = true;
    stop_deadline_ = absl::Now() + options_.stop_timeout;
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

v1::AgentMessage AgentSession::BeginConnection() {
  absl::MutexLock lock(&mu_);
  control_.clear();
  v1::AgentMessage hello = MakeHello();
  // The controller may have missed when running attempts started.
  for (auto& [id, attempt] : attempts_) {
    if (attempt->started_ms == 0 || attempt->finished) continue;
    v1::AgentMessage started;
    started.mutable_event()->set_attempt_id(id);
    started.mutable_event()->set_kind(v1::TASK_EVENT_STARTED);
    started.mutable_event()->set_unix_ms(attempt->started_ms);
    control_.push_back(std::move(started));
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
      mu_.AwaitWithDeadline(absl::Condition(&reported), stop_deadline_);
    }
    end_stream();
    return;
  }
}

void AgentSession::WriteLoop(const std::function<bool(const v1::AgentMessage&)>& write,
                             const std::function<void()>& cancel) {
  while (true) {
    v1::AgentMessage message;
    {
      absl::MutexLock lock(&mu_);
      absl::Duration wait =
          std::min(options_.heartbeat, std::max(absl::ZeroDuration(), renew_at_ - absl::Now()));
      mu_.AwaitWithTimeout(absl::Condition(this, &AgentSession::HasWork), wait);
      if (!connected_) return;
      std::optional<v1::AgentMessage> next = NextMessage();
      if (next.has_value()) {
        message = std::move(*next);
      } else {
        message.mutable_heartbeat()->set_unix_ms(absl::ToUnixMillis(absl::Now()));
        if (options_.image_store) {
          *message.mutable_heartbeat()->mutable_image_store() = options_.image_store();
        }
      }
    }
    if (!write(message)) {
      cancel();
      return;
    }
  }
}

AgentSession::ConnectionEnd AgentSession::ServeOneConnection(const absl::Notification* stop) {
  grpc::SslCredentialsOptions ssl;
  {
    absl::MutexLock lock(&mu_);
    ssl.pem_root_certs = identity_.ca_pem;
    ssl.pem_private_key = identity_.key_pem;
    ssl.pem_cert_chain = identity_.cert_pem;
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(options_.controller, grpc::SslCredentials(ssl), args);
  auto stub = v1::AgentService::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Connect(&context);
  if (!stream->Write(BeginConnection())) return {ToAbsl(stream->Finish())};
  absl::Time connected_at = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    connected_ = true;
    if (!pending_key_.empty()) renew_sent_ = false;  // ask again on this stream
  }
  LogLine("session",
          absl::StrCat("connected to ", options_.controller, " as ", options_.identity.agent_id));
  std::thread writer([&] {
    WriteLoop([&stream](const v1::AgentMessage& m) { return stream->Write(m); },
              [&context] { context.TryCancel(); });
  });
  absl::Notification connection_over;
  std::thread stopper(
      [&] { EndStreamOnStop(stop, &connection_over, [&context] { context.TryCancel(); }); });
  v1::ControllerMessage message;
  while (stream->Read(&message)) Handle(message);
  {
    absl::MutexLock lock(&mu_);
    connected_ = false;
    control_.clear();
  }
  connection_over.Notify();
  writer.join();
  stopper.join();
  ConnectionEnd end{ToAbsl(stream->Finish()), absl::Now() - connected_at};
  if (absl::IsPermissionDenied(end.status)) {
    // Revoked: nothing this agent runs can be reported any more.
    absl::MutexLock lock(&mu_);
    for (auto& [id, attempt] : attempts_) {
      attempt->fenced = true;
      attempt->stop.Cancel("agent revoked");
    }
  }
  return end;
}

std::optional<v1::AgentMessage> AgentSession::NextFileChunk(const std::string& id,
                                                            Attempt* attempt) {
  const CopiedFile& file = attempt->files[attempt->file_index];
  std::string data(
      static_cast<size_t>(std::min<int64_t>(kMaxChunkBytes, file.size - attempt->file_sent)), '\0');
  int fd = open(file.local_path.c_str(), O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : pread(fd, data.data(), data.size(), attempt->file_sent);
  if (fd >= 0) close(fd);
  if (n < 0 || (n == 0 && !data.empty())) {
    // The copy vanished (a full or wiped disk): drop it from the manifest.
    Log(LogLevel::kWarn, "session", absl::StrCat("cannot read ", file.local_path, "; not sent"));
    attempt->result.add_notes(absl::StrCat(file.junit ? "JUnit report " : "artifact ", file.path,
                                           ": not sent: its copy on the agent could not be read"));
    attempt->files.erase(attempt->files.begin() + static_cast<long>(attempt->file_index));
    attempt->file_sent = 0;
    return std::nullopt;
  }
  data.resize(static_cast<size_t>(n));
  v1::AgentMessage message;
  v1::FileChunk* chunk = message.mutable_file();
  chunk->set_attempt_id(id);
  chunk->set_path(file.path);
  chunk->set_kind(file.junit ? v1::FILE_KIND_JUNIT : v1::FILE_KIND_ARTIFACT);
  chunk->set_offset(attempt->file_sent);
  chunk->set_data(std::move(data));
  attempt->file_sent += n;
  if (attempt->file_sent >= file.size) {
    ++attempt->file_index;
    attempt->file_sent = 0;
  }
  return message;
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
      HandleRenewed(message.renewed());
      break;
    case v1::ControllerMessage::kBaseCredentials: {
      absl::MutexLock lock(&mu_);
      auto it = attempts_.find(message.base_credentials().attempt_id());
      if (it == attempts_.end()) break;
      std::vector<RegistryLogin> logins;
      for (const v1::RegistryAuth& a : message.base_credentials().registry_auths()) {
        logins.push_back({a.host(), a.username(), a.password()});
      }
      it->second->base_logins->Answer(std::move(logins));
      break;
    }
    case v1::ControllerMessage::kSessionEnd: {
      std::string key = message.session_end().session();
      std::thread([this, key] { executor_->EndSessions(key); }).detach();
      break;
    }
    default:
      break;
  }
}

void AgentSession::HandleAssign(const v1::Assign& assign) {
  auto attempt = std::make_shared<Attempt>();
  attempt->assign = assign;
  attempt->log =
      std::make_unique<LogSpool>(absl::StrCat(options_.spool_dir, "/", assign.attempt_id(), ".log"),
                                 "", assign.max_log_bytes(), MaskedValues(assign));
  {
    absl::MutexLock lock(&mu_);
    if (attempts_.count(assign.attempt_id())) return;  // duplicate delivery
    attempts_[assign.attempt_id()] = attempt;
    ++busy_slots_;
    if (stopping_) {  // handed straight back, reported lost
      attempt->given_up = true;
      attempt->stop.Cancel("agent is stopping");
    }
  }
  LogLine("session", absl::StrCat("running ", assign.attempt_id(), " (job ", assign.job_id(), ", ",
                                  assign.arch(), ", image ", assign.image(), ")"));
  std::thread([this, attempt] { RunAttempt(attempt); }).detach();
}

void AgentSession::HandleCancel(const v1::Cancel& cancel) {
  absl::MutexLock lock(&mu_);
  auto it = attempts_.find(cancel.attempt_id());
  if (it == attempts_.end()) return;
  LogLine("session", absl::StrCat("stopping ", cancel.attempt_id(), ": ", cancel.reason()));
  it->second->stop.Cancel(cancel.reason());
  if (!cancel.fenced()) return;
  it->second->fenced = true;
  if (it->second->finished) Forget(cancel.attempt_id());
}

void AgentSession::HandleLogAck(const v1::LogAck& ack) {
  absl::MutexLock lock(&mu_);
  auto it = attempts_.find(ack.attempt_id());
  if (it == attempts_.end()) return;
  Attempt* attempt = it->second.get();
  if (ack.result_recorded()) {
    if (attempt->finished) Forget(ack.attempt_id());
    return;
  }
  if (ack.channel().empty()) {
    attempt->log->Ack(ack.durable_offset());
    return;
  }
  auto channel = attempt->channels.find(ack.channel());
  if (channel != attempt->channels.end()) channel->second->Ack(ack.durable_offset());
}

void AgentSession::HandleRenewed(const v1::RenewCert& renewed) {
  absl::MutexLock lock(&mu_);
  const std::string& cert = renewed.certificate_pem();
  absl::StatusOr<std::string> name = CertificateCommonName(cert);
  if (pending_key_.empty() || !name.ok() || *name != identity_.agent_id ||
      !VerifyCertificate(identity_.ca_pem, cert).ok()) {
    LogLine("session", "ignored a renewed certificate that does not fit");
    return;
  }
  // Key first: a crash between the two writes leaves the old pair unusable
  // rather than a new certificate without its key.
  absl::Status saved =
      WriteFileAtomic(absl::StrCat(options_.state_dir, "/agent.key"), pending_key_, 0600);
  if (saved.ok())
    saved = WriteFileAtomic(absl::StrCat(options_.state_dir, "/agent.pem"), cert, 0644);
  if (!saved.ok())
    Log(LogLevel::kWarn, "session",
        absl::StrCat("cannot store the renewed certificate: ", saved.message()));
  identity_.key_pem = pending_key_;
  identity_.cert_pem = cert;
  pending_key_.clear();
  ScheduleRenewal();
  absl::StatusOr<absl::Time> expires = CertificateNotAfter(cert);
  LogLine("session", absl::StrCat("client certificate renewed, valid until ",
                                  expires.ok() ? absl::FormatTime(*expires) : "?"));
}

void AgentSession::Forget(const std::string& attempt_id) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end()) return;
  it->second->RemoveSpools();
  if (!it->second->files_dir.empty()) RemoveTree(it->second->files_dir).IgnoreError();
  attempts_.erase(it);
}

RunRequest AgentSession::RequestFor(Attempt* attempt) {
  const v1::Assign& assign = attempt->assign;
  RunRequest request;
  request.attempt_id = assign.attempt_id();
  request.task_id = assign.task_id();
  request.job_id = assign.job_id();
  request.arch = assign.arch();
  request.image = assign.image();
  // The controller resolves the job's policy for the image; an older
  // controller sends none, and agents then kept to present images.
  absl::StatusOr<PullPolicy> policy = ParsePullPolicy(assign.pull_policy());
  request.pull_policy = policy.ok() ? *policy : PullPolicy::kNever;
  for (const v1::RegistryAuth& auth : assign.registry_auths()) {
    request.registry_logins.push_back({auth.host(), auth.username(), auth.password()});
  }
  request.command.assign(assign.command().begin(), assign.command().end());
  request.env.insert(assign.env().begin(), assign.env().end());
  // Who and where, for the test's own reports (set last: Arena's win).
  request.env["ARENA_JOB_ID"] = assign.job_id();
  request.env["ARENA_TASK_ID"] = assign.task_id();
  request.env["ARENA_ATTEMPT_ID"] = assign.attempt_id();
  request.env["ARENA_ATTEMPT"] = absl::StrCat(assign.attempt_number());
  request.env["ARENA_ARCH"] = assign.arch();
  if (assign.timeout_ms() > 0) request.timeout = absl::Milliseconds(assign.timeout_ms());
  request.memory_mb = assign.memory_mb();
  request.cpus = assign.cpus();
  request.pids = assign.pids();
  request.disk_mb = assign.disk_mb();
  if (!assign.network().empty()) request.network = assign.network();
  request.user = assign.user();
  for (const auto& [name, value] : assign.secrets()) request.env[name] = value;
  request.artifacts.assign(assign.artifacts().begin(), assign.artifacts().end());
  request.junit.assign(assign.junit().begin(), assign.junit().end());
  if (!request.artifacts.empty() || !request.junit.empty()) {
    request.files_dir = absl::StrCat(options_.spool_dir, "/", assign.attempt_id(), ".files");
  }
  request.max_file_bytes = options_.max_file_bytes;
  request.session = assign.session();
  request.destructive = assign.destructive();
  if (assign.has_build()) {
    const v1::BuildSpec& build = assign.build();
    request.build.enabled = true;
    request.build.dockerfile = build.dockerfile().empty() ? "Dockerfile" : build.dockerfile();
    request.build.context = build.context().empty() ? "." : build.context();
    request.build.args.insert(build.args().begin(), build.args().end());
    request.build.target = build.target();
    request.build.pull_policy = assign.pull_policy();
  }
  if (!assign.repo().empty()) request.make_workspace = WorkspaceMakerFor(*attempt);
  if (assign.has_build()) {
    request.fetch_base_logins = [this, attempt](const std::vector<std::string>& hosts) {
      return FetchBaseLogins(attempt, hosts);
    };
  }
  return request;
}

WorkspaceMaker AgentSession::WorkspaceMakerFor(const Attempt& attempt) const {
  const v1::Assign& assign = attempt.assign;
  CloneOptions clone;
  clone.allow_local = options_.allow_local_repos;
  const v1::GitAccess& access = assign.git_access();
  clone.credential = {access.host(),    access.username(),    access.password(),
                      access.ssh_key(), access.known_hosts(), access.ca_pem()};
  std::string work_dir = options_.work_dir;
  std::string git_dir = absl::StrCat(options_.state_dir, "/git");
  std::shared_ptr<std::atomic<bool>> refused = attempt.clone_refused;
  if (!clone.credential.empty()) {
    LogLine("session", absl::StrCat("cloning ", assign.repo(),
                                    " with the controller's credential for ", access.host()));
  }
  return [work_dir, git_dir, clone, assign,
          refused](const std::function<void(absl::string_view)>& output) {
    // A name per checkout: a session container keeps its own for its life.
    std::string name = NewId("att-ws");
    CloneOptions options = clone;
    options.credential_dir = absl::StrCat(git_dir, "/", name);
    absl::StatusOr<std::string> made =
        PrepareWorkspace(work_dir, name, assign.repo(), assign.commit(), options, output);
    if (absl::IsUnauthenticated(made.status())) refused->store(true);
    return made;
  };
}

// Why the attempt must not run at all, or an empty string.
std::string AgentSession::RefusalFor(const Attempt& attempt) const {
  if (!attempt.log->ok()) return absl::StrCat("cannot create the log spool ", attempt.log->path());
  const std::string& repo = attempt.assign.repo();
  if (!repo.empty()) {
    absl::Status allowed = CheckRepoAllowed(repo, options_.allow_local_repos, "agent");
    if (!allowed.ok()) return std::string(allowed.message());
  }
  return "";
}

void AgentSession::RunAttempt(std::shared_ptr<Attempt> attempt) {
  Observer observer(this, attempt);
  RunRequest request = RequestFor(attempt.get());
  {
    absl::MutexLock lock(&mu_);
    attempt->files_dir = request.files_dir;
  }
  RunResult result;
  result.reason = RefusalFor(*attempt);
  if (result.reason.empty() && attempt->stop.cancelled()) {
    result.outcome = RunResult::Outcome::kCancelled;  // handed back unstarted
    result.reason = attempt->stop.reason();
  } else if (result.reason.empty()) {
    result = executor_->Run(request, &observer, &attempt->stop);
  }
  if (result.outcome == RunResult::Outcome::kError) {
    observer.OnOutput(v1::LOG_STREAM_SYSTEM, absl::StrCat("arena: error: ", result.reason, "\n"));
  }
  {
    // What each stream's masker still holds.
    absl::MutexLock lock(&mu_);
    attempt->log->Flush();
    for (auto& [name, spool] : attempt->channels) spool->Flush();
  }
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
    for (const std::string& host : hosts)
      message.mutable_base_credentials()->add_registry_hosts(host);
    control_.push_back(std::move(message));
  }
  std::vector<RegistryLogin> logins = attempt->base_logins->Wait(absl::Seconds(30), &attempt->stop);
  std::vector<std::string> passwords;
  for (const RegistryLogin& login : logins) passwords.push_back(login.password);
  absl::MutexLock lock(&mu_);
  attempt->log->AddSecrets(passwords);  // masked in the attempt's logs like the others
  for (auto& [name, spool] : attempt->channels) spool->AddSecrets(passwords);
  return logins;
}

void AgentSession::RecordResult(Attempt* attempt, RunResult result) {
  absl::MutexLock lock(&mu_);
  const std::string id = attempt->assign.attempt_id();
  v1::TaskEvent& event = attempt->result;
  event.set_attempt_id(id);
  bool lost = attempt->given_up && result.outcome == RunResult::Outcome::kCancelled;
  event.set_kind(lost ? v1::TASK_EVENT_LOST : KindFor(result.outcome));
  event.set_exit_code(result.exit_code);
  event.set_reason(result.reason);
  // Refused git credentials (the clone) or a pull no retry can fix.
  event.set_permanent(result.permanent || (result.outcome == RunResult::Outcome::kError &&
                                           attempt->clone_refused->load()));
  event.set_unix_ms(absl::ToUnixMillis(absl::Now()));
  event.set_log_bytes(attempt->log->produced());
  event.set_image_digest(result.image_digest);
  for (std::string& note : result.notes) {
    if (event.notes_size() >= kMaxNotes) break;  // the controller keeps fewer still
    event.add_notes(std::move(note));
  }
  attempt->files = std::move(result.files);
  attempt->finished = true;
  --busy_slots_;
  if (connected_ && !stopping_) {
    v1::AgentMessage grant;
    grant.mutable_grant()->set_credits(1);
    control_.push_back(std::move(grant));
  }
  if (attempt->fenced) Forget(id);
}

}  // namespace arena
