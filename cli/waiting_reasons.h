// Why a submitted job's tasks wait, for the operator watching `run` or
// `wait`: one "arenactl:" line on stderr when a task's waiting reason first
// appears and whenever it changes, never one per poll. One per watched
// job, owned by the command; not thread-safe (the command's thread only).
#ifndef ARENA_CLI_WAITING_REASONS_H_
#define ARENA_CLI_WAITING_REASONS_H_

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arena/v1/jobs.pb.h"
#include "cli/cli.h"

namespace arena {

// How often a client polls while tasks wait: the controller's long poll
// answers on state changes, not when a waiting reason changes.
inline constexpr absl::Duration kWaitingReasonPoll = absl::Seconds(3);

// Which reasons have been reported. Pure (the clock is passed in); not
// thread-safe.
class WaitingReasons {
 public:
  // Lines for reasons that are new or changed since the last call, grouped
  // by reason. A task must have waited `quiet` (by `now`, since this object
  // first saw it queued) before its reason is reported, so a task that is
  // assigned at once prints nothing.
  std::vector<std::string> Update(const v1::Job& job, absl::Time now,
                                  absl::Duration quiet = absl::Seconds(2));
  // Whether a task was queued at the last Update.
  bool Waiting() const { return !queued_since_.empty(); }

 private:
  std::map<std::string, absl::Time> queued_since_;  // task id -> first seen queued
  std::map<std::string, std::string> reported_;     // task id -> reason reported
};

// A running task's live phase: "pulling IMAGE: 12.0 of 50.0 MiB (24%)".
std::string PhaseSummary(const v1::Task& task);

// Which pulls and builds (Task.phase) have been reported: a line when a
// task's phase begins, then at most one per `every` while it lasts. Pure
// (the clock is passed in); not thread-safe.
class PhaseProgress {
 public:
  // "amd64 " + PhaseSummary(task); "..: 12.0 MiB" when the total is not
  // known yet.
  std::vector<std::string> Update(const v1::Job& job, absl::Time now,
                                  absl::Duration every = absl::Seconds(3));
  // Whether a task was running but had not started its command at the last
  // Update (it may still pull or build).
  bool Preparing() const { return preparing_; }

 private:
  struct Reported {
    std::string phase;
    absl::Time at;
  };
  std::map<std::string, Reported> reported_;  // by task id
  bool preparing_ = false;
};

// Reports waiting reasons from a thread of its own while `run` streams
// logs (the stream shows nothing until a task starts), and pulls' and
// builds' progress as "arena:" lines. Stops when no task waits or prepares
// any more, or at destruction, which cancels the poll in flight.
class WaitingReasonWatcher {
 public:
  WaitingReasonWatcher(Cli& cli, std::string job_id);
  ~WaitingReasonWatcher();
  WaitingReasonWatcher(const WaitingReasonWatcher&) = delete;
  WaitingReasonWatcher& operator=(const WaitingReasonWatcher&) = delete;

 private:
  void Watch();
  // One long poll; false when stopped or failed.
  bool Poll(absl::Duration wait, v1::Job* job);

  Cli& cli_;
  const std::string job_id_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_CLI_WAITING_REASONS_H_
