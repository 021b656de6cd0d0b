// Replaces secret values in a byte stream with "***", also when a value is
// split across chunks: bytes that could be the start of a secret are held
// back until the next chunk decides. Not thread-safe; one per stream.
#ifndef ARENA_COMMON_SECRET_MASKER_H_
#define ARENA_COMMON_SECRET_MASKER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace arena {

class SecretMasker {
 public:
  static constexpr char kMask[] = "***";

  // Empty values are ignored; longer values win where two overlap.
  explicit SecretMasker(std::vector<std::string> secrets);

  // Returns the part of the stream that is safe to emit now.
  std::string Feed(absl::string_view data);
  // Returns whatever is still held back (the stream ended).
  std::string Flush();
  bool empty() const { return secrets_.empty(); }

 private:
  // Emits what is decided; with `final`, nothing more will come.
  std::string Drain(bool final);

  std::vector<std::string> secrets_;  // longest first
  std::string pending_;
};

}  // namespace arena

#endif  // ARENA_COMMON_SECRET_MASKER_H_
