// A build context as the tar stream POST /build reads: the scanned entries
// (build_context.h) in order, ustar headers with PAX records for long
// names, uid and gid 0, contents read from disk as the stream is pulled, so
// the context is never held in memory or copied to disk.
// Owned by ImageBuilder for one build. Not thread-safe: one reader (curl's
// upload callback).
#ifndef ARENA_AGENT_EXECUTOR_CONTEXT_TAR_H_
#define ARENA_AGENT_EXECUTOR_CONTEXT_TAR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/executor/build_context.h"

namespace arena {

class ContextTar {
 public:
  // `entries` must outlive the stream.
  explicit ContextTar(const std::vector<ContextEntry>* entries) : entries_(*entries) {}
  ~ContextTar();
  ContextTar(const ContextTar&) = delete;
  ContextTar& operator=(const ContextTar&) = delete;

  // Up to `size` next bytes of the archive into `out`; 0 once it is over.
  // InvalidArgument when a file cannot be read or changed size meanwhile.
  absl::StatusOr<size_t> Read(char* out, size_t size);

 private:
  // Queues the headers of entries_[index_] and opens its file.
  absl::Status Begin();

  const std::vector<ContextEntry>& entries_;
  size_t index_ = 0;
  std::string pending_;  // headers, padding or the end-of-archive blocks
  size_t pending_pos_ = 0;
  int fd_ = -1;
  int64_t file_left_ = 0;  // bytes of the current file still to read
  int64_t file_size_ = 0;
  bool in_entry_ = false;  // entries_[index_] begun, not yet padded
  bool ended_ = false;
};

// The ustar header block(s) for one entry (a PAX record first when its
// name or link target does not fit).
std::string TarHeaders(const ContextEntry& entry);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_CONTEXT_TAR_H_
