// ControllerLink against an in-process AgentService on 127.0.0.1:0 over
// real mTLS (a CA, server and client certificates from common/tls.h): what
// the writer sends and in which order, how the stream ends.
#include "agent/session/controller_link.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "arena/v1/agent.grpc.pb.h"
#include "common/tls.h"
#include "tests/unit/agent/loopback_mtls.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// Keeps what the agent sent. Once `end_after` messages are in, answers
// with `replies` and ends the stream with `end_status`; with end_after 0 it
// reads until the client goes away.
class RecordingAgentService final : public v1::AgentService::Service {
 public:
  RecordingAgentService(size_t end_after, std::vector<v1::ControllerMessage> replies,
                        grpc::Status end_status)
      : end_after_(end_after), replies_(std::move(replies)), end_status_(std::move(end_status)) {}

  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>* stream) override {
    {
      absl::MutexLock lock(&mu_);
      peer_cn_ = PeerCommonName(*context);
    }
    v1::AgentMessage message;
    while (stream->Read(&message)) {
      absl::MutexLock lock(&mu_);
      received_.push_back(message);
      if (received_.size() == end_after_) break;
    }
    for (const v1::ControllerMessage& reply : replies_) stream->Write(reply);
    ended_.Notify();
    return end_status_;
  }

  // Bounded: false when `count` messages did not come within `timeout`.
  bool AwaitReceived(size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return received_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  std::vector<v1::AgentMessage> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  std::string peer_cn() {
    absl::MutexLock lock(&mu_);
    return peer_cn_;
  }
  absl::Notification& ended() { return ended_; }

 private:
  static std::string PeerCommonName(const grpc::ServerContext& context) {
    std::vector<grpc::string_ref> names =
        context.auth_context()->FindPropertyValues("x509_common_name");
    return names.empty() ? "" : std::string(names[0].data(), names[0].size());
  }

  const size_t end_after_;
  const std::vector<v1::ControllerMessage> replies_;
  const grpc::Status end_status_;
  absl::Notification ended_;
  absl::Mutex mu_;
  std::vector<v1::AgentMessage> received_ ABSL_GUARDED_BY(mu_);
  std::string peer_cn_ ABSL_GUARDED_BY(mu_);
};

v1::AgentMessage Credits(int credits) {
  v1::AgentMessage message;
  message.mutable_grant()->set_credits(credits);
  return message;
}

class ControllerLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mtls_.Create("agent-7");
    identity_ = mtls_.identity();
    renewer_ = std::make_unique<CertificateRenewer>(identity_, dir_.path(), "host");
  }
  void TearDown() override { mtls_.Shutdown(); }
  // Serves `service` with mTLS, as the controller does.
  void Serve(RecordingAgentService* service) { address_ = mtls_.Serve(service); }
  std::string Address() const { return address_; }
  WriterOptions Options(absl::Duration heartbeat = absl::Hours(1)) {
    WriterOptions options;
    options.outbox = &outbox_;
    options.renewer = renewer_.get();
    options.heartbeat = heartbeat;
    return options;
  }

  TestDir dir_;
  LoopbackMtls mtls_;
  AgentIdentity identity_;
  std::unique_ptr<CertificateRenewer> renewer_;
  Outbox outbox_;
  std::string address_;
};

TEST_F(ControllerLinkTest, TheHelloThenTheOutboxsMessagesArriveInOrderFromTheAgentsIdentity) {
  v1::ControllerMessage end;
  end.mutable_session_end()->set_session("s-1");
  RecordingAgentService service(4, {end}, grpc::Status::OK);
  Serve(&service);
  ControllerLink link(Address(), identity_);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_hostname("host");
  ASSERT_TRUE(link.Write(hello));
  outbox_.Open();
  for (int credits : {1, 2, 3}) ASSERT_TRUE(outbox_.Push(Credits(credits)));
  link.StartWriter(Options());
  v1::ControllerMessage reply;
  ASSERT_TRUE(link.Read(&reply));
  EXPECT_EQ(reply.session_end().session(), "s-1");
  EXPECT_FALSE(link.Read(&reply)) << "the server ended the stream";
  outbox_.Close();
  EXPECT_TRUE(link.Finish().ok());
  std::vector<v1::AgentMessage> received = service.received();
  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(received[0].hello().hostname(), "host");
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(received[i].grant().credits(), i);
  EXPECT_EQ(service.peer_cn(), "agent-7");
}

TEST_F(ControllerLinkTest, AnIdleWriterSendsHeartbeatsWithTheImageStore) {
  RecordingAgentService service(2, {}, grpc::Status::OK);
  Serve(&service);
  ControllerLink link(Address(), identity_);
  outbox_.Open();
  WriterOptions options = Options(absl::Milliseconds(20));
  options.image_store = [] {
    v1::ImageStore store;
    store.set_kept_bytes(1234);
    return store;
  };
  link.StartWriter(options);
  v1::ControllerMessage reply;
  EXPECT_FALSE(link.Read(&reply));  // the server ends the stream after two
  outbox_.Close();
  // The server's OK, or the writer's own cancel when a heartbeat raced the end.
  absl::Status finished = link.Finish();
  EXPECT_TRUE(finished.ok() || absl::IsCancelled(finished)) << finished;
  std::vector<v1::AgentMessage> received = service.received();
  ASSERT_EQ(received.size(), 2u);
  for (const v1::AgentMessage& message : received) {
    ASSERT_TRUE(message.has_heartbeat());
    EXPECT_GT(message.heartbeat().unix_ms(), 0);
    EXPECT_EQ(message.heartbeat().image_store().kept_bytes(), 1234);
  }
}

TEST_F(ControllerLinkTest, TheServersErrorEndsTheReadsAndIsWhatFinishReturns) {
  RecordingAgentService service(
      1, {}, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "agent-7 is connected elsewhere"));
  Serve(&service);
  ControllerLink link(Address(), identity_);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_hostname("host");
  ASSERT_TRUE(link.Write(hello));
  outbox_.Open();
  link.StartWriter(Options());
  v1::ControllerMessage reply;
  EXPECT_FALSE(link.Read(&reply));
  outbox_.Close();
  absl::Status finished = link.Finish();
  EXPECT_TRUE(absl::IsFailedPrecondition(finished)) << finished;
  EXPECT_EQ(finished.message(), "agent-7 is connected elsewhere");
}

TEST_F(ControllerLinkTest, CancelEndsAReadThatWouldWaitForever) {
  RecordingAgentService service(0, {}, grpc::Status::OK);
  Serve(&service);
  ControllerLink link(Address(), identity_);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_hostname("host");
  ASSERT_TRUE(link.Write(hello));
  ASSERT_TRUE(service.AwaitReceived(1, absl::Seconds(30)));
  outbox_.Open();
  link.StartWriter(Options());
  link.Cancel();
  v1::ControllerMessage reply;
  EXPECT_FALSE(link.Read(&reply));
  outbox_.Close();
  EXPECT_TRUE(absl::IsCancelled(link.Finish()));
  EXPECT_TRUE(service.ended().WaitForNotificationWithTimeout(absl::Seconds(30)));
}

TEST_F(ControllerLinkTest, AServerThatDoesNotTrustTheAgentsCertificateRefusesTheStream) {
  RecordingAgentService service(0, {}, grpc::Status::OK);
  Serve(&service);
  absl::StatusOr<CertifiedKey> other = CreateCertificateAuthority("other CA", absl::Hours(1));
  ASSERT_TRUE(other.ok());
  AgentIdentity stranger = identity_;
  stranger.cert_pem =
      *SignClientCsr(*other, *CreateCsr(identity_.key_pem, "host"), "agent-7", absl::Hours(1));
  ControllerLink link(Address(), stranger);
  v1::ControllerMessage reply;
  EXPECT_FALSE(link.Read(&reply));
  outbox_.Close();
  EXPECT_TRUE(absl::IsUnavailable(link.Finish()));
  EXPECT_TRUE(service.received().empty());
}

}  // namespace
}  // namespace arena
