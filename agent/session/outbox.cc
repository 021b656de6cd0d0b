#include "agent/session/outbox.h"

#include <utility>

namespace arena {

void Outbox::Open() {
  absl::MutexLock lock(&mu_);
  open_ = true;
  control_.clear();
  for (auto& [id, entry] : entries_) {
    entry.result_sent = false;
    entry.output->Resync();
  }
}

void Outbox::Close() {
  absl::MutexLock lock(&mu_);
  open_ = false;
  control_.clear();
}

bool Outbox::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

bool Outbox::Push(v1::AgentMessage message) {
  absl::MutexLock lock(&mu_);
  if (!open_) return false;
  control_.push_back(std::move(message));
  return true;
}

void Outbox::Add(std::shared_ptr<OutputSpool> output) {
  absl::MutexLock lock(&mu_);
  std::string id = output->attempt_id();
  entries_[id].output = std::move(output);
}

void Outbox::Finish(const std::string& attempt_id, v1::TaskEvent result) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(attempt_id);
  if (it == entries_.end()) return;
  it->second.result = std::move(result);
  it->second.finished = true;
}

void Outbox::Fence(const std::string& attempt_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(attempt_id);
  if (it != entries_.end()) it->second.fenced = true;
}

void Outbox::Remove(const std::string& attempt_id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(attempt_id);
}

void Outbox::Poke() {
  // Releasing the lock makes the writer's wait look at its condition again.
  absl::MutexLock lock(&mu_);
}

bool Outbox::HasWork() const {
  if (!open_ || !control_.empty()) return true;
  for (const auto& [id, entry] : entries_) {
    if (entry.output->HasLogToSend() || entry.FileReady() || entry.ResultReady()) return true;
  }
  return false;
}

std::vector<std::shared_ptr<OutputSpool>> Outbox::WithLogs() const {
  std::vector<std::shared_ptr<OutputSpool>> outputs;
  for (const auto& [id, entry] : entries_) {
    if (entry.output->HasLogToSend()) outputs.push_back(entry.output);
  }
  return outputs;
}

std::vector<std::shared_ptr<OutputSpool>> Outbox::WithFiles() const {
  std::vector<std::shared_ptr<OutputSpool>> outputs;
  for (const auto& [id, entry] : entries_) {
    if (entry.FileReady()) outputs.push_back(entry.output);
  }
  return outputs;
}

std::optional<v1::AgentMessage> Outbox::ReadChunk(
    const std::vector<std::shared_ptr<OutputSpool>>& logs,
    const std::vector<std::shared_ptr<OutputSpool>>& files) {
  v1::AgentMessage message;
  for (const std::shared_ptr<OutputSpool>& output : logs) {
    std::optional<v1::LogChunk> chunk = output->NextLogChunk();
    if (!chunk.has_value()) continue;
    *message.mutable_log() = std::move(*chunk);
    return message;
  }
  for (const std::shared_ptr<OutputSpool>& output : files) {
    std::string note;
    std::optional<v1::FileChunk> chunk = output->NextFileChunk(&note);
    if (chunk.has_value()) {
      *message.mutable_file() = std::move(*chunk);
      return message;
    }
    if (note.empty()) continue;
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(output->attempt_id());
    if (it != entries_.end()) it->second.result.add_notes(std::move(note));
  }
  return std::nullopt;
}

std::optional<v1::AgentMessage> Outbox::NextResult() {
  for (auto& [id, entry] : entries_) {
    if (!entry.ResultReady()) continue;
    entry.result_sent = true;
    v1::AgentMessage message;
    *message.mutable_event() = entry.result;
    entry.output->AddManifest(message.mutable_event());
    return message;
  }
  return std::nullopt;
}

std::optional<v1::AgentMessage> Outbox::Next(absl::Duration wait) {
  std::vector<std::shared_ptr<OutputSpool>> logs;
  std::vector<std::shared_ptr<OutputSpool>> files;
  {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &Outbox::HasWork), wait);
    if (!open_) return std::nullopt;
    if (!control_.empty()) {
      v1::AgentMessage message = std::move(control_.front());
      control_.pop_front();
      return message;
    }
    logs = WithLogs();
    files = WithFiles();
  }
  std::optional<v1::AgentMessage> chunk = ReadChunk(logs, files);
  if (chunk.has_value()) return chunk;
  absl::MutexLock lock(&mu_);
  if (!open_) return std::nullopt;
  return NextResult();
}

}  // namespace arena
