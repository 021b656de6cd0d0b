// A path on the host as the tar stream Docker's archive API returns for a
// path in a container: entries named from its last part, regular files,
// directories and symlinks (never followed), so the process executor's
// copies go through the same extractor and notes as the docker executor's
// (attempt_files.h). Paths must stay inside a directory: one that passes
// through a symlink is refused, and devices, fifos and sockets are left out
// with a note. Stateless; thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_LOCAL_ARCHIVE_H_
#define ARENA_AGENT_EXECUTOR_LOCAL_ARCHIVE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

// Streams `path` (absolute, normalised, below `root`) into `sink` until it
// returns false. NotFound when it does not exist; PermissionDenied when a
// directory on the way below `root` is a symlink; InvalidArgument past
// 100,000 entries. Left-out entries append a line to `notes`. With `owner`
// (a uid; -1: none), a hard-linked file owned by anyone else is left out:
// the command running as `owner` may have linked in a file only the agent
// could read.
absl::Status ArchiveLocalPath(const std::string& root, const std::string& path,
                              const std::function<bool(absl::string_view)>& sink,
                              std::vector<std::string>* notes, int64_t owner = -1);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_LOCAL_ARCHIVE_H_
