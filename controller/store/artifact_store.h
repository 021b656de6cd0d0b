// Files copied out of attempts' containers: DATA/artifacts/JOB/ATTEMPT/KIND/PATH
// (KIND is "files" or "junit"). Chunks arrive in order; offset 0 starts a file
// over (a resend after a reconnect). Files are synced once, when the attempt's
// terminal event is recorded, not per chunk.
//
// Owner: the Controller (the scheduler and the API use it). Thread-safe.
#ifndef ARENA_CONTROLLER_STORE_ARTIFACT_STORE_H_
#define ARENA_CONTROLLER_STORE_ARTIFACT_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

class ArtifactStore {
 public:
  explicit ArtifactStore(std::string root) : root_(std::move(root)) {}

  // Writes `data` at `offset`; returns the file's new size. InvalidArgument
  // for an unsafe path, FailedPrecondition for a gap, ResourceExhausted when
  // the disk is full.
  absl::StatusOr<int64_t> Write(const std::string& job_id, const std::string& attempt_id,
                                bool junit, const std::string& path, int64_t offset,
                                absl::string_view data);
  // The stored size, or -1 when the file does not exist.
  int64_t Size(const std::string& job_id, const std::string& attempt_id, bool junit,
               const std::string& path) const;
  absl::Status Sync(const std::string& job_id, const std::string& attempt_id, bool junit,
                    const std::string& path) const;
  absl::StatusOr<std::string> Read(const std::string& job_id, const std::string& attempt_id,
                                   bool junit, const std::string& path, int64_t offset,
                                   int64_t max_bytes) const;

 private:
  std::string PathFor(const std::string& job_id, const std::string& attempt_id, bool junit,
                      const std::string& path) const;

  const std::string root_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_ARTIFACT_STORE_H_
