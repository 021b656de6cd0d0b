#include "agent/session/platforms.h"

#include <dirent.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/arch.h"
#include "common/files.h"

namespace arena {

std::vector<v1::Platform> DetectPlatforms(const std::string& native_arch,
                                          const std::string& binfmt_dir) {
  std::vector<v1::Platform> platforms(1);
  platforms[0].set_arch(native_arch);
  DIR* dir = opendir(binfmt_dir.c_str());
  if (dir == nullptr) return platforms;
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) names.push_back(entry->d_name);
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!absl::StartsWith(name, "qemu-")) continue;
    absl::StatusOr<std::string> state = ReadFile(absl::StrCat(binfmt_dir, "/", name));
    if (!state.ok() || !absl::StartsWith(*state, "enabled")) continue;
    std::string cpu = name.substr(5);
    absl::StatusOr<std::string> arch = NormalizeArch(cpu == "arm" ? "arm/v7" : cpu);
    if (!arch.ok() || *arch == native_arch) continue;
    bool seen = false;
    for (const v1::Platform& p : platforms) seen = seen || p.arch() == *arch;
    if (seen) continue;
    v1::Platform platform;
    platform.set_arch(*arch);
    platform.set_emulated(true);
    platforms.push_back(platform);
  }
  return platforms;
}

}  // namespace arena
