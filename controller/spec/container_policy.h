// The controller's container policy applied to a job spec: resources get
// their defaults and are held to the limits, the network and pull policies
// must be allowed. Pure functions: thread-safe.
#ifndef ARENA_CONTROLLER_SPEC_CONTAINER_POLICY_H_
#define ARENA_CONTROLLER_SPEC_CONTAINER_POLICY_H_

#include "absl/status/status.h"
#include "arena/v1/jobs.pb.h"
#include "controller/spec/spec_policy.h"

namespace arena {

// Fills in the defaults of `spec.resources` and `spec.network`; refuses
// (InvalidArgument, "policy: ...") what exceeds `policy` or is not allowed.
// REQUIRES: the spec's architectures and images are normalised.
absl::Status ApplyContainerPolicy(v1::JobSpec& spec, const SpecPolicy& policy);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_CONTAINER_POLICY_H_
