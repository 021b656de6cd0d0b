#include "agent/executor/pull_progress.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace arena {
namespace {

using json = nlohmann::json;

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t NumberField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return -1;
  double value = it->get<double>();
  return value >= 0 && value < 9e18 ? static_cast<int64_t>(value) : -1;
}

bool ContainsAny(absl::string_view text, std::initializer_list<absl::string_view> needles) {
  for (absl::string_view needle : needles) {
    if (absl::StrContains(text, needle)) return true;
  }
  return false;
}

}  // namespace

PullLine ParsePullLine(absl::string_view line) {
  PullLine out;
  json parsed = json::parse(line.begin(), line.end(), nullptr, false);
  if (!parsed.is_object()) return out;
  out.valid = true;
  out.status = StringField(parsed, "status");
  out.id = StringField(parsed, "id");
  out.error = StringField(parsed, "error");
  auto detail = parsed.find("errorDetail");
  if (out.error.empty() && detail != parsed.end() && detail->is_object()) {
    out.error = StringField(*detail, "message");
  }
  auto progress = parsed.find("progressDetail");
  if (progress != parsed.end() && progress->is_object()) {
    out.current = NumberField(*progress, "current");
    out.total = NumberField(*progress, "total");
  }
  return out;
}

void PullProgress::Feed(absl::string_view data) {
  partial_.append(data.data(), data.size());
  size_t start = 0;
  for (size_t nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
    Take(ParsePullLine(absl::string_view(partial_).substr(start, nl - start)));
    start = nl + 1;
  }
  partial_.erase(0, start);
  // A line longer than any Docker writes is dropped rather than kept.
  if (partial_.size() > (1 << 20)) partial_.clear();
}

void PullProgress::Take(const PullLine& line) {
  if (!line.valid) return;
  if (!line.error.empty()) {
    if (error_.empty()) error_ = line.error;
    return;
  }
  if (absl::StartsWith(line.status, "Digest: ")) digest_ = line.status.substr(8);
  if (line.id.empty()) return;
  if (absl::StartsWith(line.status, "Retrying in ")) {
    Layer& layer = layers_[line.id];
    if (!layer.retrying) ++retries_;
    layer.retrying = true;
  } else if (line.status == "Downloading") {
    Layer& layer = layers_[line.id];
    layer.retrying = false;
    if (line.current >= 0) layer.done = line.current;
    if (line.total > 0) layer.total = line.total;
  } else if (line.status == "Pulling fs layer" || line.status == "Waiting") {
    layers_[line.id];
  } else if (line.status == "Download complete" || line.status == "Already exists" ||
             line.status == "Pull complete") {
    auto it = layers_.find(line.id);
    if (it != layers_.end() && it->second.total > 0) it->second.done = it->second.total;
  }
}

int64_t PullProgress::done_bytes() const {
  int64_t sum = 0;
  for (const auto& [id, layer] : layers_) sum += layer.done;
  return sum;
}

int64_t PullProgress::total_bytes() const {
  int64_t sum = 0;
  for (const auto& [id, layer] : layers_) sum += layer.total > 0 ? layer.total : 0;
  return sum;
}

absl::Status ClassifyPullError(absl::string_view message, absl::string_view host,
                               absl::string_view image) {
  std::string lower = absl::AsciiStrToLower(message);
  if (ContainsAny(lower, {"no matching manifest", "does not match the specified platform"})) {
    return absl::FailedPreconditionError(std::string(message));
  }
  if (ContainsAny(lower, {"unauthorized", "authentication required", "no basic auth credentials",
                          "incorrect username or password", "denied:", "access denied"})) {
    return absl::PermissionDeniedError(
        absl::StrCat("registry ", host, " refused credentials for ", image));
  }
  if (ContainsAny(lower, {"manifest unknown", "not found", "name unknown", "does not exist"})) {
    return absl::NotFoundError(absl::StrCat("image ", image, " not found in ", host));
  }
  return absl::UnavailableError(absl::StrCat("pulling ", image, " from ", host, ": ", message));
}

}  // namespace arena
