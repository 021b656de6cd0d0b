#include "agent/executor/image_collector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/executor/docker_client.h"
#include "common/logging.h"

namespace arena {
namespace {

std::string MiB(int64_t bytes) { return absl::StrFormat("%.1f MiB", bytes / 1048576.0); }

std::string Unused(absl::Time now, absl::Time last_used) {
  absl::Duration unused = absl::Trunc(now - last_used, absl::Seconds(1));
  return unused <= absl::ZeroDuration() ? "0s" : absl::FormatDuration(unused);
}

// The entry's first name for the log, or its id.
std::string NameOf(const LedgerEntry& e) { return e.names.empty() ? e.id : *e.names.begin(); }

// An image Arena pulled under names of two repositories: dockerd deletes it
// by id only once one repository is left, so every reference but the last
// is untagged first (a container still using it keeps that last one).
absl::Status Unreference(DockerClient& docker, const ImageInfo& image) {
  std::vector<std::string> refs = image.repo_tags;
  refs.insert(refs.end(), image.repo_digests.begin(), image.repo_digests.end());
  for (size_t i = 0; i + 1 < refs.size(); ++i) {
    absl::Status untagged = docker.RemoveImage(refs[i]);
    if (!untagged.ok() && !absl::IsNotFound(untagged)) return untagged;
  }
  return docker.RemoveImage(image.id);
}

}  // namespace

absl::Duration GcInterval(const GcPolicy& policy) {
  if (policy.unused_for <= absl::ZeroDuration()) return absl::Minutes(1);
  return std::clamp(policy.unused_for / 4, absl::Seconds(1), absl::Minutes(1));
}

ImageCollector::ImageCollector(std::string socket_path, ImageLedger* ledger, ImageGcOptions options)
    : socket_path_(std::move(socket_path)), ledger_(ledger), options_(std::move(options)) {
  if (options_.enabled) thread_ = std::thread([this] { Loop(); });
}

ImageCollector::~ImageCollector() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ImageCollector::Poke() {
  absl::MutexLock lock(&mu_);
  poked_ = true;
}

void ImageCollector::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || poked_; };
      mu_.AwaitWithTimeout(absl::Condition(&wake), options_.every);
      if (stopping_) return;
      poked_ = false;
    }
    CollectOnce();
  }
}

int ImageCollector::CollectOnce() {
  absl::MutexLock pass(&pass_mu_);
  std::vector<GcChoice> chosen = ledger_->ClaimForRemoval(options_.policy);
  int removed = 0;
  if (!chosen.empty()) {
    DockerClient docker(socket_path_);
    absl::Status connected = docker.Connect();
    for (const GcChoice& choice : chosen) {
      ImageLedger::Removal outcome =
          connected.ok() ? RemoveOne(docker, choice) : ImageLedger::Removal::kKept;
      if (outcome == ImageLedger::Removal::kRemoved) ++removed;
      absl::Status done = ledger_->FinishRemoval(choice.entry.id, outcome);
      if (!done.ok()) Log(LogLevel::kWarn, "image gc", done.ToString());
    }
    if (!connected.ok()) Log(LogLevel::kDebug, "image gc", connected.ToString());
  }
  absl::Status flushed = ledger_->Flush();
  if (!flushed.ok()) Log(LogLevel::kWarn, "image gc", flushed.ToString());
  return removed;
}

ImageLedger::Removal ImageCollector::RemoveOne(DockerClient& docker, const GcChoice& choice) {
  const LedgerEntry& e = choice.entry;
  absl::StatusOr<ImageInfo> image = docker.InspectImage(e.id);
  absl::Status deleted = image.status();
  if (image.ok()) {
    for (const std::string& tag : image->repo_tags) {
      if (e.names.count(tag) > 0) continue;
      LogLine("image gc", absl::StrCat("not removing ", NameOf(e), ": it is also tagged ", tag,
                                       ", which Arena did not name it (no longer Arena's)"));
      return ImageLedger::Removal::kDisowned;
    }
    // By id: all its references go at once, and dockerd refuses while any
    // container (running or not) uses it, before touching a name.
    deleted = docker.RemoveImage(e.id);
    if (absl::IsFailedPrecondition(deleted) &&
        absl::StrContains(deleted.message(), "multiple repositories")) {
      deleted = Unreference(docker, *image);
    }
  }
  if (!deleted.ok() && !absl::IsNotFound(deleted)) {
    Log(absl::IsFailedPrecondition(deleted) ? LogLevel::kDebug : LogLevel::kWarn, "image gc",
        absl::StrCat("keeping ", NameOf(e), " for now: ", deleted.message()));
    return ImageLedger::Removal::kKept;
  }
  absl::Time now = ledger_->Now();
  std::string why = absl::StrCat("unused ", Unused(now, e.last_used));
  if (choice.reason == GcReason::kOverBytes) {
    absl::StrAppend(&why, "; over --image-gc-keep-bytes ", options_.policy.keep_bytes, " (",
                    MiB(options_.policy.keep_bytes), ")");
  }
  LogLine("image gc", absl::StrCat("removed ", NameOf(e), " (", MiB(e.bytes), ", ", why, ")"));
  return ImageLedger::Removal::kRemoved;
}

}  // namespace arena
