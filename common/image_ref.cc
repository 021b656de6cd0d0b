#include "common/image_ref.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace arena {

ImageRef ParseImageRef(absl::string_view image) {
  ImageRef ref;
  size_t at = image.find('@');
  if (at != absl::string_view::npos) {
    ref.digest = std::string(image.substr(at + 1));
    image = image.substr(0, at);
  }
  size_t slash = image.find('/');
  if (slash != absl::string_view::npos) {
    absl::string_view first = image.substr(0, slash);
    if (absl::StrContains(first, '.') || absl::StrContains(first, ':') || first == "localhost") {
      ref.host = std::string(first);
    }
  }
  // A ':' after the last '/' starts the tag (one before it is a port).
  size_t last_slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != absl::string_view::npos &&
      (last_slash == absl::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(image.substr(colon + 1));
    image = image.substr(0, colon);
  }
  ref.name = std::string(image);
  return ref;
}

namespace {

// alnum+ (separator alnum+)*, a separator being ".", "_", "__" or "-"+
// (Docker's grammar for a path component).
bool PathComponentOk(absl::string_view part) {
  auto alnum = [](char c) { return absl::ascii_isdigit(c) || absl::ascii_islower(c); };
  if (part.empty() || !alnum(part.front()) || !alnum(part.back())) return false;
  for (size_t i = 0; i < part.size();) {
    if (alnum(part[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < part.size() && !alnum(part[j])) ++j;
    absl::string_view sep = part.substr(i, j - i);
    const bool dashes = sep.find_first_not_of('-') == absl::string_view::npos;
    if (sep != "." && sep != "_" && sep != "__" && !dashes) return false;
    i = j;
  }
  return true;
}

bool TagOk(absl::string_view tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') return false;
  for (char c : tag) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

// ALGO:HEX, ALGO's components lowercase alnum joined by "+", ".", "_" or
// "-"; sha256 with 64 hex digits, others with at least 32.
bool DigestOk(absl::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  absl::string_view algo = digest.substr(0, colon), hex = digest.substr(colon + 1);
  auto alnum = [](char c) { return absl::ascii_isdigit(c) || absl::ascii_islower(c); };
  if (!alnum(algo.front()) || !alnum(algo.back())) return false;
  for (size_t i = 0; i < algo.size(); ++i) {
    const bool sep = algo[i] == '+' || algo[i] == '.' || algo[i] == '_' || algo[i] == '-';
    if (!alnum(algo[i]) && !(sep && alnum(algo[i - 1]))) return false;
  }
  if (algo == "sha256" ? hex.size() != 64 : hex.size() < 32) return false;
  for (char c : hex) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace

absl::Status CheckImageReference(absl::string_view image) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("image \"", image, "\" is not a valid reference: ", why,
                     " (want [HOST[:PORT]/]NAME[:TAG][@sha256:HEX], the name in lowercase)"));
  };
  if (image.empty()) return bad("it is empty");
  ImageRef ref = ParseImageRef(image);
  absl::string_view path = ref.name;
  if (!ref.host.empty()) {
    if (NormalizeRegistryHost(ref.host).empty()) return bad("its registry host");
    path.remove_prefix(ref.host.size() + 1);
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (!PathComponentOk(part)) return bad(absl::StrCat("its name part \"", part, "\""));
  }
  if (!ref.tag.empty() && !TagOk(ref.tag)) return bad("its tag");
  absl::string_view named = image.substr(0, image.find('@'));
  if (named.back() == ':') return bad("an empty tag");
  if (image.find('@') != absl::string_view::npos &&
      (ref.digest.empty() || absl::StrContains(ref.digest, '@') || !DigestOk(ref.digest))) {
    return bad("its digest");
  }
  return absl::OkStatus();
}

std::string RegistryHost(absl::string_view image) {
  ImageRef ref = ParseImageRef(image);
  if (ref.host.empty()) return "docker.io";
  std::string normal = NormalizeRegistryHost(ref.host);
  return normal.empty() ? ref.host : normal;
}

std::string NormalizeRegistryHost(absl::string_view host) {
  if (host.empty() || host.size() > 255) return "";
  std::string lower = absl::AsciiStrToLower(host);
  for (char c : lower) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') {
      return "";
    }
  }
  if (lower == "index.docker.io" || lower == "registry-1.docker.io") return "docker.io";
  if (!absl::StrContains(lower, '.') && !absl::StrContains(lower, ':') && lower != "localhost") {
    return "";
  }
  return lower;
}

absl::StatusOr<PullPolicy> ParsePullPolicy(absl::string_view name) {
  if (name == "always") return PullPolicy::kAlways;
  if (name == "if-not-present") return PullPolicy::kIfNotPresent;
  if (name == "never") return PullPolicy::kNever;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown pull policy \"", name, "\" (always, if-not-present or never)"));
}

const char* PullPolicyName(PullPolicy policy) {
  switch (policy) {
    case PullPolicy::kAlways:
      return "always";
    case PullPolicy::kIfNotPresent:
      return "if-not-present";
    case PullPolicy::kNever:
      return "never";
  }
  return "never";
}

PullPolicy DefaultPullPolicy(absl::string_view image) {
  ImageRef ref = ParseImageRef(image);
  if (ref.host.empty()) return PullPolicy::kNever;
  if (!ref.digest.empty()) return PullPolicy::kIfNotPresent;
  if (ref.tag.empty() || ref.tag == "latest") return PullPolicy::kAlways;
  return PullPolicy::kIfNotPresent;
}

absl::StatusOr<PullPolicy> EffectivePullPolicy(absl::string_view requested,
                                               absl::string_view image) {
  if (requested.empty()) return DefaultPullPolicy(image);
  return ParsePullPolicy(requested);
}

}  // namespace arena
