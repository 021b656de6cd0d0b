// A submitted job spec, checked, normalised and held to the controller's
// policy in one place: the job API calls ValidateJobSpec before anything is
// stored, and the fan-out reads images with ImageForArch. Pure functions:
// thread-safe.
#ifndef ARENA_CONTROLLER_SPEC_JOB_SPEC_H_
#define ARENA_CONTROLLER_SPEC_JOB_SPEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"
#include "controller/spec/spec_policy.h"

namespace arena {

// Checks and normalises a submitted spec: no NUL bytes; the test fields;
// command, environment, secrets' names and sizes; architectures (normalised,
// deduplicated, the controller's own when none); images (the default when
// none) or a build; timeouts and retries (1 h when no timeout); the source;
// then the container policy. InvalidArgument with a message naming the bad
// field; secrets stay in the spec, unsealed.
absl::StatusOr<v1::JobSpec> ValidateJobSpec(v1::JobSpec spec, const SpecPolicy& policy);

// A name an environment variable (or secret) may have: [A-Za-z_][A-Za-z0-9_]*.
bool ValidEnvName(const std::string& name);

// The image a task of `arch` runs: images[arch], else image with "{arch}"
// replaced by the architecture's name; "build:DOCKERFILE" for a build.
std::string ImageForArch(const v1::JobSpec& spec, const std::string& arch);
// An Allure server project id: lowercase letters, digits and inner hyphens,
// 1 to 100 characters.
bool ValidAllureProject(absl::string_view project);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_JOB_SPEC_H_
