// ReadCache: records a table read recently, kept until the table writes
// the same record or they reach a bounded age. The REST and gRPC APIs read
// the same finished job and the same API token on every poll; a hit costs a
// map lookup and a copy instead of a few SQL statements.
//
// Records come in groups (a job id, a token hash) of one or more keys (a
// page of the job's tasks); a write invalidates its whole group. A read
// that was under way when its group was invalidated keeps nothing, so a
// value loaded before a write is never kept after it. The age bound limits
// what a writer outside this process (a second controller on a shared
// store) could leave stale.
//
// Owner: the table whose records it holds (JobTable, AccessTable), which
// invalidates a group after each write to it commits. Thread-safe (one
// mutex; values are copied in and out, loads run outside the lock).
#ifndef ARENA_CONTROLLER_STORE_READ_CACHE_H_
#define ARENA_CONTROLLER_STORE_READ_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace arena {

struct ReadCacheOptions {
  size_t max_entries = 1024;                   // over it, whole groups go, oldest first
  absl::Duration max_age = absl::Seconds(10);  // an entry older than this is read again
};

template <typename Value>
class ReadCache {
 public:
  explicit ReadCache(ReadCacheOptions options = {}) : options_(options) {}
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  // The kept value of (group, key) if it is younger than max_age; otherwise
  // `load()` (a StatusOr<Value>), whose value is kept when `keep(value)`
  // says it may be and no Invalidate(group) came while it ran.
  template <typename Load, typename Keep>
  absl::StatusOr<Value> GetOrLoad(const std::string& group, const std::string& key, absl::Time now,
                                  Load&& load, Keep&& keep) {
    uint64_t ticket;
    {
      absl::MutexLock lock(&mu_);
      auto found = groups_.find(group);
      if (found != groups_.end()) {
        auto entry = found->second.entries.find(key);
        if (entry != found->second.entries.end() && now - entry->second.at < options_.max_age) {
          return entry->second.value;
        }
      }
      ticket = ++sequence_;
      ++reading_[group].count;
    }
    absl::StatusOr<Value> loaded = load();
    bool keepable = loaded.ok() && keep(*loaded);
    absl::MutexLock lock(&mu_);
    auto reading = reading_.find(group);
    if (keepable && reading->second.invalidated_at < ticket) Insert(group, key, *loaded, now);
    if (--reading->second.count == 0) reading_.erase(reading);
    return loaded;
  }

  // Drops the group's entries; reads of it under way keep nothing.
  void Invalidate(const std::string& group) {
    absl::MutexLock lock(&mu_);
    auto found = groups_.find(group);
    if (found != groups_.end()) {
      entries_ -= found->second.entries.size();
      groups_.erase(found);
    }
    auto reading = reading_.find(group);
    if (reading != reading_.end()) reading->second.invalidated_at = ++sequence_;
  }

  // Drops every entry; reads under way keep nothing (a write whose group
  // the table does not know, such as a revocation by name).
  void InvalidateAll() {
    absl::MutexLock lock(&mu_);
    groups_.clear();
    entries_ = 0;
    const uint64_t now = ++sequence_;
    for (auto& [group, reading] : reading_) reading.invalidated_at = now;
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return entries_;
  }

 private:
  struct Entry {
    Value value;
    absl::Time at;
  };
  struct Group {
    std::map<std::string, Entry> entries;
    uint64_t born = 0;  // sequence number when its first entry was kept
  };
  struct Reading {
    int count = 0;                // reads under way
    uint64_t invalidated_at = 0;  // sequence number of the last Invalidate during them
  };

  void Insert(const std::string& group, const std::string& key, const Value& value, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (entries_ >= options_.max_entries && !groups_.empty()) {
      auto oldest = groups_.begin();
      for (auto it = groups_.begin(); it != groups_.end(); ++it) {
        if (it->second.born < oldest->second.born) oldest = it;
      }
      entries_ -= oldest->second.entries.size();
      groups_.erase(oldest);
    }
    if (options_.max_entries == 0) return;
    Group& kept = groups_[group];
    if (kept.entries.empty()) kept.born = ++sequence_;
    auto [entry, added] = kept.entries.insert_or_assign(key, Entry{value, now});
    (void)entry;
    if (added) ++entries_;
  }

  const ReadCacheOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Group> groups_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Reading> reading_ ABSL_GUARDED_BY(mu_);
  size_t entries_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_READ_CACHE_H_
