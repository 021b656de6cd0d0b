// Job specs from files and the test-intelligence flags of submit and run.
// Pure functions: thread-safe.
#ifndef ARENA_CLI_JOB_FILE_H_
#define ARENA_CLI_JOB_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"
#include "common/flags.h"

namespace arena {

// A JobSpec from YAML or JSON text (JSON is YAML): the API's field names,
// snake_case or lowerCamelCase. InvalidArgument naming the problem.
absl::StatusOr<v1::JobSpec> ParseJobSpecText(absl::string_view text);
absl::StatusOr<v1::JobSpec> LoadJobFile(const std::string& path);

// --suite NAME=CMD, --suite-serial NAME=CMD, --junit PATH, --artifact PATH,
// --tests ID,ID, --list-command CMD, --test-command TEMPLATE, --reruns N,
// --flaky-fails, --destructive ID: added to `spec`.
absl::Status ApplyTestFlags(const ParsedFlags& flags, v1::JobSpec& spec);

// The flags submit and run take (the command table's job flag groups), and
// the spec they describe (-f FILE first, then the flags on top, then the
// command after "--").
FlagSpec JobFlagSpec();
absl::StatusOr<v1::JobSpec> SpecFromFlags(const ParsedFlags& flags);

}  // namespace arena

#endif  // ARENA_CLI_JOB_FILE_H_
