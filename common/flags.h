// Command-line parsing shared by the three binaries.
//
// Accepts "--name value", "--name=value", "-o value" for declared short
// aliases, and bare boolean flags. Everything after "--" is passed through
// untouched. An undeclared flag or a value flag without a value is an error.
// Pure functions: thread-safe.
#ifndef ARENA_COMMON_FLAGS_H_
#define ARENA_COMMON_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace arena {

struct FlagSpec {
  std::set<std::string> value_flags;  // names without dashes
  std::set<std::string> bool_flags;
  std::map<std::string, std::string> short_aliases;  // "o" -> "output"
};

class ParsedFlags {
 public:
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Last value given for `name`, or `fallback`.
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // Every value given for a repeatable flag, in order.
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  const std::vector<std::string>& passthrough() const { return passthrough_; }

 private:
  friend absl::StatusOr<ParsedFlags> ParseFlags(const FlagSpec&, const std::vector<std::string>&);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  std::vector<std::string> passthrough_;
};

absl::StatusOr<ParsedFlags> ParseFlags(const FlagSpec& spec, const std::vector<std::string>& args);

}  // namespace arena

namespace arena {

// "k=v,k2=v2" <-> map. An item without '=' or with an empty key is an error.
absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(const std::string& text);
std::string FormatKeyValues(const std::map<std::string, std::string>& values);

}  // namespace arena

#endif  // ARENA_COMMON_FLAGS_H_
