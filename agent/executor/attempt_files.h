// Copies an attempt's artifact and JUnit paths out of its container (or, for
// the process executor, its workspace on the host) into
// files_dir/{files,junit}, keeping each path's directories: "a/report.xml"
// and "b/report.xml" stay two files, an absolute "/out/files" is stored
// under "out/files". What cannot be copied (a symlink, a device, a name with
// a control character, a file past the attempt's byte limit, the
// container's root, a missing path) is not copied and becomes a note: one
// line, in the attempt's log and its record. Stateless; thread-compatible.
// Called by the executors on the attempt's thread; owns nothing.
#ifndef ARENA_AGENT_EXECUTOR_ATTEMPT_FILES_H_
#define ARENA_AGENT_EXECUTOR_ATTEMPT_FILES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/executor/executor.h"

namespace arena {

class DockerClient;

// Where a requested path is read and stored.
struct CopySource {
  std::string container_path;  // absolute, normalised
  std::string stored_dir;      // "" or a safe relative directory
};

// `path` as given by the job against the container's `working_dir` ("" for
// "/"). InvalidArgument when it names the root directory or cannot be
// stored safely.
absl::StatusOr<CopySource> SourceFor(const std::string& path, const std::string& working_dir);

// Streams the tar archive of one absolute path (entries named from its last
// part, as Docker's archive API does) into `sink` until it returns false.
// NotFound when the path does not exist.
using ArchiveSource = std::function<absl::Status(
    const std::string& path, const std::function<bool(absl::string_view)>& sink)>;

// Where the attempt's files are read.
struct FileOrigin {
  ArchiveSource archive;
  std::string working_dir;  // what relative paths are against ("" for "/")
  // Non-empty: paths outside this directory are refused (the process
  // executor's workspace).
  std::string confine_to;
  std::string where = "the container";  // for the notes
};

// Copies request.artifacts and request.junit; appends a note per problem.
std::vector<CopiedFile> CopyAttemptFiles(const FileOrigin& origin, const RunRequest& request,
                                         std::vector<std::string>* notes);
// The same out of a container.
std::vector<CopiedFile> CopyAttemptFiles(DockerClient& docker, const std::string& container,
                                         const std::string& working_dir, const RunRequest& request,
                                         std::vector<std::string>* notes);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_ATTEMPT_FILES_H_
