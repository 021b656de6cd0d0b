// Architecture names. Every name Arena stores or prints is normalised:
// x86_64 -> amd64, aarch64 -> arm64, armv7l -> arm/v7, ...
// Pure functions: thread-safe.
#ifndef ARENA_COMMON_ARCH_H_
#define ARENA_COMMON_ARCH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

// Returns the normalised name, or InvalidArgument for an unknown one.
absl::StatusOr<std::string> NormalizeArch(absl::string_view name);
// The architecture this process runs on, normalised.
std::string NativeArch();

}  // namespace arena

#endif  // ARENA_COMMON_ARCH_H_
