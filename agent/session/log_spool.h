// One log of an attempt on the agent's disk (the task's own, or another
// channel such as "build"): output is masked (one SecretMasker per stream,
// so a secret split across two writes is still caught), capped at
// `max_bytes` after a truncation marker, appended to a spool file, tagged
// by stream, and sent from there in offset order, at most kWindow bytes
// ahead of what the controller acknowledged durable. After a reconnect it
// waits for the controller's LogAck to say where to resume.
//
// Owner: the attempt's OutputSpool (one LogSpool per log channel).
// Not thread-safe: the OutputSpool's mutex guards every spool.
#ifndef ARENA_AGENT_SESSION_LOG_SPOOL_H_
#define ARENA_AGENT_SESSION_LOG_SPOOL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "arena/v1/agent.pb.h"
#include "common/secret_masker.h"

namespace arena {

class LogSpool {
 public:
  static constexpr int64_t kMaxChunkBytes = 1024 * 1024;  // well under gRPC's 4 MiB cap
  static constexpr int64_t kWindowBytes = 4 << 20;        // sent, not yet acknowledged

  // Creates (truncates) `path`; ok() tells whether that worked. `secrets`
  // are replaced by "***" in everything appended. `max_bytes` 0: no cap.
  LogSpool(std::string path, std::string channel, int64_t max_bytes,
           std::vector<std::string> secrets);
  ~LogSpool();
  LogSpool(const LogSpool&) = delete;
  LogSpool& operator=(const LogSpool&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  const std::string& channel() const { return channel_; }
  int64_t produced() const { return produced_; }

  // stream: 1 stdout, 2 stderr, 3 Arena's. An empty `raw` flushes what the
  // stream's masker holds back.
  void Append(int stream, absl::string_view raw);
  // Flushes every stream's masker (the attempt is over).
  void Flush();
  // Masks these too from now on (credentials that came after the start).
  void AddSecrets(const std::vector<std::string>& secrets);

  bool HasToSend() const { return synced_ && sent_ < produced_ && sent_ - acked_ < kWindowBytes; }
  bool AllSent() const { return synced_ && sent_ == produced_; }
  bool AllDurable() const { return acked_ == produced_; }
  // The next chunk (one stream, at most kMaxChunkBytes) for `attempt_id`.
  std::optional<v1::LogChunk> NextChunk(const std::string& attempt_id);
  // The controller holds `durable` bytes; the first ack after Resync says
  // where sending resumes.
  void Ack(int64_t durable);
  // A new connection: nothing is sent until its first Ack.
  void Resync() { synced_ = false; }
  // Closes and deletes the spool file.
  void Remove();

 private:
  // Masked bytes: capped, then written.
  void Emit(int stream, absl::string_view data);
  void Write(int stream, absl::string_view bytes);
  int StreamAt(int64_t offset) const;
  int64_t RunEnd(int64_t offset) const;  // chunks carry a single stream

  const std::string path_;
  const std::string channel_;
  const int64_t max_bytes_;
  std::vector<std::string> secrets_;
  int fd_ = -1;
  int64_t produced_ = 0;  // bytes in the spool
  int64_t sent_ = 0;      // bytes handed to the current connection
  int64_t acked_ = 0;     // bytes the controller holds durably
  bool synced_ = true;    // `sent_` is valid for the current connection
  bool truncated_ = false;
  std::vector<std::pair<int64_t, int>> runs_;  // (first offset, stream)
  std::map<int, SecretMasker> maskers_;
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_LOG_SPOOL_H_
