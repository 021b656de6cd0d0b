// The processes below one ancestor, read from /proc: how the process
// executor finds an attempt's tree where no cgroup holds it. The attempt's
// shim is a child subreaper (contained_process.h), so every orphan of the
// attempt, double-forked or setsid'd, is re-parented to it and stays below
// it until it exits. Stateless functions; thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_PROCESS_TREE_H_
#define ARENA_AGENT_EXECUTOR_PROCESS_TREE_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace arena {

// The parent of `pid` from `proc_dir`/PID/stat; -1 when it is gone.
pid_t ParentOf(pid_t pid, const std::string& proc_dir = "/proc");

// Every process whose chain of parents leads to `root` (not `root` itself),
// from one pass over `proc_dir`. A process forked during the pass may be
// missed: callers that kill repeat until nothing is left.
std::vector<pid_t> DescendantsOf(pid_t root, const std::string& proc_dir = "/proc");

// Sends `signal` to every descendant of `root`; returns how many there were.
int SignalDescendants(pid_t root, int signal);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_PROCESS_TREE_H_
