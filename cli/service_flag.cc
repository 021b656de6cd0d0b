#include "cli/service_flag.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace arena {
namespace {

constexpr char kUsage[] =
    "--service wants NAME=IMAGE[,ready=tcp:PORT|http:PORT/PATH|exec:CMD][,timeout=D]";

absl::Status Usage(absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(kUsage, ": ", problem));
}

absl::Status SetProbe(absl::string_view probe, v1::Service& service) {
  v1::ReadyProbe* ready = service.mutable_ready();
  if (absl::ConsumePrefix(&probe, "tcp:")) {
    int port = 0;
    if (!absl::SimpleAtoi(probe, &port)) return Usage(absl::StrCat("bad tcp port \"", probe, "\""));
    ready->set_tcp(port);
  } else if (absl::ConsumePrefix(&probe, "http:")) {
    ready->set_http(std::string(probe));
  } else if (absl::ConsumePrefix(&probe, "exec:")) {
    ready->set_exec(std::string(probe));
  } else {
    return Usage(absl::StrCat("unknown probe \"", probe, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Service> ParseServiceFlag(const std::string& value) {
  v1::Service service;
  absl::string_view rest = value;
  size_t equals = rest.find('=');
  if (equals == absl::string_view::npos || equals == 0) return Usage("no NAME=");
  service.set_name(std::string(rest.substr(0, equals)));
  rest.remove_prefix(equals + 1);
  size_t comma = rest.find(',');
  service.set_image(std::string(rest.substr(0, comma)));
  if (service.image().empty()) return Usage("no image");
  rest = comma == absl::string_view::npos ? "" : rest.substr(comma + 1);
  while (!rest.empty()) {
    if (absl::ConsumePrefix(&rest, "ready=")) {
      // exec:CMD takes everything after it.
      size_t end = absl::StartsWith(rest, "exec:") ? absl::string_view::npos : rest.find(',');
      absl::Status probe = SetProbe(rest.substr(0, end), service);
      if (!probe.ok()) return probe;
      rest = end == absl::string_view::npos ? "" : rest.substr(end + 1);
    } else if (absl::ConsumePrefix(&rest, "timeout=")) {
      size_t end = rest.find(',');
      absl::Duration timeout;
      if (!absl::ParseDuration(rest.substr(0, end), &timeout) || timeout <= absl::ZeroDuration()) {
        return Usage(absl::StrCat("bad timeout \"", rest.substr(0, end), "\""));
      }
      service.set_ready_timeout_ms(absl::ToInt64Milliseconds(timeout));
      rest = end == absl::string_view::npos ? "" : rest.substr(end + 1);
    } else {
      return Usage(absl::StrCat("unknown part \"", rest.substr(0, rest.find(',')), "\""));
    }
  }
  return service;
}

}  // namespace arena
