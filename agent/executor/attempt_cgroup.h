// A cgroup per attempt of the process executor, where the host allows one:
// membership (so every process of the attempt can be listed and killed,
// whatever it did to its session or parents) and the attempt's memory and
// pids limits.
//
// Which hierarchy: cgroup v2 when the agent's own v2 cgroup is writable (a
// systemd unit with Delegate=yes, or root on a hybrid host; cgroup.kill
// ends the whole attempt at once), else the v1 pids hierarchy (as on hosts
// with the legacy layout) for membership, plus the v1 memory hierarchy for a
// memory limit. Each cgroup is a directory "arena-AGENT-ATTEMPT" below the
// agent's own cgroup in its hierarchy, removed once empty; a restarted agent
// ends those an earlier process of its own left (EndStaleCgroups), while
// other agents sharing the host keep theirs. What cannot be had (no
// writable hierarchy, no memory controller) is said in `notes()`, which the
// executor puts in the attempt's record.
//
// Owned by the process executor for one attempt, used on its thread; not
// thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_ATTEMPT_CGROUP_H_
#define ARENA_AGENT_EXECUTOR_ATTEMPT_CGROUP_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace arena {

// Where the cgroup hierarchies are, as read from /proc/mounts and
// /proc/self/cgroup; injectable for tests.
struct CgroupHost {
  std::string v2_dir;         // the agent's own v2 cgroup directory, or ""
  std::string v1_pids_dir;    // the agent's own v1 pids cgroup directory, or ""
  std::string v1_memory_dir;  // the agent's own v1 memory cgroup directory, or ""
};
CgroupHost DetectCgroupHost(const std::string& mounts = "/proc/mounts",
                            const std::string& self_cgroup = "/proc/self/cgroup");

struct CgroupLimits {
  int64_t memory_mb = 0;  // 0: none
  int64_t pids = 0;       // 0: none
};

// Kills every process in the cgroups "arena-AGENT-*" an earlier process of
// agent `agent_id` left, and removes them. Returns how many processes it
// killed.
int EndStaleCgroups(const CgroupHost& host, const std::string& agent_id);

class AttemptCgroup {
 public:
  // Creates the attempt's cgroup(s) and sets the limits it can. Never
  // fails: without a usable hierarchy the result holds no cgroup (active()
  // false) and notes say why.
  static std::unique_ptr<AttemptCgroup> Create(const CgroupHost& host, const std::string& agent_id,
                                               const std::string& attempt_id,
                                               const CgroupLimits& limits);
  ~AttemptCgroup();  // Remove()
  AttemptCgroup(const AttemptCgroup&) = delete;
  AttemptCgroup& operator=(const AttemptCgroup&) = delete;

  bool active() const { return !membership_dir_.empty(); }
  // The cgroup.procs files a new process writes "0" to, to join.
  const std::vector<std::string>& procs_files() const { return procs_files_; }
  // Every process in the attempt's cgroup now.
  std::vector<pid_t> Members() const;
  // SIGKILLs every member: cgroup.kill on v2; on v1 forks are stopped first
  // (pids.max 0) so the kill pass cannot be outrun. Returns how many it saw.
  int KillAll();
  // How many times the kernel's OOM killer acted in the attempt's cgroup.
  int64_t OomKills() const;
  // Removes the directories (each only once empty; bounded retries).
  void Remove();
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  AttemptCgroup() = default;
  void SetUpV2(const std::string& dir, const CgroupLimits& limits);
  void SetUpV1(const CgroupHost& host, const std::string& name, const CgroupLimits& limits);

  bool v2_ = false;
  std::string membership_dir_;     // v2 or v1 pids
  std::string memory_dir_;         // where memory is limited, or ""
  std::string pids_dir_;           // where pids are limited, or ""
  std::string v1_pids_dir_;        // the v1 pids cgroup, or ""
  std::vector<std::string> dirs_;  // to remove (siblings in separate hierarchies)
  std::vector<std::string> procs_files_;
  std::vector<std::string> notes_;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_ATTEMPT_CGROUP_H_
