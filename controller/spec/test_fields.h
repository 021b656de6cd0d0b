// The checks of a spec's test fields: the command, suites and tests
// alternatives, test ids, artifact and JUnit paths, reruns. Also used for
// the test ids a list command prints. Pure functions: thread-safe.
#ifndef ARENA_CONTROLLER_SPEC_TEST_FIELDS_H_
#define ARENA_CONTROLLER_SPEC_TEST_FIELDS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

// Exactly one of command, suites, tests or list_command (with a test
// command holding "{test}" or "{tests}") must be given; suite names unique, test ids
// valid and unique, paths inside the container. InvalidArgument otherwise.
absl::Status ValidateTestFields(const v1::JobSpec& spec);

// One line of 1 to kMaxTestIdBytes bytes, no NUL.
absl::Status CheckTestId(absl::string_view id);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_TEST_FIELDS_H_
