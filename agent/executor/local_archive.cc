#include "agent/executor/local_archive.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/executor/build_context.h"
#include "agent/executor/context_tar.h"

namespace arena {
namespace {

constexpr size_t kMaxEntries = 100000;

// Refuses a path whose directories below `root` include a symlink (the
// last part may be one: it is archived as a link, not followed).
absl::Status CheckDirectories(const std::string& root, const std::string& path) {
  std::string below = path.substr(root.size());
  std::vector<std::string> parts = absl::StrSplit(below, '/', absl::SkipEmpty());
  std::string at = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    at = absl::StrCat(at, "/", parts[i]);
    struct stat st;
    if (lstat(at.c_str(), &st) != 0) return absl::NotFoundError(at);
    if (S_ISLNK(st.st_mode)) {
      return absl::PermissionDeniedError(
          absl::StrCat("its directory ", at.substr(root.size() + 1), " is a symlink"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ContextEntry> EntryFor(const std::string& local, const std::string& name,
                                      const struct stat& st) {
  ContextEntry entry{name, local, st.st_mode, 0, static_cast<int64_t>(st.st_mtime), ""};
  if (S_ISREG(st.st_mode)) entry.size = static_cast<int64_t>(st.st_size);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(local.c_str(), target, sizeof(target));
    if (n < 0) return absl::InvalidArgumentError(absl::StrCat("cannot read the link ", name));
    entry.link_target.assign(target, static_cast<size_t>(n));
  }
  return entry;
}

// The entries of `local` and, for a directory, everything below it, in
// order; devices, fifos and sockets noted and left out, and so are hard
// links to files `owner` does not own (the command could link a file only
// the agent may read into its workspace).
absl::Status Collect(const std::string& root, const std::string& local, const std::string& name,
                     int64_t owner, std::vector<ContextEntry>* entries,
                     std::vector<std::string>* notes) {
  std::vector<std::pair<std::string, std::string>> stack = {{local, name}};
  while (!stack.empty()) {
    auto [at, rel] = stack.back();
    stack.pop_back();
    struct stat st;
    if (lstat(at.c_str(), &st) != 0) continue;  // gone meanwhile
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
      notes->push_back(absl::StrCat("skipped ", at.substr(root.size() + 1),
                                    ": not a regular file (a device, fifo or socket)"));
      continue;
    }
    if (owner >= 0 && S_ISREG(st.st_mode) && st.st_nlink > 1 &&
        static_cast<int64_t>(st.st_uid) != owner) {
      notes->push_back(absl::StrCat("skipped ", at.substr(root.size() + 1),
                                    ": a hard link to a file the command's user does not own"));
      continue;
    }
    absl::StatusOr<ContextEntry> entry = EntryFor(at, rel, st);
    if (!entry.ok()) return entry.status();
    entries->push_back(std::move(*entry));
    if (entries->size() > kMaxEntries) {
      return absl::InvalidArgumentError(absl::StrCat("over ", kMaxEntries, " files"));
    }
    if (!S_ISDIR(st.st_mode)) continue;
    DIR* dir = opendir(at.c_str());
    if (dir == nullptr) return absl::InvalidArgumentError(absl::StrCat("cannot list ", rel));
    std::vector<std::string> names;
    while (struct dirent* child = readdir(dir)) {
      std::string child_name = child->d_name;
      if (child_name != "." && child_name != "..") names.push_back(child_name);
    }
    closedir(dir);
    // Reverse order on the stack: the archive lists them sorted.
    std::sort(names.rbegin(), names.rend());
    for (const std::string& n : names) stack.push_back({at + "/" + n, rel + "/" + n});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ArchiveLocalPath(const std::string& root, const std::string& path,
                              const std::function<bool(absl::string_view)>& sink,
                              std::vector<std::string>* notes, int64_t owner) {
  absl::Status checked = CheckDirectories(root, path);
  if (!checked.ok()) return checked;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return absl::NotFoundError(path);
  std::vector<ContextEntry> entries;
  std::string name = path.substr(path.rfind('/') + 1);
  absl::Status collected = Collect(root, path, name, owner, &entries, notes);
  if (!collected.ok()) return collected;
  ContextTar tar(&entries);
  char buffer[64 << 10];
  while (true) {
    absl::StatusOr<size_t> n = tar.Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::OkStatus();
    if (!sink(absl::string_view(buffer, *n))) return absl::OkStatus();
  }
}

}  // namespace arena
