// Whole-file helpers for small files (certificates, tokens, state).
// Functions, no state of their own: thread-safe (concurrent writers of one file race, as files do).
#ifndef ARENA_COMMON_FILES_H_
#define ARENA_COMMON_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

absl::StatusOr<std::string> ReadFile(const std::string& path);
// Writes to a temporary file, fsyncs it and renames it over `path`, so a
// reader sees either the old or the new content.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data, int mode = 0644);
bool FileExists(const std::string& path);
absl::Status MakeDirs(const std::string& path, int mode = 0755);
// Removes a directory tree; missing paths are not an error.
absl::Status RemoveTree(const std::string& path);
// A relative "/"-separated path that stays below its root: not empty, not
// absolute, no "." or ".." or empty parts, no NUL, at most 1024 bytes.
bool IsSafeRelativePath(absl::string_view path);

}  // namespace arena

#endif  // ARENA_COMMON_FILES_H_
