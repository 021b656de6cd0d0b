#include "agent/executor/attempt_cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/files.h"

namespace arena {
namespace {

constexpr int kRemoveTries = 50;

// Writes a cgroup control file (which exists: no create, no rename).
bool WriteTo(const std::string& path, absl::string_view value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool written = write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  return close(fd) == 0 && written;
}

bool HasController(const std::string& dir, absl::string_view controller) {
  absl::StatusOr<std::string> text = ReadFile(dir + "/cgroup.controllers");
  if (!text.ok()) return false;
  for (absl::string_view c : absl::StrSplit(*text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    if (c == controller) return true;
  }
  return false;
}

// Makes `dir` (a fresh directory: one left by a crash is reused).
bool MakeCgroup(const std::string& dir) { return mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST; }

std::string Join(const std::string& mount, absl::string_view path) {
  if (path == "/") return mount;
  return absl::StrCat(mount, path);
}

// The pids in `dir`/cgroup.procs.
std::vector<pid_t> ProcsOf(const std::string& dir) {
  std::vector<pid_t> pids;
  absl::StatusOr<std::string> text = ReadFile(dir + "/cgroup.procs");
  if (!text.ok()) return pids;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

// Kills what is in `dir` (forks stopped first where pids.max exists) and
// removes it; returns how many processes it killed.
int EndCgroup(const std::string& dir) {
  int killed = 0;
  WriteTo(dir + "/pids.max", "0");
  for (int i = 0; i < kRemoveTries; ++i) {
    std::vector<pid_t> pids = ProcsOf(dir);
    if (pids.empty() && rmdir(dir.c_str()) == 0) break;
    for (pid_t pid : pids) killed += kill(pid, SIGKILL) == 0 ? 1 : 0;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return killed;
}

}  // namespace

int EndStaleCgroups(const CgroupHost& host, const std::string& agent_id) {
  std::string prefix = absl::StrCat("arena-", agent_id, "-");
  int killed = 0;
  for (const std::string& parent : {host.v2_dir, host.v1_pids_dir, host.v1_memory_dir}) {
    if (parent.empty()) continue;
    std::error_code error;
    std::vector<std::string> stale;
    for (auto it = std::filesystem::directory_iterator(parent, error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
      std::string name = it->path().filename().string();
      if (absl::StartsWith(name, prefix) && it->is_directory()) stale.push_back(it->path());
    }
    for (const std::string& dir : stale) killed += EndCgroup(dir);
  }
  return killed;
}

CgroupHost DetectCgroupHost(const std::string& mounts, const std::string& self_cgroup) {
  std::string v2_mount, pids_mount, memory_mount;
  absl::StatusOr<std::string> mount_text = ReadFile(mounts);
  for (absl::string_view line : absl::StrSplit(mount_text.ok() ? *mount_text : "", '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() < 4) continue;
    if (f[2] == "cgroup2" && v2_mount.empty()) v2_mount = f[1];
    if (f[2] != "cgroup") continue;
    for (absl::string_view option : absl::StrSplit(f[3], ',')) {
      if (option == "pids" && pids_mount.empty()) pids_mount = f[1];
      if (option == "memory" && memory_mount.empty()) memory_mount = f[1];
    }
  }
  CgroupHost host;
  absl::StatusOr<std::string> cgroup_text = ReadFile(self_cgroup);
  for (absl::string_view line : absl::StrSplit(cgroup_text.ok() ? *cgroup_text : "", '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3 || f[2].empty() || f[2][0] != '/') continue;
    if (f[1].empty() && f[0] == "0" && !v2_mount.empty()) host.v2_dir = Join(v2_mount, f[2]);
    for (absl::string_view c : absl::StrSplit(f[1], ',')) {
      if (c == "pids" && !pids_mount.empty()) host.v1_pids_dir = Join(pids_mount, f[2]);
      if (c == "memory" && !memory_mount.empty()) host.v1_memory_dir = Join(memory_mount, f[2]);
    }
  }
  return host;
}

std::unique_ptr<AttemptCgroup> AttemptCgroup::Create(const CgroupHost& host,
                                                     const std::string& agent_id,
                                                     const std::string& attempt_id,
                                                     const CgroupLimits& limits) {
  std::unique_ptr<AttemptCgroup> cgroup(new AttemptCgroup());
  std::string name = absl::StrCat("arena-", agent_id, "-", attempt_id);
  if (!host.v2_dir.empty()) {
    // The controllers wanted, enabled for the agent's children where the
    // agent may (it fails harmlessly when they are bound to v1 or the agent's
    // cgroup holds processes).
    if (limits.memory_mb > 0) WriteTo(host.v2_dir + "/cgroup.subtree_control", "+memory");
    if (limits.pids > 0) WriteTo(host.v2_dir + "/cgroup.subtree_control", "+pids");
    std::string dir = absl::StrCat(host.v2_dir, "/", name);
    if (MakeCgroup(dir)) cgroup->SetUpV2(dir, limits);
  }
  cgroup->SetUpV1(host, name, limits);
  if (!cgroup->active()) {
    cgroup->notes_.insert(cgroup->notes_.begin(),
                          "no cgroup for this attempt (no writable cgroup hierarchy on this "
                          "host): its processes are found through the process tree");
  }
  return cgroup;
}

void AttemptCgroup::SetUpV2(const std::string& dir, const CgroupLimits& limits) {
  v2_ = true;
  membership_dir_ = dir;
  dirs_.push_back(dir);
  procs_files_.push_back(dir + "/cgroup.procs");
  if (limits.memory_mb > 0 && HasController(dir, "memory") &&
      WriteTo(dir + "/memory.max", absl::StrCat(limits.memory_mb << 20)) &&
      WriteTo(dir + "/memory.swap.max", "0")) {
    memory_dir_ = dir;
  }
  if (limits.pids > 0 && HasController(dir, "pids") &&
      WriteTo(dir + "/pids.max", absl::StrCat(limits.pids))) {
    pids_dir_ = dir;
  }
}

void AttemptCgroup::SetUpV1(const CgroupHost& host, const std::string& name,
                            const CgroupLimits& limits) {
  // v1 pids: membership when v2 is not had, and the pids limit v2 could
  // not take.
  bool want_pids = !active() || (limits.pids > 0 && pids_dir_.empty());
  std::string pids = absl::StrCat(host.v1_pids_dir, "/", name);
  if (want_pids && !host.v1_pids_dir.empty() && MakeCgroup(pids)) {
    dirs_.push_back(pids);
    procs_files_.push_back(pids + "/cgroup.procs");
    if (!active()) membership_dir_ = pids;
    if (limits.pids > 0 && WriteTo(pids + "/pids.max", absl::StrCat(limits.pids))) {
      pids_dir_ = pids;
    }
    v1_pids_dir_ = pids;
  }
  std::string memory = absl::StrCat(host.v1_memory_dir, "/", name);
  if (limits.memory_mb > 0 && memory_dir_.empty() && !host.v1_memory_dir.empty() &&
      MakeCgroup(memory)) {
    dirs_.push_back(memory);
    procs_files_.push_back(memory + "/cgroup.procs");
    std::string bytes = absl::StrCat(limits.memory_mb << 20);
    if (WriteTo(memory + "/memory.limit_in_bytes", bytes)) memory_dir_ = memory;
    // Swap counts against the limit where the kernel accounts it.
    WriteTo(memory + "/memory.memsw.limit_in_bytes", bytes);
  }
  if (limits.memory_mb > 0 && memory_dir_.empty()) {
    notes_.push_back(absl::StrCat("memory_mb ", limits.memory_mb,
                                  " not enforced: no memory cgroup controller is available"));
  }
  if (limits.pids > 0 && pids_dir_.empty()) {
    notes_.push_back(absl::StrCat("pids ", limits.pids,
                                  " not enforced: no pids cgroup controller is available"));
  }
}

AttemptCgroup::~AttemptCgroup() { Remove(); }

std::vector<pid_t> AttemptCgroup::Members() const {
  if (!active()) return {};
  return ProcsOf(membership_dir_);
}

int AttemptCgroup::KillAll() {
  std::vector<pid_t> members = Members();
  if (members.empty()) return 0;
  if (v2_ && WriteTo(membership_dir_ + "/cgroup.kill", "1")) {
    return static_cast<int>(members.size());
  }
  if (!v1_pids_dir_.empty()) WriteTo(v1_pids_dir_ + "/pids.max", "0");
  for (pid_t pid : members) kill(pid, SIGKILL);
  return static_cast<int>(members.size());
}

int64_t AttemptCgroup::OomKills() const {
  if (memory_dir_.empty()) return 0;
  absl::StatusOr<std::string> text =
      ReadFile(memory_dir_ +
               (v2_ && memory_dir_ == membership_dir_ ? "/memory.events" : "/memory.oom_control"));
  if (!text.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    int64_t n = 0;
    if (absl::ConsumePrefix(&line, "oom_kill ") && absl::SimpleAtoi(line, &n)) return n;
  }
  return 0;
}

void AttemptCgroup::Remove() {
  // A cgroup can be removed once its last process is gone, which the
  // kernel notices a moment after the exit.
  for (const std::string& dir : dirs_) {
    for (int i = 0; i < kRemoveTries && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  dirs_.clear();
}

}  // namespace arena
