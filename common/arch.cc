#include "common/arch.h"

#include <sys/utsname.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace arena {

absl::StatusOr<std::string> NormalizeArch(absl::string_view name) {
  struct Alias {
    const char* from;
    const char* to;
  };
  static constexpr Alias kAliases[] = {
      {"amd64", "amd64"},   {"x86_64", "amd64"},    {"x86-64", "amd64"},  {"arm64", "arm64"},
      {"aarch64", "arm64"}, {"arm64/v8", "arm64"},  {"arm/v7", "arm/v7"}, {"armv7l", "arm/v7"},
      {"armv7", "arm/v7"},  {"armhf", "arm/v7"},    {"arm/v6", "arm/v6"}, {"armv6l", "arm/v6"},
      {"386", "386"},       {"i386", "386"},        {"i686", "386"},      {"ppc64le", "ppc64le"},
      {"s390x", "s390x"},   {"riscv64", "riscv64"},
  };
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  if (absl::StartsWith(lower, "linux/")) lower = lower.substr(6);
  for (const Alias& alias : kAliases) {
    if (lower == alias.from) return std::string(alias.to);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown architecture \"", name,
                   "\" (known: amd64, arm64, arm/v7, arm/v6, 386, ppc64le, "
                   "s390x, riscv64)"));
}

std::string NativeArch() {
  struct utsname u;
  if (uname(&u) != 0) return "amd64";
  auto arch = NormalizeArch(u.machine);
  return arch.ok() ? *arch : std::string(u.machine);
}

}  // namespace arena
