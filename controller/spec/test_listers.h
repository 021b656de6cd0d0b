// Built-in test listers: `JobSpec.test_lister` "pytest [ARGS]" or "go
// [ARGS]" becomes the job's list command, which calls the runner's own
// collection (`pytest --collect-only -q`, `go test -list`) and prints one
// test id a line: pytest's node ids ("tests/test_a.py::TestX::test_y[1]"),
// Go's package and name ("example.com/m/pkg/TestX"). A collection error
// fails the list step (it runs with pipefail), and so does a collection
// that finds no tests. ARGS are shell words passed to the collection (paths,
// `-m "not slow"`; `./...` when a go lister has none).
// Pure functions: thread-safe.
#ifndef ARENA_CONTROLLER_SPEC_TEST_LISTERS_H_
#define ARENA_CONTROLLER_SPEC_TEST_LISTERS_H_

#include "absl/status/status.h"
#include "arena/v1/jobs.pb.h"

namespace arena {

// Sets `spec.list_command` from `spec.test_lister` and clears the latter
// (the stored spec names the command that runs). InvalidArgument for an
// unknown lister or one given with a list command or test ids.
absl::Status ExpandTestLister(v1::JobSpec& spec);

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_TEST_LISTERS_H_
