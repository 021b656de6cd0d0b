// What a rerun of a job runs (RerunJob): the job's own spec, or only what
// did not pass. Pure functions, nothing to own; thread-safe. Unit-tested.
#ifndef ARENA_CONTROLLER_SPEC_RERUN_SPEC_H_
#define ARENA_CONTROLLER_SPEC_RERUN_SPEC_H_

#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

// The spec of a rerun of `job`, whose tasks must all be there. Without
// `failed_only`, the job's spec as stored. With it (an ended job only:
// FailedPrecondition otherwise, and when every task passed), only what did
// not pass, on the architectures where it did not: its failed tests (the
// list step dropped, the tests named), its failed suites, or its command.
// A failed list step reruns that architecture's whole list; a cancelled or
// timed-out task counts as not passed.
absl::StatusOr<v1::JobSpec> RerunSpec(const v1::Job& job, bool failed_only);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_RERUN_SPEC_H_
