#include "common/service_probe.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace arena {

bool ValidServiceName(absl::string_view name) {
  if (name.empty() || name.size() > 63 || name == "localhost") return false;
  auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!word(c) && c != '-') return false;
  }
  return word(name.front()) && word(name.back());
}

absl::StatusOr<HttpProbeTarget> ParseHttpProbe(absl::string_view text) {
  size_t slash = text.find('/');
  absl::string_view port_text = text.substr(0, slash);
  HttpProbeTarget target;
  if (!absl::SimpleAtoi(port_text, &target.port) || target.port < 1 || target.port > 65535 ||
      !absl::ascii_isdigit(port_text.empty() ? 'x' : port_text[0])) {
    return absl::InvalidArgumentError(
        absl::StrCat("http probe \"", absl::CHexEscape(text.substr(0, 80)),
                     "\" wants PORT or PORT/PATH with a port from 1 to 65535"));
  }
  if (slash == absl::string_view::npos) return target;
  absl::string_view path = text.substr(slash);
  bool printable = path.size() <= 1024;
  for (char c : path) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable) {
    return absl::InvalidArgumentError(
        "http probe path must be printable, without spaces, at most 1 KiB");
  }
  target.path = std::string(path);
  return target;
}

std::string ServiceLogChannel(absl::string_view name) { return absl::StrCat("service:", name); }

}  // namespace arena
