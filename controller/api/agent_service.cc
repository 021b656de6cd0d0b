#include "controller/api/agent_service.h"

#include <deque>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/ids.h"
#include "common/logging.h"
#include "controller/api/grpc_status.h"
#include "controller/scheduler/scheduler.h"
#include "controller/store/store.h"

namespace arena {
namespace {

// An agent's hostname is what it says it is: shown to operators, never an
// identity. Only host-name characters are kept (others become '_'), at most
// 253 of them, and never an agent id's form, so it can neither carry
// terminal escapes nor pass for another agent.
std::string SafeHostname(const std::string& claimed) {
  std::string name = claimed.substr(0, 253);
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  if (name.empty()) return "unknown";
  if (absl::StartsWith(name, "agent-")) name = absl::StrCat("host-", name);
  return name;
}

class AgentStream;

// Outlives the reactor: the scheduler may keep it after the stream ended, so
// the reactor detaches itself in OnDone and later sends are dropped.
class StreamLink final : public AgentLink {
 public:
  explicit StreamLink(AgentStream* stream) : stream_(stream) {}
  void Send(const v1::ControllerMessage& message) override;
  void Close(const absl::Status& status) override;
  void Detach() {
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
  }

 private:
  absl::Mutex mu_;
  AgentStream* stream_ ABSL_GUARDED_BY(mu_);
};

// One agent's Connect stream. Reads are handed to the scheduler; writes are
// queued here with at most one in flight, as the callback API requires.
class AgentStream final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ControllerMessage> {
 public:
  AgentStream(Scheduler* scheduler, std::string agent_id)
      : scheduler_(scheduler),
        agent_id_(std::move(agent_id)),
        link_(std::make_shared<StreamLink>(this)) {
    StartRead(&incoming_);
  }

  void Enqueue(const v1::ControllerMessage& message) {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    outgoing_.push_back(message);
    if (!writing_) {
      writing_ = true;
      StartWrite(&outgoing_.front());
    }
  }

  void FinishWith(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (said_hello_) scheduler_->AgentDisconnected(agent_id_, link_.get());
      FinishWith(grpc::Status::OK);
      return;
    }
    if (!said_hello_) {
      if (!incoming_.has_hello()) {
        FinishWith(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "the first message on Connect must be Hello"));
        return;
      }
      said_hello_ = true;
      incoming_.mutable_hello()->set_hostname(SafeHostname(incoming_.hello().hostname()));
      scheduler_->AgentConnected(agent_id_, link_, incoming_.hello());
    } else {
      scheduler_->AgentMessageReceived(agent_id_, std::move(incoming_));
      incoming_.Clear();
    }
    StartRead(&incoming_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    outgoing_.pop_front();
    if (!ok) outgoing_.clear();
    if (!outgoing_.empty()) {
      StartWrite(&outgoing_.front());
      return;
    }
    writing_ = false;
    if (pending_finish_) {
      pending_finish_ = false;
      Finish(finish_status_);
    }
  }

  void OnDone() override {
    link_->Detach();
    delete this;
  }

 private:
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return;
    finishing_ = true;
    if (writing_) {
      pending_finish_ = true;
      finish_status_ = status;
      return;
    }
    Finish(status);
  }

  Scheduler* const scheduler_;
  const std::string agent_id_;
  const std::shared_ptr<StreamLink> link_;
  v1::AgentMessage incoming_;  // touched only by the read chain
  bool said_hello_ = false;    // likewise

  absl::Mutex mu_;
  std::deque<v1::ControllerMessage> outgoing_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_finish_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
};

void StreamLink::Send(const v1::ControllerMessage& message) {
  absl::MutexLock lock(&mu_);
  if (stream_ != nullptr) stream_->Enqueue(message);
}

void StreamLink::Close(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (stream_ != nullptr) stream_->FinishWith(ToGrpc(status));
}

// Returns the common name of the verified client certificate, or "".
std::string PeerAgentId(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "";
  std::vector<grpc::string_ref> names = auth->FindPropertyValues("x509_common_name");
  if (names.empty()) return "";
  return std::string(names.front().data(), names.front().size());
}

// Finishes a stream that was refused before it started.
class RejectedStream final
    : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ControllerMessage> {
 public:
  explicit RejectedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

AgentServiceImpl::AgentServiceImpl(Store* store, Scheduler* scheduler, const CertifiedKey* ca,
                                   absl::Duration cert_validity)
    : store_(store), scheduler_(scheduler), ca_(ca), cert_validity_(cert_validity) {}

grpc::Status AgentServiceImpl::Enroll(grpc::ServerContext* context,
                                      const v1::EnrollRequest* request,
                                      v1::EnrollResponse* response) {
  if (request->join_token().empty() || request->csr_pem().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "enrollment needs a join token and a CSR");
  }
  int64_t now = absl::ToUnixMillis(absl::Now());
  const std::string hostname = SafeHostname(request->hostname());
  absl::Status consumed = store_->access().ConsumeJoinToken(Sha256Hex(request->join_token()), now);
  if (!consumed.ok()) {
    store_->access()
        .AppendAudit({now, "anonymous", "enroll.refused", hostname,
                      absl::StrCat(context->peer(), ": ", consumed.message())})
        .IgnoreError();
    LogLine("enroll",
            absl::StrCat("refused enrollment from ", context->peer(), ": ", consumed.message()));
    return ToGrpc(consumed);
  }
  std::string agent_id = NewId("agent");
  absl::StatusOr<std::string> cert =
      SignClientCsr(*ca_, request->csr_pem(), agent_id, cert_validity_);
  if (!cert.ok()) return ToGrpc(cert.status());
  AgentRecord record;
  record.id = agent_id;
  record.hostname = hostname;
  record.enrolled_ms = now;
  record.last_seen_ms = now;
  absl::Status stored = store_->access().UpsertAgent(record);
  if (!stored.ok()) return ToGrpc(stored);
  LogLine("enroll", absl::StrCat("enrolled ", agent_id, " (", hostname, ")"));
  store_->access().AppendAudit({now, agent_id, "enroll", agent_id, hostname}).IgnoreError();
  response->set_agent_id(agent_id);
  response->set_certificate_pem(*cert);
  response->set_ca_pem(ca_->cert_pem);
  return grpc::Status::OK;
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::ControllerMessage>* AgentServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  std::string agent_id = PeerAgentId(*context);
  if (agent_id.empty()) {
    return new RejectedStream(
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "Connect needs a client certificate"));
  }
  return new AgentStream(scheduler_, agent_id);
}

}  // namespace arena
