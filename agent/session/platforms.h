// The platforms this host can run: its native architecture plus those that
// binfmt_misc hands to an enabled qemu interpreter (marked emulated).
// A function main calls once; stateless (nothing to own), thread-safe.
#ifndef ARENA_AGENT_SESSION_PLATFORMS_H_
#define ARENA_AGENT_SESSION_PLATFORMS_H_

#include <string>
#include <vector>

#include "arena/v1/agent.pb.h"

namespace arena {

std::vector<v1::Platform> DetectPlatforms(
    const std::string& native_arch, const std::string& binfmt_dir = "/proc/sys/fs/binfmt_misc");

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_PLATFORMS_H_
