#include "agent/executor/build_progress.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace arena {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxLine = 1 << 20;  // a longer line is dockerd's bug: dropped

// "Step 3/4 : RUN make test" -> "step 3/4 (RUN make test)".
std::string DescribeStep(absl::string_view step) {
  absl::string_view rest = step;
  if (!absl::ConsumePrefix(&rest, "Step ")) return std::string(step);
  size_t colon = rest.find(" : ");
  if (colon == absl::string_view::npos) return absl::StrCat("step ", rest);
  absl::string_view instruction = rest.substr(colon + 3);
  if (instruction.size() > 200) instruction = instruction.substr(0, 200);
  return absl::StrCat("step ", rest.substr(0, colon), " (", instruction, ")");
}

}  // namespace

void BuildProgress::Feed(absl::string_view data) {
  while (!data.empty()) {
    size_t newline = data.find('\n');
    if (newline == absl::string_view::npos) {
      if (partial_.size() + data.size() <= kMaxLine) partial_.append(data.data(), data.size());
      return;
    }
    partial_.append(data.data(), newline);
    data.remove_prefix(newline + 1);
    if (partial_.size() <= kMaxLine) TakeLine(partial_);
    partial_.clear();
  }
}

void BuildProgress::TakeLine(absl::string_view line) {
  json parsed = json::parse(line.begin(), line.end(), nullptr, false);
  if (!parsed.is_object()) return;
  auto text = parsed.find("stream");
  if (text != parsed.end() && text->is_string()) TakeText(text->get<std::string>());
  auto error = parsed.find("error");
  if (error != parsed.end() && error->is_string() && error_.empty()) {
    error_ = error->get<std::string>();
    output_(absl::StrCat(error_, "\n"));
  }
  auto aux = parsed.find("aux");
  if (aux != parsed.end() && aux->is_object()) {
    auto id = aux->find("ID");
    if (id != aux->end() && id->is_string()) image_id_ = id->get<std::string>();
  }
}

void BuildProgress::TakeText(absl::string_view text) {
  output_(text);
  for (char c : text) {
    if (c != '\n') {
      if (text_partial_.size() < 4096) text_partial_ += c;
      continue;
    }
    if (absl::StartsWith(text_partial_, "Step ")) step_ = text_partial_;
    text_partial_.clear();
  }
}

absl::Status BuildFailure(absl::string_view error, absl::string_view step) {
  static const char* const kTransient[] = {
      "connection refused",    "connection reset", "i/o timeout",
      "tls handshake timeout", "no such host",     "502 bad gateway",
      "503 service",           "504 gateway",      "context deadline exceeded"};
  std::string lower = absl::AsciiStrToLower(error);
  for (const char* marker : kTransient) {
    if (absl::StrContains(lower, marker)) {
      return absl::UnavailableError(absl::StrCat("build failed: ", error));
    }
  }
  if (step.empty()) return absl::FailedPreconditionError(absl::StrCat("build failed: ", error));
  return absl::FailedPreconditionError(
      absl::StrCat("build failed at ", DescribeStep(step), ": ", error));
}

}  // namespace arena
