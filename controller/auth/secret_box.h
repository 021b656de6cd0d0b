// Seals job secrets at rest: AES-256-GCM under a key kept in the data dir
// (secrets.key, 0600), so the database never holds them in plain text.
// Owner: the Controller. Thread-safe (immutable after construction).
#ifndef ARENA_CONTROLLER_AUTH_SECRET_BOX_H_
#define ARENA_CONTROLLER_AUTH_SECRET_BOX_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arena {

class SecretBox {
 public:
  // Loads the key at `path`, creating a random one on first use.
  static absl::StatusOr<SecretBox> LoadOrCreate(const std::string& path);
  explicit SecretBox(std::string key) : key_(std::move(key)) {}

  // nonce (12 bytes) || ciphertext || tag (16 bytes).
  absl::StatusOr<std::string> Seal(absl::string_view plaintext) const;
  // DataLoss when the box was tampered with or sealed under another key.
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;

 private:
  std::string key_;  // 32 bytes
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_AUTH_SECRET_BOX_H_
