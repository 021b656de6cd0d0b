// What one attempt sends the controller from the agent's disk: its task log
// and its other log channels ("build"), one LogSpool each, and, once it has
// ended, the files copied out of its container (artifacts, JUnit reports).
//
// Owned by the session's entry for the attempt and shared with the Outbox;
// appends come from the attempt's thread, reads and acks from the
// connection's threads. Thread-safe: its own mutex guards every spool and
// file cursor, so pread, pwrite and the removal of its files never run
// under the session's or the outbox's lock.
#ifndef ARENA_AGENT_SESSION_OUTPUT_SPOOL_H_
#define ARENA_AGENT_SESSION_OUTPUT_SPOOL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "agent/executor/executor.h"
#include "agent/session/log_spool.h"
#include "arena/v1/agent.pb.h"

namespace arena {

class OutputSpool {
 public:
  // The task's log is `spool_dir`/ID.log, a channel's ID.CHANNEL.log;
  // `files_dir` ("" when the attempt copies no files) is where the executor
  // puts the copies. `secrets` are masked in every log.
  OutputSpool(std::string spool_dir, std::string attempt_id, int64_t max_log_bytes,
              std::vector<std::string> secrets, std::string files_dir);
  OutputSpool(const OutputSpool&) = delete;
  OutputSpool& operator=(const OutputSpool&) = delete;

  const std::string& attempt_id() const { return attempt_id_; }
  const std::string& files_dir() const { return files_dir_; }
  // Whether the task log's spool file could be created, and its path.
  bool ok() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string log_path() const ABSL_LOCKS_EXCLUDED(mu_);

  // The task's output (stream 1 stdout, 2 stderr, 3 Arena's).
  void Append(int stream, absl::string_view data) ABSL_LOCKS_EXCLUDED(mu_);
  // Another log channel's output; a channel's spool is made with its first
  // bytes; an invalid channel name is dropped.
  void AppendChannel(const std::string& channel, absl::string_view data) ABSL_LOCKS_EXCLUDED(mu_);
  // Flushes what every stream's masker holds back (the attempt is over).
  void Flush() ABSL_LOCKS_EXCLUDED(mu_);
  // Masks these too from now on, in every log.
  void AddSecrets(const std::vector<std::string>& secrets) ABSL_LOCKS_EXCLUDED(mu_);

  // Bytes of the task's log so far (what its terminal event counts).
  int64_t log_produced() const ABSL_LOCKS_EXCLUDED(mu_);
  // The channels other than the task's log, by name.
  std::vector<std::string> channels() const ABSL_LOCKS_EXCLUDED(mu_);
  // A new connection: logs wait for their LogAck, files go from the start.
  void Resync() ABSL_LOCKS_EXCLUDED(mu_);
  // The controller holds `durable` bytes of `channel` ("" the task's log).
  void Ack(const std::string& channel, int64_t durable) ABSL_LOCKS_EXCLUDED(mu_);

  bool HasLogToSend() const ABSL_LOCKS_EXCLUDED(mu_);
  // The task's log is all sent and every other channel durable: the result
  // may follow (its event counts only the task's log, so the channels' bytes
  // must be stored before it is recorded).
  bool LogsDone() const ABSL_LOCKS_EXCLUDED(mu_);
  // The next log chunk (the task's log first), or nullopt.
  std::optional<v1::LogChunk> NextLogChunk() ABSL_LOCKS_EXCLUDED(mu_);

  // The copies the executor made, sent after the logs, before the result.
  void SetFiles(std::vector<CopiedFile> files) ABSL_LOCKS_EXCLUDED(mu_);
  bool HasFileToSend() const ABSL_LOCKS_EXCLUDED(mu_);
  // The next piece of the current file. nullopt when that file could not be
  // read: it is dropped from the manifest and `*note` says so.
  std::optional<v1::FileChunk> NextFileChunk(std::string* note) ABSL_LOCKS_EXCLUDED(mu_);
  // The files still in the manifest, into the result.
  void AddManifest(v1::TaskEvent* event) const ABSL_LOCKS_EXCLUDED(mu_);

  // Deletes the spool files and the files' copies.
  void Remove() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::string spool_dir_;
  const std::string attempt_id_;
  const int64_t max_log_bytes_;
  const std::string files_dir_;
  mutable absl::Mutex mu_;
  std::vector<std::string> secrets_ ABSL_GUARDED_BY(mu_);
  LogSpool log_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<LogSpool>> channels_ ABSL_GUARDED_BY(mu_);
  std::vector<CopiedFile> files_ ABSL_GUARDED_BY(mu_);
  size_t file_index_ ABSL_GUARDED_BY(mu_) = 0;  // the file being sent
  int64_t file_sent_ ABSL_GUARDED_BY(mu_) = 0;  // bytes of it handed to the connection
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_OUTPUT_SPOOL_H_
