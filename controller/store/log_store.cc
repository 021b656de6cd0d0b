#include "controller/store/log_store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/log_channel.h"
#include "common/status_macros.h"
#include "controller/store/job_events.h"

namespace arena {
namespace {

absl::Status WriteAll(int fd, absl::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return errno == ENOSPC ? absl::ResourceExhaustedError("disk full writing log")
                             : absl::InternalError(absl::StrCat("log write: ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

std::string LogStore::BaseFor(const std::string& job_id, const std::string& attempt_id,
                              const std::string& channel) const {
  std::string base = absl::StrCat(root_, "/", job_id, "/", attempt_id);
  if (!channel.empty()) absl::StrAppend(&base, ".", channel);
  return base;
}

LogStore::~LogStore() {
  absl::MutexLock lock(&files_mu_);
  for (auto& [path, log] : open_) close(log.fd);
}

void LogStore::CloseClean() {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.dirty) {
      ++it;
      continue;
    }
    close(it->second.fd);
    // The next append writes the run's stream again: a repeated index line
    // is harmless, and the map holds only open logs.
    if (absl::EndsWith(it->first, ".log")) {
      last_stream_.erase(it->first.substr(0, it->first.size() - 4));
    }
    it = open_.erase(it);
  }
}

absl::StatusOr<LogStore::OpenLog*> LogStore::Opened(const std::string& path) {
  auto it = open_.find(path);
  if (it != open_.end()) return &it->second;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", strerror(errno)));
  return &open_.emplace(path, OpenLog{fd, FileSize(path), false}).first->second;
}

absl::Status LogStore::AppendTo(const std::string& path, OpenLog* log, absl::string_view data) {
  absl::Status status = WriteAll(log->fd, data);
  log->dirty = true;  // the next Sync covers it before anything past it is acknowledged
  if (!status.ok()) {
    // A partial write: the file says how much landed.
    struct stat st;
    if (fstat(log->fd, &st) == 0) log->size = static_cast<int64_t>(st.st_size);
    return absl::InternalError(absl::StrCat("write ", path, ": ", status.message()));
  }
  log->size += static_cast<int64_t>(data.size());
  return absl::OkStatus();
}

absl::StatusOr<int64_t> LogStore::Append(const std::string& job_id, const std::string& attempt_id,
                                         int64_t offset, absl::string_view data, int stream,
                                         const std::string& channel) {
  constexpr size_t kMaxOpen = 256;
  RETURN_IF_ERROR(CheckLogChannel(channel));
  absl::MutexLock lock(&files_mu_);
  const std::string base = BaseFor(job_id, attempt_id, channel);
  std::string path = absl::StrCat(base, ".log");
  auto it = open_.find(path);
  int64_t size = it != open_.end() ? it->second.size : FileSize(path);
  if (offset > size) {
    return absl::FailedPreconditionError(absl::StrCat("log gap for attempt ", attempt_id, ": have ",
                                                      size, " bytes, got offset ", offset));
  }
  int64_t skip = size - offset;
  if (skip >= static_cast<int64_t>(data.size())) return size;
  data.remove_prefix(static_cast<size_t>(skip));
  // Room for the log and its index before either is opened, so neither
  // entry is closed under the other.
  if (open_.size() + 2 > kMaxOpen) CloseClean();
  RETURN_IF_ERROR(MakeDirs(absl::StrCat(root_, "/", job_id)));
  ASSIGN_OR_RETURN(OpenLog * log, Opened(path));
  auto last = last_stream_.find(base);
  if (last == last_stream_.end() || last->second != stream) {
    // The run's index line goes first: bytes never land without it, and a
    // line for bytes that did not land starts a run that is empty.
    std::string index_path = absl::StrCat(base, ".streams");
    ASSIGN_OR_RETURN(OpenLog * index, Opened(index_path));
    RETURN_IF_ERROR(AppendTo(index_path, index, absl::StrCat(size, " ", stream, "\n")));
    last_stream_[base] = stream;
  }
  RETURN_IF_ERROR(AppendTo(path, log, data));
  int64_t stored = log->size;
  if (events_ != nullptr) events_->LogsGrew();  // log readers wake, job watchers do not
  return stored;
}

absl::Status LogStore::Sync() {
  absl::MutexLock lock(&files_mu_);
  absl::Status status;
  for (auto& [path, log] : open_) {
    if (!log.dirty) continue;
    if (fdatasync(log.fd) == 0) {
      log.dirty = false;
    } else if (status.ok()) {  // stays dirty: every later Sync fails until it succeeds
      status = absl::InternalError(absl::StrCat("log fdatasync ", path, ": ", strerror(errno)));
    }
  }
  return status;
}

absl::StatusOr<std::string> LogStore::Read(const std::string& job_id, const std::string& attempt_id,
                                           int64_t offset, int64_t max_bytes,
                                           const std::string& channel) const {
  RETURN_IF_ERROR(CheckLogChannel(channel));
  std::string path = absl::StrCat(BaseFor(job_id, attempt_id, channel), ".log");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string();
  std::string out(static_cast<size_t>(max_bytes), '\0');
  ssize_t n = pread(fd, out.data(), out.size(), offset);
  close(fd);
  if (n < 0) return absl::InternalError(absl::StrCat("read ", path, ": ", strerror(errno)));
  out.resize(static_cast<size_t>(n));
  return out;
}

absl::StatusOr<std::string> LogStore::ReadStream(const std::string& job_id,
                                                 const std::string& attempt_id, int stream,
                                                 int64_t max_bytes) const {
  ASSIGN_OR_RETURN(std::string all, Read(job_id, attempt_id, 0, max_bytes));
  absl::StatusOr<std::string> index =
      ReadFile(absl::StrCat(BaseFor(job_id, attempt_id, ""), ".streams"));
  if (!index.ok()) return std::string();
  // Runs of (start offset, stream); each lasts until the next one starts.
  std::vector<std::pair<int64_t, int>> runs;
  for (absl::string_view line : absl::StrSplit(*index, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(line, ' ');
    int64_t start = 0;
    int s = 0;
    if (absl::SimpleAtoi(parts.first, &start) && absl::SimpleAtoi(parts.second, &s)) {
      runs.emplace_back(start, s);
    }
  }
  std::string out;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].second != stream) continue;
    int64_t start = std::min<int64_t>(runs[i].first, static_cast<int64_t>(all.size()));
    int64_t end = i + 1 < runs.size() ? std::min<int64_t>(runs[i + 1].first, all.size())
                                      : static_cast<int64_t>(all.size());
    if (end > start) out.append(all, static_cast<size_t>(start), static_cast<size_t>(end - start));
  }
  return out;
}

int64_t LogStore::Size(const std::string& job_id, const std::string& attempt_id,
                       const std::string& channel) const {
  if (!CheckLogChannel(channel).ok()) return 0;
  return FileSize(absl::StrCat(BaseFor(job_id, attempt_id, channel), ".log"));
}

}  // namespace arena
