// JUnit XML reports (pytest --junitxml, gotestsum, surefire, ...) into
// per-test results. Pure functions, no state: thread-safe; bounded in size
// and work; never throws.
#ifndef ARENA_CONTROLLER_RESULTS_JUNIT_PARSER_H_
#define ARENA_CONTROLLER_RESULTS_JUNIT_PARSER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/results.pb.h"

namespace arena {

inline constexpr size_t kMaxJunitBytes = 32 << 20;
inline constexpr size_t kMaxJunitCases = 100000;
inline constexpr size_t kMaxFailureTextBytes = 64 << 10;

// The test cases of a report: suite (the enclosing testsuite's name),
// classname, name, status, duration, failure message and text, test_key
// ("classname::name", or the name alone). InvalidArgument for malformed XML
// or a document that is not a JUnit report; ResourceExhausted past the
// limits above.
absl::StatusOr<std::vector<v1::TestResult>> ParseJunit(absl::string_view xml);

}  // namespace arena

#endif  // ARENA_CONTROLLER_RESULTS_JUNIT_PARSER_H_
