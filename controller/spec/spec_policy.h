// What the controller allows a job to ask for and what a job gets when it
// names nothing: set from the controller's flags, read by the spec checks.
// A plain value owned by ControllerConfig; copy it freely.
// Thread-compatible: const after start.
#ifndef ARENA_CONTROLLER_SPEC_SPEC_POLICY_H_
#define ARENA_CONTROLLER_SPEC_SPEC_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace arena {

struct SpecPolicy {
  std::string default_image;
  std::string default_arch;  // when a job names none: the controller's own
  // Container policy: defaults for jobs that name none, and the most a job
  // may ask for. Networks other than "none" must be listed to be allowed.
  int64_t default_memory_mb = 2048;
  int64_t max_memory_mb = 8192;
  double default_cpus = 2;
  double max_cpus = 4;
  int64_t default_pids = 1024;
  int64_t max_pids = 4096;
  // The container's writable layer and /tmp.
  int64_t default_disk_mb = 4096;
  int64_t max_disk_mb = 10240;
  std::vector<std::string> allowed_networks = {"none"};
  // Pull policies a job may use, its default for each image included.
  std::vector<std::string> allowed_pull_policies = {"always", "if-not-present", "never"};
  // Repositories on the agents' own disks (file:// URLs, paths): for tests
  // and single-host setups only; agents must allow them too.
  bool allow_local_repos = false;
  // Results go to an Allure server (--allure-url): a job may name a project,
  // and one that names none gets `default_allure_project` (empty: none).
  bool allure_enabled = false;
  std::string default_allure_project;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_SPEC_POLICY_H_
