#include "common/secret_masker.h"

#include <algorithm>

namespace arena {

SecretMasker::SecretMasker(std::vector<std::string> secrets) {
  for (std::string& s : secrets) {
    if (!s.empty()) secrets_.push_back(std::move(s));
  }
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretMasker::Feed(absl::string_view data) {
  if (secrets_.empty()) return std::string(data);
  pending_.append(data.data(), data.size());
  return Drain(/*final=*/false);
}

std::string SecretMasker::Drain(bool final) {
  absl::string_view buffer(pending_);
  std::string out;
  out.reserve(buffer.size());
  size_t i = 0;
  while (i < buffer.size()) {
    absl::string_view rest = buffer.substr(i);
    bool masked = false;
    bool maybe = false;  // rest is a proper prefix of some secret
    for (const std::string& secret : secrets_) {
      if (secret[0] != rest[0]) continue;
      if (rest.size() >= secret.size()) {
        if (rest.substr(0, secret.size()) == secret) {
          if (maybe) break;  // a longer secret may still match: wait
          out += kMask;
          i += secret.size();
          masked = true;
          break;
        }
      } else if (!final && absl::string_view(secret).substr(0, rest.size()) == rest) {
        maybe = true;
      }
    }
    if (masked) continue;
    if (maybe) break;  // wait for the next chunk
    out.push_back(buffer[i]);
    ++i;
  }
  pending_.erase(0, i);
  return out;
}

std::string SecretMasker::Flush() {
  std::string out = Drain(/*final=*/true);
  pending_.clear();
  return out;
}

}  // namespace arena
