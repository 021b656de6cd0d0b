// Log channels of an attempt: "" is the task's own log (the container's
// bytes and Arena's "arena:" lines); "build" is the output of the image
// build; later "service:NAME" for a sidecar's log. One rule for the agent,
// the controller's log store and the API. Pure functions; thread-safe.
#ifndef ARENA_COMMON_LOG_CHANNEL_H_
#define ARENA_COMMON_LOG_CHANNEL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

constexpr char kBuildChannel[] = "build";

// OK for "", for a lowercase word ("build") and for a word, ':' and a name
// of letters, digits, '.', '_' or '-' ("service:db"), 64 bytes at most.
// Channels end up in file names, so nothing else is accepted.
absl::Status CheckLogChannel(absl::string_view channel);

}  // namespace arena

#endif  // ARENA_COMMON_LOG_CHANNEL_H_
