// The services of a submitted job spec (JobSpec.services), checked and
// normalised: names, images, commands, environment, readiness probes and
// their timeouts, and the controller's pull policy for each service image.
// Called by ValidateJobSpec. Pure functions: thread-safe.
#ifndef ARENA_CONTROLLER_SPEC_SERVICES_H_
#define ARENA_CONTROLLER_SPEC_SERVICES_H_

#include <string>

#include "absl/status/status.h"
#include "arena/v1/jobs.pb.h"
#include "controller/spec/spec_policy.h"

namespace arena {

// InvalidArgument naming the service and the field; fills in the default
// ready timeout (60 s). Services need the docker executor.
absl::Status ValidateServices(v1::JobSpec& spec, const SpecPolicy& policy);

// The image a service runs on `arch`: "{arch}" replaced by its name.
std::string ServiceImageForArch(const v1::Service& service, const std::string& arch);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_SERVICES_H_
