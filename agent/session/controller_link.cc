#include "agent/session/controller_link.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace arena {
namespace {

absl::Status ToAbsl(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

ControllerLink::ControllerLink(const std::string& controller, const AgentIdentity& identity) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = identity.ca_pem;
  ssl.pem_private_key = identity.key_pem;
  ssl.pem_cert_chain = identity.cert_pem;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(controller, grpc::SslCredentials(ssl), args);
  stub_ = v1::AgentService::NewStub(channel);
  stream_ = stub_->Connect(&context_);
}

ControllerLink::~ControllerLink() {
  if (writer_.joinable()) {
    Cancel();
    writer_.join();
  }
}

bool ControllerLink::Write(const v1::AgentMessage& message) { return stream_->Write(message); }

void ControllerLink::StartWriter(WriterOptions options) {
  writer_ = std::thread([this, options = std::move(options)] { WriteLoop(options); });
}

bool ControllerLink::Read(v1::ControllerMessage* message) { return stream_->Read(message); }

void ControllerLink::Cancel() { context_.TryCancel(); }

absl::Status ControllerLink::Finish() {
  if (writer_.joinable()) writer_.join();
  return ToAbsl(stream_->Finish());
}

void ControllerLink::WriteLoop(const WriterOptions& options) {
  while (true) {
    std::optional<v1::AgentMessage> message = options.renewer->RequestIfDue();
    if (!message.has_value()) {
      message = options.outbox->Next(std::min(options.heartbeat, options.renewer->UntilDue()));
    }
    if (!options.outbox->open()) return;
    if (!message.has_value()) {
      if (options.renewer->UntilDue() == absl::ZeroDuration()) continue;  // renew first
      message.emplace();
      message->mutable_heartbeat()->set_unix_ms(absl::ToUnixMillis(options.clock()));
      if (options.image_store) {
        *message->mutable_heartbeat()->mutable_image_store() = options.image_store();
      }
      if (options.health) *message->mutable_heartbeat()->mutable_health() = options.health();
    }
    if (!stream_->Write(*message)) {
      Cancel();
      return;
    }
  }
}

}  // namespace arena
