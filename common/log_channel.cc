#include "common/log_channel.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace arena {
namespace {

bool NameChar(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-'; }

}  // namespace

absl::Status CheckLogChannel(absl::string_view channel) {
  if (channel.empty()) return absl::OkStatus();
  auto bad = [channel] {
    return absl::InvalidArgumentError(
        absl::StrCat("bad log channel \"", absl::CHexEscape(channel.substr(0, 80)),
                     "\": want \"build\" or KIND:NAME (letters, digits, . _ -)"));
  };
  if (channel.size() > 64) return bad();
  size_t colon = channel.find(':');
  absl::string_view kind = channel.substr(0, colon);
  if (kind.empty()) return bad();
  for (char c : kind) {
    if (!absl::ascii_islower(c)) return bad();
  }
  if (colon == absl::string_view::npos) return absl::OkStatus();
  absl::string_view name = channel.substr(colon + 1);
  if (name.empty() || name[0] == '.') return bad();
  for (char c : name) {
    if (!NameChar(c)) return bad();
  }
  return absl::OkStatus();
}

}  // namespace arena
