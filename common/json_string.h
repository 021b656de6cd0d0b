// The one JSON string escaper: the REST gateway's answers, JSON log lines
// and job files converted to JSON all write strings with it. Pure;
// thread-safe.
#ifndef ARENA_COMMON_JSON_STRING_H_
#define ARENA_COMMON_JSON_STRING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace arena {

// Appends `text` as a quoted JSON string: quotes, backslashes and control
// characters escaped, valid UTF-8 kept as it is, every byte that is not
// part of valid UTF-8 (overlong forms and surrogates included) replaced by
// \ufffd, so the output is always valid JSON.
void AppendJsonString(absl::string_view text, std::string* out);

// The same, as a new string.
std::string JsonString(absl::string_view text);

}  // namespace arena

#endif  // ARENA_COMMON_JSON_STRING_H_
