// One Connect stream from the agent to the controller over mTLS, and its
// writer: a due certificate renewal first, then the outbox's messages, one
// in flight, and a heartbeat (with the image store) when idle for
// `heartbeat`. A failed write cancels the stream, which ends the reads.
//
// Owned by the AgentSession for one connection. Thread-safe as gRPC's client
// streams are: the caller's thread reads, the writer thread writes, Cancel
// may come from any thread.
#ifndef ARENA_AGENT_SESSION_CONTROLLER_LINK_H_
#define ARENA_AGENT_SESSION_CONTROLLER_LINK_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/session/cert_renewer.h"
#include "agent/session/enrollment.h"
#include "agent/session/outbox.h"
#include "arena/v1/agent.grpc.pb.h"

namespace arena {

struct WriterOptions {
  Outbox* outbox = nullptr;
  CertificateRenewer* renewer = nullptr;
  absl::Duration heartbeat = absl::Seconds(10);
  // The images Arena keeps here, for heartbeats (optional).
  std::function<v1::ImageStore()> image_store;
  // The agent's health, for heartbeats (optional).
  std::function<v1::AgentHealth()> health;
  // The heartbeats' timestamps.
  std::function<absl::Time()> clock = absl::Now;
};

class ControllerLink {
 public:
  // Opens the stream to `controller` (host:port) as `identity`.
  ControllerLink(const std::string& controller, const AgentIdentity& identity);
  ~ControllerLink();
  ControllerLink(const ControllerLink&) = delete;
  ControllerLink& operator=(const ControllerLink&) = delete;

  // Before StartWriter only (the Hello); false when the stream broke.
  bool Write(const v1::AgentMessage& message);
  // Starts the writer thread; it ends once the outbox is closed or a write
  // failed.
  void StartWriter(WriterOptions options);
  // The next message from the controller; false once the stream is over.
  bool Read(v1::ControllerMessage* message);
  void Cancel();
  // REQUIRES: Read returned false and the outbox is closed. Joins the writer
  // and returns how the stream ended.
  absl::Status Finish();

 private:
  void WriteLoop(const WriterOptions& options);

  std::unique_ptr<v1::AgentService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::ControllerMessage>> stream_;
  std::thread writer_;
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_CONTROLLER_LINK_H_
