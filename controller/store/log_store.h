// Attempt logs on disk: DATA/logs/JOB/ATTEMPT.log holds the bytes exactly as
// the container produced them (stdout and stderr interleaved in arrival
// order); ATTEMPT.streams tags them: one "OFFSET STREAM" line each time the
// stream changes (1 stdout, 2 stderr, 3 Arena's own messages).
//
// An attempt's other log channels (common/log_channel.h: "build", later
// "service:NAME") are files of their own beside it, ATTEMPT.CHANNEL.log
// (and .streams), with their own offsets; every call takes the channel, ""
// for the task's own log. A channel the rule refuses is InvalidArgument.
//
// Appends are idempotent by offset, so a chunk resent after a reconnect is
// stored once. They are made durable in groups: Sync() fdatasyncs every log
// appended to since the last one (the scheduler calls it once per batch of
// events, before it acknowledges any of them). Owner: the Controller.
// Thread-safe. Readers wait for new bytes on JobEvents.
#ifndef ARENA_CONTROLLER_STORE_LOG_STORE_H_
#define ARENA_CONTROLLER_STORE_LOG_STORE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arena {

class JobEvents;

class LogStore {
 public:
  // `events` (may be null) hears of every append; it must outlive the store.
  LogStore(std::string root, JobEvents* events) : root_(std::move(root)), events_(events) {}
  ~LogStore();

  // Stores `data` found at `offset` of the attempt's log and returns the
  // stored length, durable once Sync() returns. Bytes already stored are
  // skipped; a gap (offset beyond the stored length) is refused with
  // FailedPrecondition.
  absl::StatusOr<int64_t> Append(const std::string& job_id, const std::string& attempt_id,
                                 int64_t offset, absl::string_view data, int stream,
                                 const std::string& channel = "");
  // Up to `max_bytes` bytes from `offset`; empty at the end.
  absl::StatusOr<std::string> Read(const std::string& job_id, const std::string& attempt_id,
                                   int64_t offset, int64_t max_bytes,
                                   const std::string& channel = "") const;
  // Makes every append so far durable.
  absl::Status Sync();
  // 0 for a log (or channel) nothing was stored in, or a refused channel.
  int64_t Size(const std::string& job_id, const std::string& attempt_id,
               const std::string& channel = "") const;
  // The bytes of one stream (1 stdout, 2 stderr, 3 Arena's) among the first
  // `max_bytes` of the log.
  absl::StatusOr<std::string> ReadStream(const std::string& job_id, const std::string& attempt_id,
                                         int stream, int64_t max_bytes) const;

 private:
  // DATA/logs/JOB/ATTEMPT[.CHANNEL]; add ".log" or ".streams".
  std::string BaseFor(const std::string& job_id, const std::string& attempt_id,
                      const std::string& channel) const;

  struct OpenLog {
    int fd = -1;
    int64_t size = 0;
    bool dirty = false;  // appended to since the last Sync
  };
  // Closes every log (and index) with nothing left to sync.
  void CloseClean() ABSL_EXCLUSIVE_LOCKS_REQUIRED(files_mu_);
  // The open entry for `path` (a log or its .streams index), opened for
  // appending if need be. Valid until the next CloseClean.
  absl::StatusOr<OpenLog*> Opened(const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(files_mu_);
  // Appends and marks it for the next Sync; on a short write the size is
  // what the file holds.
  absl::Status AppendTo(const std::string& path, OpenLog* log, absl::string_view data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(files_mu_);

  const std::string root_;
  // Writers' state; Sync holds it. Readers take no lock (pread on files
  // that only grow).
  absl::Mutex files_mu_;
  std::map<std::string, OpenLog> open_ ABSL_GUARDED_BY(files_mu_);     // by path
  std::map<std::string, int> last_stream_ ABSL_GUARDED_BY(files_mu_);  // by base path
  JobEvents* const events_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_LOG_STORE_H_
