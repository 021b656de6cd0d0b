#include "common/test_identity.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace arena {
namespace {

bool PytestModule(absl::string_view part) {
  return absl::StartsWith(part, "test_") || absl::EndsWith(part, "_test") || part == "test";
}

bool Identifier(absl::string_view part) {
  if (part.empty() || absl::ascii_isdigit(part[0])) return false;
  for (char c : part) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string TestKeyOf(absl::string_view classname, absl::string_view name, absl::string_view file) {
  if (classname.empty()) return std::string(name);
  std::string plain = absl::StrCat(classname, "::", name);
  std::vector<absl::string_view> parts = absl::StrSplit(classname, '.');
  for (absl::string_view part : parts) {
    if (!Identifier(part)) return plain;
  }
  // The module is the last part pytest would collect; classes follow it.
  size_t module = parts.size();
  for (size_t i = parts.size(); i-- > 0;) {
    if (absl::ascii_islower(parts[i][0]) || parts[i][0] == '_') {
      module = i;
      break;
    }
  }
  if (module == parts.size()) return plain;
  bool from_file = absl::EndsWith(file, ".py");
  if (!from_file && !PytestModule(parts[module])) return plain;
  for (size_t i = module + 1; i < parts.size(); ++i) {
    if (!absl::ascii_isupper(parts[i][0])) return plain;
  }
  std::vector<absl::string_view> modules(parts.begin(), parts.begin() + module + 1);
  std::vector<absl::string_view> classes(parts.begin() + module + 1, parts.end());
  std::string path =
      from_file ? std::string(file) : absl::StrCat(absl::StrJoin(modules, "/"), ".py");
  std::string key = path;
  for (absl::string_view c : classes) absl::StrAppend(&key, "::", c);
  return absl::StrCat(key, "::", name);
}

}  // namespace arena
