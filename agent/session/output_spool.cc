#include "agent/session/output_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/log_channel.h"
#include "common/logging.h"

namespace arena {

OutputSpool::OutputSpool(std::string spool_dir, std::string attempt_id, int64_t max_log_bytes,
                         std::vector<std::string> secrets, std::string files_dir)
    : spool_dir_(std::move(spool_dir)),
      attempt_id_(std::move(attempt_id)),
      max_log_bytes_(max_log_bytes),
      files_dir_(std::move(files_dir)),
      secrets_(secrets),
      log_(absl::StrCat(spool_dir_, "/", attempt_id_, ".log"), "", max_log_bytes,
           std::move(secrets)) {}

bool OutputSpool::ok() const {
  absl::MutexLock lock(&mu_);
  return log_.ok();
}

std::string OutputSpool::log_path() const {
  absl::MutexLock lock(&mu_);
  return log_.path();
}

void OutputSpool::Append(int stream, absl::string_view data) {
  absl::MutexLock lock(&mu_);
  log_.Append(stream, data);
}

void OutputSpool::AppendChannel(const std::string& channel, absl::string_view data) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<LogSpool>& spool = channels_[channel];
  if (spool == nullptr) {
    if (!CheckLogChannel(channel).ok()) {
      channels_.erase(channel);
      return;
    }
    spool =
        std::make_unique<LogSpool>(absl::StrCat(spool_dir_, "/", attempt_id_, ".", channel, ".log"),
                                   channel, max_log_bytes_, secrets_);
    if (!spool->ok()) LogLine("session", absl::StrCat("cannot create the spool ", spool->path()));
  }
  spool->Append(v1::LOG_STREAM_STDOUT, data);
}

void OutputSpool::Flush() {
  absl::MutexLock lock(&mu_);
  log_.Flush();
  for (auto& [name, spool] : channels_) spool->Flush();
}

void OutputSpool::AddSecrets(const std::vector<std::string>& secrets) {
  absl::MutexLock lock(&mu_);
  secrets_.insert(secrets_.end(), secrets.begin(), secrets.end());
  log_.AddSecrets(secrets);
  for (auto& [name, spool] : channels_) spool->AddSecrets(secrets);
}

int64_t OutputSpool::log_produced() const {
  absl::MutexLock lock(&mu_);
  return log_.produced();
}

std::vector<std::string> OutputSpool::channels() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, spool] : channels_) names.push_back(name);
  return names;
}

void OutputSpool::Resync() {
  absl::MutexLock lock(&mu_);
  log_.Resync();
  for (auto& [name, spool] : channels_) spool->Resync();
  file_index_ = 0;  // files go again from their start
  file_sent_ = 0;
}

void OutputSpool::Ack(const std::string& channel, int64_t durable) {
  absl::MutexLock lock(&mu_);
  if (channel.empty()) {
    log_.Ack(durable);
    return;
  }
  auto it = channels_.find(channel);
  if (it != channels_.end()) it->second->Ack(durable);
}

bool OutputSpool::HasLogToSend() const {
  absl::MutexLock lock(&mu_);
  if (log_.HasToSend()) return true;
  for (const auto& [name, spool] : channels_) {
    if (spool->HasToSend()) return true;
  }
  return false;
}

bool OutputSpool::LogsDone() const {
  absl::MutexLock lock(&mu_);
  if (!log_.AllSent()) return false;
  for (const auto& [name, spool] : channels_) {
    if (!spool->AllSent() || !spool->AllDurable()) return false;
  }
  return true;
}

std::optional<v1::LogChunk> OutputSpool::NextLogChunk() {
  absl::MutexLock lock(&mu_);
  std::optional<v1::LogChunk> chunk = log_.NextChunk(attempt_id_);
  for (auto it = channels_.begin(); !chunk.has_value() && it != channels_.end(); ++it) {
    chunk = it->second->NextChunk(attempt_id_);
  }
  return chunk;
}

void OutputSpool::SetFiles(std::vector<CopiedFile> files) {
  absl::MutexLock lock(&mu_);
  files_ = std::move(files);
  file_index_ = 0;
  file_sent_ = 0;
}

bool OutputSpool::HasFileToSend() const {
  absl::MutexLock lock(&mu_);
  return file_index_ < files_.size();
}

std::optional<v1::FileChunk> OutputSpool::NextFileChunk(std::string* note) {
  absl::MutexLock lock(&mu_);
  if (file_index_ >= files_.size()) return std::nullopt;
  const CopiedFile& file = files_[file_index_];
  std::string data(
      static_cast<size_t>(std::min<int64_t>(LogSpool::kMaxChunkBytes, file.size - file_sent_)),
      '\0');
  int fd = open(file.local_path.c_str(), O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : pread(fd, data.data(), data.size(), file_sent_);
  if (fd >= 0) close(fd);
  if (n < 0 || (n == 0 && !data.empty())) {
    // The copy vanished (a full or wiped disk): drop it from the manifest.
    Log(LogLevel::kWarn, "session", absl::StrCat("cannot read ", file.local_path, "; not sent"));
    *note = absl::StrCat(file.junit ? "JUnit report " : "artifact ", file.path,
                         ": not sent: its copy on the agent could not be read");
    files_.erase(files_.begin() + static_cast<long>(file_index_));
    file_sent_ = 0;
    return std::nullopt;
  }
  data.resize(static_cast<size_t>(n));
  v1::FileChunk chunk;
  chunk.set_attempt_id(attempt_id_);
  chunk.set_path(file.path);
  chunk.set_kind(file.junit ? v1::FILE_KIND_JUNIT : v1::FILE_KIND_ARTIFACT);
  chunk.set_offset(file_sent_);
  chunk.set_data(std::move(data));
  file_sent_ += n;
  if (file_sent_ >= file.size) {
    ++file_index_;
    file_sent_ = 0;
  }
  return chunk;
}

void OutputSpool::AddManifest(v1::TaskEvent* event) const {
  absl::MutexLock lock(&mu_);
  for (const CopiedFile& file : files_) {
    v1::FileInfo* info = event->add_files();
    info->set_path(file.path);
    info->set_kind(file.junit ? v1::FILE_KIND_JUNIT : v1::FILE_KIND_ARTIFACT);
    info->set_size(file.size);
  }
}

void OutputSpool::Remove() {
  absl::MutexLock lock(&mu_);
  log_.Remove();
  for (auto& [name, spool] : channels_) spool->Remove();
  if (!files_dir_.empty()) RemoveTree(files_dir_).IgnoreError();
}

}  // namespace arena
