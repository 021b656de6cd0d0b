// The agent's health checks, one function each: what a check pass of the
// HealthMonitor runs. Each returns the problem as one sentence for an
// operator ("free disk 1.2 GiB < 2 GiB"), or an empty string when the check
// passes. Also the parsing of the health flags' values.
//
// Stateless functions over the operating system (statvfs, sh -c, dockerd);
// thread-safe. Nothing here is owned.
#ifndef ARENA_AGENT_HEALTH_HEALTH_CHECKS_H_
#define ARENA_AGENT_HEALTH_HEALTH_CHECKS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arena {

// "N", "NK", "NM", "NG" or "NT" (binary units; "512M", "2G") as bytes.
// InvalidArgument when malformed or above 2^50 bytes.
absl::StatusOr<int64_t> ParseByteSize(absl::string_view text);

// Bytes for an operator: "1.2 GiB", "512 MiB", "100 B".
std::string FormatBytes(int64_t bytes);

// The filesystem holding `path` has fewer than `min_free` bytes free for an
// unprivileged writer: "free disk 1.2 GiB < 2 GiB on /var/lib/arena".
std::string FreeDiskProblem(const std::string& path, int64_t min_free);
// The same judgement over numbers already measured (unit-tested directly).
std::string FreeDiskProblem(const std::string& path, int64_t free_bytes, int64_t min_free);

// The last non-empty line of `output`, trimmed and cut to 200 bytes.
std::string LastLine(absl::string_view output);

// Runs `command` with sh -c (stdin /dev/null, stdout and stderr together),
// bounded by `timeout`; `env` is added to its environment. Returns the
// problem "<what> exited N: <last line of its output>" or "<what> timed out
// after 30s", or empty on exit 0. `output`, when set, receives the output.
std::string ShellCommandProblem(const std::string& what, const std::string& command,
                                absl::Duration timeout,
                                const std::vector<std::pair<std::string, std::string>>& env,
                                std::string* output = nullptr);

// dockerd at `socket` answers; with `image` (a local image holding `true`;
// never pulled), a container of it with network none is created, started and
// waited for, then removed. The container carries `agent_id` as the
// arena.agent label, so a crashed agent's leftover is removed at start like
// its attempts' containers.
std::string DockerProblem(const std::string& socket, const std::string& image,
                          const std::string& agent_id);

}  // namespace arena

#endif  // ARENA_AGENT_HEALTH_HEALTH_CHECKS_H_
