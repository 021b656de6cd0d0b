#include "agent/executor/attempt_files.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "agent/executor/docker_client.h"
#include "common/files.h"
#include "common/tar.h"

namespace arena {
namespace {

// The parts of a "/"-separated path with "", "." and ".." resolved; false
// when ".." climbs above the start.
bool Normalize(absl::string_view path, std::vector<std::string>* parts) {
  parts->clear();
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (parts->empty()) return false;
      parts->pop_back();
      continue;
    }
    parts->emplace_back(part);
  }
  return true;
}

// Whether `path` (absolute, normalised) is `dir` or below it.
bool Inside(const std::string& path, const std::string& dir) {
  return path == dir || absl::StartsWith(path, dir + "/");
}

// Copies one requested path, spending `budget`.
void CopyOne(const FileOrigin& origin, const std::string& path, bool junit,
             const RunRequest& request, int64_t* budget, std::vector<CopiedFile>* copied,
             std::vector<std::string>* notes, std::vector<std::string>* missing) {
  std::string what = absl::StrCat(junit ? "JUnit report " : "artifact ", absl::CEscape(path));
  absl::StatusOr<CopySource> source = SourceFor(path, origin.working_dir);
  if (source.ok() && !origin.confine_to.empty() &&
      (!Inside(source->container_path, origin.confine_to) ||
       source->container_path == origin.confine_to)) {
    source = absl::InvalidArgumentError(
        source->container_path == origin.confine_to
            ? "it names the workspace itself; name the directories or files to copy"
            : "it is outside the attempt's workspace");
  }
  if (!source.ok()) {
    notes->push_back(absl::StrCat(what, ": not copied: ", source.status().message()));
    return;
  }
  std::string dir = absl::StrCat(request.files_dir, junit ? "/junit" : "/files",
                                 source->stored_dir.empty() ? "" : "/", source->stored_dir);
  TarExtractor tar(dir, *budget);
  absl::Status fed;
  absl::Status status = origin.archive(source->container_path, [&](absl::string_view data) {
    fed = tar.Feed(data);
    return fed.ok();
  });
  if (!fed.ok()) status = fed;
  if (status.ok()) status = tar.Finish();
  *budget -= tar.bytes();
  std::string stored_prefix = source->stored_dir.empty() ? "" : source->stored_dir + "/";
  for (const TarExtractor::File& file : tar.files()) {
    std::string stored = stored_prefix + file.path;
    auto same = std::find_if(copied->begin(), copied->end(), [&](const CopiedFile& c) {
      return c.junit == junit && c.path == stored;
    });
    if (same != copied->end()) {
      notes->push_back(absl::StrCat(what, ": ", stored, " was copied before by another path; ",
                                    "this copy replaces it"));
      copied->erase(same);
    }
    copied->push_back({stored, junit, absl::StrCat(dir, "/", file.path), file.size});
  }
  for (const TarExtractor::Skipped& skipped : tar.skipped()) {
    std::string why =
        skipped.over_limit
            ? absl::StrCat("its ", skipped.size, " bytes would pass the ",
                           request.max_file_bytes >> 20, " MiB limit for an attempt's files")
            : skipped.why;
    notes->push_back(absl::StrCat(what, ": skipped ", stored_prefix, skipped.path, ": ", why));
  }
  if (absl::IsNotFound(status)) {
    missing->push_back(path);
  } else if (!status.ok()) {
    notes->push_back(absl::StrCat(what, ": copy failed: ", status.message()));
  } else if (tar.files().empty() && tar.skipped().empty()) {
    notes->push_back(absl::StrCat(what, ": nothing to copy (an empty directory)"));
  }
}

}  // namespace

absl::StatusOr<CopySource> SourceFor(const std::string& path, const std::string& working_dir) {
  bool absolute = !path.empty() && path[0] == '/';
  std::string full = absolute ? path : absl::StrCat(working_dir, "/", path);
  std::vector<std::string> parts;
  if (!Normalize(full, &parts)) {
    return absl::InvalidArgumentError("it climbs above the container's root");
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(
        "it names the container's root directory; name the directories or files to copy");
  }
  CopySource source;
  source.container_path = absl::StrCat("/", absl::StrJoin(parts, "/"));
  // Stored as given: relative paths below the working directory, absolute
  // ones (and relative ones that climb out of it) from the root.
  std::vector<std::string> stored;
  if (absolute || !Normalize(path, &stored) || stored.empty()) stored = parts;
  stored.pop_back();  // the archive's entries are named from the last part
  source.stored_dir = absl::StrJoin(stored, "/");
  if (!source.stored_dir.empty() && !IsSafeRelativePath(source.stored_dir)) {
    return absl::InvalidArgumentError("its directory cannot be stored safely");
  }
  if (std::any_of(path.begin(), path.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return absl::InvalidArgumentError(
        "its name holds a control character (it could not be downloaded)");
  }
  return source;
}

std::vector<CopiedFile> CopyAttemptFiles(DockerClient& docker, const std::string& container,
                                         const std::string& working_dir, const RunRequest& request,
                                         std::vector<std::string>* notes) {
  FileOrigin origin;
  origin.archive = [&docker, &container](const std::string& path,
                                         const std::function<bool(absl::string_view)>& sink) {
    return docker.ArchiveOut(container, path, sink);
  };
  origin.working_dir = working_dir;
  return CopyAttemptFiles(origin, request, notes);
}

std::vector<CopiedFile> CopyAttemptFiles(const FileOrigin& origin, const RunRequest& request,
                                         std::vector<std::string>* notes) {
  std::vector<CopiedFile> copied;
  if (request.files_dir.empty()) return copied;
  std::vector<std::string> missing, left;
  int64_t budget = request.max_file_bytes;
  for (bool junit : {false, true}) {
    for (const std::string& path : junit ? request.junit : request.artifacts) {
      if (budget <= 0) {
        left.push_back(path);
        continue;
      }
      CopyOne(origin, path, junit, request, &budget, &copied, notes, &missing);
    }
  }
  if (!missing.empty()) {
    notes->push_back(
        absl::StrCat("not in ", origin.where, " (nothing copied): ", absl::StrJoin(missing, ", ")));
  }
  if (!left.empty()) {
    notes->push_back(
        absl::StrCat("not copied, the ", request.max_file_bytes >> 20,
                     " MiB limit for an attempt's files was reached: ", absl::StrJoin(left, ", ")));
  }
  // A copy whose size is not what the archive said is not shipped.
  copied.erase(std::remove_if(copied.begin(), copied.end(),
                              [notes](const CopiedFile& c) {
                                struct stat st;
                                if (stat(c.local_path.c_str(), &st) == 0 && st.st_size == c.size)
                                  return false;
                                notes->push_back(absl::StrCat(c.path,
                                                              ": not shipped: its copy "
                                                              "on the agent is incomplete"));
                                return true;
                              }),
               copied.end());
  return copied;
}

}  // namespace arena
