#include "agent/executor/image_ledger.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "common/logging.h"

namespace arena {
namespace {

constexpr char kHeader[] = "arena-image-ledger 1";
constexpr size_t kRemovedLately = 256;

bool Idle(const LedgerEntry& e) { return e.in_use == 0 && !e.removing; }

int64_t MillisOrZero(absl::Time t) { return t == absl::InfinitePast() ? 0 : absl::ToUnixMillis(t); }

absl::Time TimeOrPast(int64_t ms) {
  return ms == 0 ? absl::InfinitePast() : absl::FromUnixMillis(ms);
}

// "image ID BYTES BROUGHT_MS LAST_USED_MS NAME,NAME"; false when malformed.
bool ParseImageLine(const std::vector<absl::string_view>& f, LedgerEntry* e) {
  int64_t brought = 0, used = 0;
  if (f.size() != 6 || f[0] != "image" || f[1].empty() || !absl::SimpleAtoi(f[2], &e->bytes) ||
      !absl::SimpleAtoi(f[3], &brought) || !absl::SimpleAtoi(f[4], &used)) {
    return false;
  }
  e->id = std::string(f[1]);
  e->brought_at = absl::FromUnixMillis(brought);
  e->last_used = absl::FromUnixMillis(used);
  for (absl::string_view name : absl::StrSplit(f[5], ',', absl::SkipEmpty())) {
    e->names.insert(std::string(name));
  }
  return true;
}

}  // namespace

std::vector<GcChoice> PickImagesToRemove(const std::vector<LedgerEntry>& entries, absl::Time now,
                                         const GcPolicy& policy) {
  std::vector<const LedgerEntry*> idle;
  int64_t kept_bytes = 0;
  for (const LedgerEntry& e : entries) {
    if (e.removing) continue;  // already on its way out
    kept_bytes += e.bytes;
    if (Idle(e)) idle.push_back(&e);
  }
  std::sort(idle.begin(), idle.end(), [](const LedgerEntry* a, const LedgerEntry* b) {
    return a->last_used != b->last_used ? a->last_used < b->last_used : a->id < b->id;
  });
  std::vector<GcChoice> chosen;
  for (const LedgerEntry* e : idle) {
    if (now - e->last_used >= policy.unused_for) {
      chosen.push_back({*e, GcReason::kUnused});
    } else if (policy.keep_bytes > 0 && kept_bytes > policy.keep_bytes) {
      chosen.push_back({*e, GcReason::kOverBytes});
    } else {
      continue;
    }
    kept_bytes -= e->bytes;
  }
  return chosen;
}

ImageLease::ImageLease(ImageLease&& other) noexcept
    : ledger_(std::exchange(other.ledger_, nullptr)), id_(std::move(other.id_)) {}

ImageLease& ImageLease::operator=(ImageLease&& other) noexcept {
  if (this != &other) {
    if (ledger_ != nullptr) ledger_->Release(id_);
    ledger_ = std::exchange(other.ledger_, nullptr);
    id_ = std::move(other.id_);
  }
  return *this;
}

ImageLease::~ImageLease() {
  if (ledger_ != nullptr) ledger_->Release(id_);
}

std::unique_ptr<ImageLedger> ImageLedger::Open(std::string path, Clock clock) {
  std::unique_ptr<ImageLedger> ledger(new ImageLedger(std::move(path), std::move(clock)));
  if (!ledger->path_.empty() && FileExists(ledger->path_)) {
    absl::Status loaded = ledger->Load();
    if (!loaded.ok()) {
      Log(LogLevel::kWarn, "image gc",
          absl::StrCat("ignoring ", ledger->path_, ": ", loaded.message(),
                       " (images it listed will not be collected)"));
    }
  }
  return ledger;
}

absl::Status ImageLedger::Load() {
  absl::StatusOr<std::string> text = ReadFile(path_);
  if (!text.ok()) return text.status();
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kHeader) return absl::DataLossError("not an image ledger");
  std::map<std::string, LedgerEntry> entries;
  int64_t removed = 0, removed_bytes = 0, last_gc = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> f = absl::StrSplit(lines[i], ' ');
    LedgerEntry e;
    if (f.size() == 4 && f[0] == "removed" && absl::SimpleAtoi(f[1], &removed) &&
        absl::SimpleAtoi(f[2], &removed_bytes) && absl::SimpleAtoi(f[3], &last_gc)) {
      continue;
    }
    if (!ParseImageLine(f, &e)) return absl::DataLossError(absl::StrCat("bad line ", i + 1));
    entries[e.id] = std::move(e);
  }
  absl::MutexLock lock(&mu_);
  entries_ = std::move(entries);
  removed_images_ = removed;
  removed_bytes_ = removed_bytes;
  last_gc_ = TimeOrPast(last_gc);
  return absl::OkStatus();
}

absl::Status ImageLedger::Save() {
  dirty_ = false;
  if (path_.empty()) return absl::OkStatus();
  std::string text = absl::StrCat(kHeader, "\nremoved ", removed_images_, " ", removed_bytes_, " ",
                                  MillisOrZero(last_gc_), "\n");
  for (const auto& [id, e] : entries_) {
    absl::StrAppend(&text, "image ", id, " ", e.bytes, " ", absl::ToUnixMillis(e.brought_at), " ",
                    absl::ToUnixMillis(e.last_used), " ", absl::StrJoin(e.names, ","), "\n");
  }
  return WriteFileAtomic(path_, text, 0600);
}

int ImageLedger::WaitingForRemoval() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

absl::StatusOr<ImageLease> ImageLedger::Use(const std::string& id, absl::Time seen_at) {
  return Lease(id, seen_at, "", 0);
}

absl::StatusOr<ImageLease> ImageLedger::Bring(const std::string& id, const std::string& name,
                                              int64_t bytes, absl::Time seen_at) {
  return Lease(id, seen_at, name, bytes);
}

absl::StatusOr<ImageLease> ImageLedger::Lease(const std::string& id, absl::Time seen_at,
                                              const std::string& name, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  auto settled = [this, &id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = entries_.find(id);
    return it == entries_.end() || !it->second.removing;
  };
  if (!settled()) {
    ++waiting_;
    mu_.Await(absl::Condition(&settled));
    --waiting_;
  }
  auto removed = removed_at_.find(id);
  if (removed != removed_at_.end() && removed->second >= seen_at) {
    return absl::AbortedError(absl::StrCat("image ", id, " was removed by image gc meanwhile"));
  }
  auto it = entries_.find(id);
  if (it == entries_.end() && name.empty()) return ImageLease();  // not Arena's
  absl::Time now = clock_();
  if (it == entries_.end()) {
    LedgerEntry e;
    e.id = id;
    e.brought_at = now;
    it = entries_.emplace(id, std::move(e)).first;
  }
  ++it->second.in_use;
  it->second.last_used = now;
  dirty_ = true;
  if (!name.empty()) {
    bool known = it->second.names.count(name) > 0 && it->second.bytes == bytes;
    it->second.names.insert(name);
    it->second.bytes = bytes;
    if (!known) {
      absl::Status saved = Save();
      if (!saved.ok()) Log(LogLevel::kWarn, "image gc", saved.ToString());
    }
  }
  return ImageLease(this, id);
}

void ImageLedger::Release(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.in_use = std::max(0, it->second.in_use - 1);
  it->second.last_used = clock_();
  dirty_ = true;
}

std::vector<GcChoice> ImageLedger::ClaimForRemoval(const GcPolicy& policy) {
  absl::MutexLock lock(&mu_);
  std::vector<LedgerEntry> entries;
  entries.reserve(entries_.size());
  for (const auto& [id, e] : entries_) entries.push_back(e);
  std::vector<GcChoice> chosen = PickImagesToRemove(entries, clock_(), policy);
  for (const GcChoice& c : chosen) entries_[c.entry.id].removing = true;
  return chosen;
}

absl::Status ImageLedger::FinishRemoval(const std::string& id, Removal outcome) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::OkStatus();
  if (outcome == Removal::kKept) {
    it->second.removing = false;
    return absl::OkStatus();
  }
  if (outcome == Removal::kRemoved) {
    ++removed_images_;
    removed_bytes_ += it->second.bytes;
    if (removed_at_.size() >= kRemovedLately) removed_at_.erase(removed_at_.begin());
    removed_at_[id] = clock_();
  }
  entries_.erase(it);
  return Save();
}

absl::Status ImageLedger::Flush() {
  absl::MutexLock lock(&mu_);
  bool first = last_gc_ == absl::InfinitePast();
  last_gc_ = clock_();
  // The pass time alone is not worth a write each minute; the first one is.
  if (!dirty_ && !first) return absl::OkStatus();
  return Save();
}

ImageStoreSummary ImageLedger::Summary() const {
  absl::MutexLock lock(&mu_);
  ImageStoreSummary s;
  for (const auto& [id, e] : entries_) {
    ++s.kept_images;
    s.kept_bytes += e.bytes;
    if (e.in_use > 0) ++s.in_use_images;
  }
  s.removed_images = removed_images_;
  s.removed_bytes = removed_bytes_;
  s.last_gc = last_gc_;
  return s;
}

std::vector<LedgerEntry> ImageLedger::Entries() const {
  absl::MutexLock lock(&mu_);
  std::vector<LedgerEntry> out;
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

}  // namespace arena
