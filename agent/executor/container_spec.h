// The container an attempt runs in, from its RunRequest: named arena-ATTEMPT,
// labelled arena.agent / arena.job / arena.task / arena.attempt, the
// checkout bound at /workspace, network none unless asked, the limits, and
// only the capabilities a test suite commonly needs. And the command a test
// runs with in a warm container. Pure functions (nothing to own), used by DockerExecutor;
// thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_CONTAINER_SPEC_H_
#define ARENA_AGENT_EXECUTOR_CONTAINER_SPEC_H_

#include <string>
#include <vector>

#include "agent/executor/docker_json.h"
#include "agent/executor/executor.h"

namespace arena {

// `workspace`: the checkout's directory on the host, "" for none.
ContainerSpec ContainerSpecFor(const RunRequest& request, const std::string& agent_id,
                               const std::string& workspace);

// The request's command, run after removing its artifact and JUnit paths
// (so a warm container never ships a previous test's reports); the paths
// and the command travel as arguments, never through shell quoting.
std::vector<std::string> CleanThenRun(const RunRequest& request);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_CONTAINER_SPEC_H_
