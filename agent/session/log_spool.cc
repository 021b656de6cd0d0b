#include "agent/session/log_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace arena {

LogSpool::LogSpool(std::string path, std::string channel, int64_t max_bytes,
                   std::vector<std::string> secrets)
    : path_(std::move(path)),
      channel_(std::move(channel)),
      max_bytes_(max_bytes),
      secrets_(std::move(secrets)) {
  fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

LogSpool::~LogSpool() {
  if (fd_ >= 0) close(fd_);
}

void LogSpool::Remove() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  unlink(path_.c_str());
}

void LogSpool::Append(int stream, absl::string_view raw) {
  if (truncated_ || fd_ < 0) return;
  if (secrets_.empty()) return Emit(stream, raw);
  auto it = maskers_.find(stream);
  if (it == maskers_.end()) it = maskers_.emplace(stream, SecretMasker(secrets_)).first;
  Emit(stream, raw.empty() ? it->second.Flush() : it->second.Feed(raw));
}

void LogSpool::Emit(int stream, absl::string_view data) {
  if (truncated_ || fd_ < 0) return;
  std::string marker;
  if (max_bytes_ > 0 && produced_ + static_cast<int64_t>(data.size()) > max_bytes_) {
    data = data.substr(0, static_cast<size_t>(std::max<int64_t>(0, max_bytes_ - produced_)));
    marker = absl::StrCat("\n[arena: log truncated: the task printed more than ", max_bytes_,
                          " bytes; the rest was dropped]\n");
    truncated_ = true;
  }
  Write(stream, data);
  Write(v1::LOG_STREAM_SYSTEM, marker);
}

void LogSpool::Flush() {
  for (int stream : {v1::LOG_STREAM_STDOUT, v1::LOG_STREAM_STDERR, v1::LOG_STREAM_SYSTEM}) {
    Append(stream, "");
  }
}

void LogSpool::AddSecrets(const std::vector<std::string>& secrets) {
  if (secrets.empty()) return;
  // What the old maskers hold back could begin a secret, old or new: the
  // new maskers take it over.
  std::map<int, std::string> held;
  for (auto& [stream, masker] : maskers_) held[stream] = masker.Flush();
  maskers_.clear();
  secrets_.insert(secrets_.end(), secrets.begin(), secrets.end());
  for (const auto& [stream, bytes] : held) {
    if (!bytes.empty()) Append(stream, bytes);
  }
}

void LogSpool::Write(int stream, absl::string_view bytes) {
  if (bytes.empty()) return;
  if (runs_.empty() || runs_.back().second != stream) runs_.emplace_back(produced_, stream);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = pwrite(fd_, bytes.data() + done, bytes.size() - done,
                       produced_ + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      LogLine("session", absl::StrCat("spool write to ", path_, " failed: ", strerror(errno)));
      break;
    }
    done += static_cast<size_t>(n);
  }
  produced_ += static_cast<int64_t>(done);
}

int LogSpool::StreamAt(int64_t offset) const {
  int stream = 1;
  for (const auto& [start, s] : runs_) {
    if (start > offset) break;
    stream = s;
  }
  return stream;
}

int64_t LogSpool::RunEnd(int64_t offset) const {
  for (const auto& [start, s] : runs_) {
    if (start > offset) return start;
  }
  return produced_;
}

std::optional<v1::LogChunk> LogSpool::NextChunk(const std::string& attempt_id) {
  if (!HasToSend()) return std::nullopt;
  int64_t end = std::min({produced_, sent_ + kMaxChunkBytes, RunEnd(sent_)});
  std::string data(static_cast<size_t>(end - sent_), '\0');
  ssize_t n = pread(fd_, data.data(), data.size(), sent_);
  if (n <= 0) return std::nullopt;
  data.resize(static_cast<size_t>(n));
  v1::LogChunk chunk;
  chunk.set_attempt_id(attempt_id);
  chunk.set_offset(sent_);
  chunk.set_stream(static_cast<v1::LogStream>(StreamAt(sent_)));
  chunk.set_channel(channel_);
  sent_ += n;
  chunk.set_data(std::move(data));
  return chunk;
}

void LogSpool::Ack(int64_t durable) {
  acked_ = std::max(acked_, std::min(durable, produced_));
  if (!synced_) {
    synced_ = true;
    sent_ = acked_;
  }
}

}  // namespace arena
