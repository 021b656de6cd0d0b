// Reads the answer of the Engine API's POST /images/create: one JSON object
// a line ({"status":"Downloading","id":L,"progressDetail":{"current":C,
// "total":T}}, ..., or {"error":M,"errorDetail":{...}} with HTTP 200) and
// sums the layers' bytes. The answer is dockerd's, so nothing in it is
// trusted: a malformed line is skipped, never thrown on.
//
// Also maps Docker's pull error messages onto Arena's typed failures.
// Not thread-safe: one owner (the pulling thread).
#ifndef ARENA_AGENT_EXECUTOR_PULL_PROGRESS_H_
#define ARENA_AGENT_EXECUTOR_PULL_PROGRESS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

struct PullLine {
  bool valid = false;  // a JSON object
  std::string status;
  std::string id;        // the layer, for per-layer lines
  int64_t current = -1;  // progressDetail, when given
  int64_t total = -1;
  std::string error;  // set on an error line
};

PullLine ParsePullLine(absl::string_view line);

class PullProgress {
 public:
  // Takes the next bytes of the answer (lines may be split anywhere).
  void Feed(absl::string_view data);
  // Download bytes over the layers seen so far; total counts only layers
  // whose size Docker has announced.
  int64_t done_bytes() const;
  int64_t total_bytes() const;
  int layers() const { return static_cast<int>(layers_.size()); }
  // The first error line's message; "" when none came.
  const std::string& error() const { return error_; }
  // "Digest: sha256:..." when Docker reported it.
  const std::string& digest() const { return digest_; }
  // Layer downloads dockerd itself began to retry ("Retrying in N
  // seconds" after a broken connection), one per episode.
  int retries() const { return retries_; }

 private:
  struct Layer {
    int64_t done = 0;
    int64_t total = -1;
    bool retrying = false;
  };
  void Take(const PullLine& line);

  std::string partial_;
  std::map<std::string, Layer> layers_;
  std::string error_;
  std::string digest_;
  int retries_ = 0;
};

// Docker's message for a failed pull (an error line or an HTTP error body)
// as Arena's failure of pulling `image` from `host`:
//   PermissionDenied "registry HOST refused credentials for NAME"
//   NotFound         "image NAME not found in HOST"
//   FailedPrecondition for a platform the image does not have (the caller
//                    names the platforms it has)
//   Unavailable      anything else (network, 5xx, timeouts): worth a retry
absl::Status ClassifyPullError(absl::string_view message, absl::string_view host,
                               absl::string_view image);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_PULL_PROGRESS_H_
