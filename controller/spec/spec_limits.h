// The bounds a job spec is held to, in one place: the checks in
// controller/spec/ and the fan-out's test lists use the same numbers.
// Constants, nothing to own: thread-safe.
#ifndef ARENA_CONTROLLER_SPEC_SPEC_LIMITS_H_
#define ARENA_CONTROLLER_SPEC_SPEC_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace arena {

// A job's timeout when it names none (1 h) and the most it may name.
inline constexpr int64_t kDefaultTimeoutMs = 60 * 60 * 1000;
inline constexpr int64_t kMaxTimeoutMs = 7 * 24 * 60 * 60 * 1000LL;
inline constexpr int kMaxArchitectures = 16;
inline constexpr int kMaxRetries = 10;
inline constexpr int kMaxReruns = 10;
// Sizes of the spec's texts.
inline constexpr size_t kMaxCommandBytes = 128 * 1024;
inline constexpr size_t kMaxShellCommandBytes = 64 * 1024;
inline constexpr size_t kMaxEnvBytes = 64 * 1024;
inline constexpr size_t kMaxSecretBytes = 64 * 1024;
inline constexpr size_t kMaxBuildPathBytes = 1024;
inline constexpr int kMaxBuildArgs = 64;
// Suites, tests (given or listed by a list command) and result paths.
inline constexpr int kMaxSuites = 256;
inline constexpr int kMaxTests = 20000;
inline constexpr size_t kMaxTestIdBytes = 1024;
inline constexpr int kMaxPaths = 32;
// Services beside the test, and how long one may take to become ready.
inline constexpr int kMaxServices = 8;
inline constexpr int64_t kDefaultReadyTimeoutMs = 60 * 1000;
inline constexpr int64_t kMaxReadyTimeoutMs = 60 * 60 * 1000;

}  // namespace arena

#endif  // ARENA_CONTROLLER_SPEC_SPEC_LIMITS_H_
