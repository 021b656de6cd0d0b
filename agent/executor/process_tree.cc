#include "agent/executor/process_tree.h"

#include <dirent.h>
#include <signal.h>

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"

namespace arena {
namespace {

// The parent field of a /proc/PID/stat line. The command name is in
// parentheses and may itself hold ") ", so the fields start after the last
// one.
pid_t ParentFromStat(const std::string& stat) {
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(close + 1), ' ', absl::SkipEmpty());
  int ppid = -1;
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &ppid)) return -1;
  return ppid;
}

// Every process's parent, from one read of `proc_dir`.
std::map<pid_t, pid_t> ParentsByPid(const std::string& proc_dir) {
  std::map<pid_t, pid_t> parents;
  DIR* dir = opendir(proc_dir.c_str());
  if (dir == nullptr) return parents;
  while (struct dirent* entry = readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid <= 0) continue;
    pid_t ppid = ParentOf(pid, proc_dir);
    if (ppid >= 0) parents[pid] = ppid;
  }
  closedir(dir);
  return parents;
}

}  // namespace

pid_t ParentOf(pid_t pid, const std::string& proc_dir) {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat(proc_dir, "/", pid, "/stat"));
  if (!stat.ok()) return -1;
  return ParentFromStat(*stat);
}

std::vector<pid_t> DescendantsOf(pid_t root, const std::string& proc_dir) {
  std::multimap<pid_t, pid_t> children;
  for (const auto& [pid, ppid] : ParentsByPid(proc_dir)) children.emplace(ppid, pid);
  std::vector<pid_t> found;
  std::vector<pid_t> frontier = {root};
  // Each pid is a child of one parent, so every pid is visited at most once.
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      if (it->second == root) continue;  // a pid loop read mid-change
      found.push_back(it->second);
      frontier.push_back(it->second);
    }
    if (found.size() > children.size()) break;  // a loop read mid-change
  }
  return found;
}

int SignalDescendants(pid_t root, int signal) {
  std::vector<pid_t> pids = DescendantsOf(root);
  for (pid_t pid : pids) kill(pid, signal);
  return static_cast<int>(pids.size());
}

}  // namespace arena
