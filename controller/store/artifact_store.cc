#include "controller/store/artifact_store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace arena {
namespace {

// Closes the descriptor when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::string ArtifactStore::PathFor(const std::string& job_id, const std::string& attempt_id,
                                   bool junit, const std::string& path) const {
  return absl::StrCat(root_, "/", job_id, "/", attempt_id, junit ? "/junit/" : "/files/", path);
}

absl::StatusOr<int64_t> ArtifactStore::Write(const std::string& job_id,
                                             const std::string& attempt_id, bool junit,
                                             const std::string& path, int64_t offset,
                                             absl::string_view data) {
  if (!IsSafeRelativePath(path)) {
    return absl::InvalidArgumentError(absl::StrCat("unsafe artifact path \"", path, "\""));
  }
  std::string full = PathFor(job_id, attempt_id, junit, path);
  RETURN_IF_ERROR(MakeDirs(full.substr(0, full.rfind('/'))));
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0);
  Fd file{open(full.c_str(), flags, 0644)};
  if (file.fd < 0) return absl::InternalError(absl::StrCat("open ", full, ": ", strerror(errno)));
  struct stat st;
  if (fstat(file.fd, &st) != 0) return absl::InternalError(absl::StrCat("stat ", full));
  if (offset != st.st_size) {
    return absl::FailedPreconditionError(
        absl::StrCat("artifact ", path, " has ", st.st_size, " bytes, got a chunk at ", offset));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pwrite(file.fd, data.data() + done, data.size() - done,
                       offset + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return errno == ENOSPC
                 ? absl::ResourceExhaustedError("disk full writing an artifact")
                 : absl::InternalError(absl::StrCat("write ", full, ": ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return offset + static_cast<int64_t>(data.size());
}

int64_t ArtifactStore::Size(const std::string& job_id, const std::string& attempt_id, bool junit,
                            const std::string& path) const {
  if (!IsSafeRelativePath(path)) return -1;
  struct stat st;
  std::string full = PathFor(job_id, attempt_id, junit, path);
  return stat(full.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

absl::Status ArtifactStore::Sync(const std::string& job_id, const std::string& attempt_id,
                                 bool junit, const std::string& path) const {
  if (!IsSafeRelativePath(path)) return absl::InvalidArgumentError("unsafe artifact path");
  std::string full = PathFor(job_id, attempt_id, junit, path);
  Fd file{open(full.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0 || fdatasync(file.fd) != 0) {
    return absl::InternalError(absl::StrCat("sync ", full, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ArtifactStore::Read(const std::string& job_id,
                                                const std::string& attempt_id, bool junit,
                                                const std::string& path, int64_t offset,
                                                int64_t max_bytes) const {
  if (!IsSafeRelativePath(path)) {
    return absl::InvalidArgumentError(absl::StrCat("unsafe artifact path \"", path, "\""));
  }
  std::string full = PathFor(job_id, attempt_id, junit, path);
  Fd file{open(full.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return absl::NotFoundError(absl::StrCat("no artifact ", path));
  std::string data(static_cast<size_t>(max_bytes), '\0');
  ssize_t n = pread(file.fd, data.data(), data.size(), offset);
  if (n < 0) return absl::InternalError(absl::StrCat("read ", full, ": ", strerror(errno)));
  data.resize(static_cast<size_t>(n));
  return data;
}

}  // namespace arena
