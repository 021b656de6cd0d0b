// The --service flag of run and submit: "NAME=IMAGE[,ready=PROBE][,timeout=D]"
// as a JobSpec service (the common case; -f job.yaml takes the whole
// Service message). Pure function: thread-safe.
#ifndef ARENA_CLI_SERVICE_FLAG_H_
#define ARENA_CLI_SERVICE_FLAG_H_

#include <string>

#include "absl/status/statusor.h"
#include "arena/v1/agent.pb.h"

namespace arena {

// PROBE is tcp:PORT, http:PORT[/PATH] or exec:CMD (exec takes the rest of
// the value, commas included, so it comes last); D a duration ("90s").
// InvalidArgument with a usage line otherwise. The controller checks the
// rest (names, images, ports).
absl::StatusOr<v1::Service> ParseServiceFlag(const std::string& value);

}  // namespace arena

#endif  // ARENA_CLI_SERVICE_FLAG_H_
