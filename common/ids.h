// Random identifiers and secrets.
// Functions, no state of their own: thread-safe (OpenSSL's RAND_bytes).
#ifndef ARENA_COMMON_IDS_H_
#define ARENA_COMMON_IDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace arena {

// "prefix-" followed by 12 random hex characters, e.g. "job-3f9a0c1d2e4b".
std::string NewId(absl::string_view prefix);
// A secret of `bytes` random bytes, hex-encoded, from the OS CSPRNG.
std::string NewSecret(int bytes = 24);
// Lower-case hex SHA-256 of `data`; secrets are stored only in this form.
std::string Sha256Hex(absl::string_view data);

}  // namespace arena

#endif  // ARENA_COMMON_IDS_H_
