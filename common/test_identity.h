// One id per test whatever the mode: the runner's own node id where the
// JUnit report lets us rebuild it. pytest's report names a test by its
// module's dotted path ("tests.unit.test_math", "tests.test_x.TestY") and
// its name; the node id a user lists and queues is the file path and the
// names ("tests/unit/test_math.py::test_add", "tests/test_x.py::TestY::t").
// Used by the JUnit parser and by the store's migration of older rows. Pure
// functions: thread-safe.
#ifndef ARENA_COMMON_TEST_IDENTITY_H_
#define ARENA_COMMON_TEST_IDENTITY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace arena {

// The key of a JUnit testcase: pytest's node id when `classname` is a
// pytest module path (its last lowercase part named test_* or *_test,
// followed only by CapWords classes) or `file` names a .py file; otherwise
// "classname::name" (JUnit's, Go's, Java's), or `name` without a classname.
std::string TestKeyOf(absl::string_view classname, absl::string_view name,
                      absl::string_view file = "");

}  // namespace arena

#endif  // ARENA_COMMON_TEST_IDENTITY_H_
