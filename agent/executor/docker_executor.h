// Runs an attempt as a Docker container: create (labelled arena.task /
// arena.attempt, network none, no-new-privileges), start, follow the
// demultiplexed output, wait for the exit status, remove. A timeout or a
// cancel stops the container: SIGTERM, a grace period, then SIGKILL.
#ifndef ARENA_AGENT_EXECUTOR_DOCKER_EXECUTOR_H_
#define ARENA_AGENT_EXECUTOR_DOCKER_EXECUTOR_H_

#include <string>

#include "agent/executor/executor.h"

namespace arena {

class DockerExecutor final : public Executor {
 public:
  // Containers are labelled arena.agent=`agent_id`, so several agents can
  // share one Docker host without touching each other's containers.
  DockerExecutor(std::string socket_path, std::string agent_id)
      : socket_path_(std::move(socket_path)), agent_id_(std::move(agent_id)) {}

  RunResult Run(const RunRequest& request, RunObserver* observer, StopSignal* stop) override;

  // Removes containers an earlier process of this agent left behind.
  // Returns how many were removed.
  int RemoveOrphans();

 private:
  const std::string socket_path_;
  const std::string agent_id_;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_DOCKER_EXECUTOR_H_
