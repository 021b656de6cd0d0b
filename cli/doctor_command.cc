// arenactl doctor: what CI runs before a long job. Each check prints one
// line, "ok" or "FAIL"; the exit status is 0 when a job with these
// architectures and labels could start now, 3 otherwise.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "arena/v1/jobs.grpc.pb.h"
#include "cli/cli.h"
#include "cli/terminal.h"
#include "common/flags.h"

namespace arena {
namespace {

// A plain TCP connect, so "not listening" reads differently from a TLS or
// token problem. Bounded by the kernel's connect timeout for loopback and
// by a 5 s send timeout elsewhere.
std::string TcpProblem(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return absl::StrCat(address, " is not HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), address.substr(colon + 1).c_str(), &hints, &found);
  if (rc != 0) return absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  std::string problem = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    bool connected = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    problem = connected ? "" : std::string(strerror(errno));
    close(fd);
    if (connected) return "";
  }
  return problem;
}

// What a failed handshake means for the operator: the CA does not sign the
// controller's certificate, or the certificate does not carry the name
// dialled; gRPC's own words follow.
std::string TlsProblem(const ClientOptions& options, const std::string& grpc_message) {
  std::string host = options.controller.substr(0, options.controller.rfind(':'));
  if (absl::StrContains(grpc_message, "certificate verify failed")) {
    return absl::StrCat("TLS: the controller's certificate is not signed by the CA in ",
                        options.ca_file, " (", grpc_message, ")");
  }
  if (absl::StrContains(grpc_message, "not in peer certificate")) {
    return absl::StrCat("TLS: the controller's certificate does not name ", host,
                        " (dial a name it has, or start the controller with --advertise ", host,
                        ")");
  }
  return absl::StrCat("TLS or transport: ", grpc_message);
}

void Line(bool ok, const std::string& text) {
  std::printf("%-4s %s\n", ok ? "ok" : "FAIL", SafeField(text).c_str());
}

absl::StatusOr<v1::CheckCapacityRequest> RequestFrom(const ParsedFlags& flags) {
  v1::CheckCapacityRequest request;
  for (absl::string_view arch : absl::StrSplit(flags.Get("arch"), ',', absl::SkipEmpty())) {
    request.add_architectures(std::string(arch));
  }
  request.set_executor(flags.Get("executor"));
  for (const std::string& label : flags.GetAll("label")) {
    absl::StatusOr<std::map<std::string, std::string>> kv = ParseKeyValues(label);
    if (!kv.ok())
      return absl::InvalidArgumentError(absl::StrCat("--label: ", kv.status().message()));
    request.mutable_labels()->insert(kv->begin(), kv->end());
  }
  return request;
}

// One line per architecture, then one per unhealthy agent that would
// otherwise count; returns whether each architecture has a healthy agent.
bool ReportArchitectures(const v1::CheckCapacityResponse& response) {
  bool all = true;
  for (const v1::ArchCapacity& arch : response.architectures()) {
    if (arch.agents() == 0) {
      Line(false, absl::StrCat(arch.arch(), ": ", arch.reason()));
      all = false;
      continue;
    }
    std::string emulated =
        arch.emulated() > 0 ? absl::StrCat(", ", arch.emulated(), " by emulation") : "";
    Line(true,
         absl::StrCat(arch.arch(), ": ", arch.agents(), arch.agents() == 1 ? " agent" : " agents",
                      " could run it now (", arch.free_slots(), " free slots", emulated, ")"));
    for (const std::string& sick : arch.unhealthy()) {
      std::printf(
          "%-4s %s\n", "warn",
          SafeField(absl::StrCat(arch.arch(), ": agent ", sick, " (unhealthy, not counted)"))
              .c_str());
    }
  }
  return all;
}

}  // namespace

int CmdDoctor(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (!flags->positional().empty()) return Fail(kExitUsage, "doctor takes no arguments");
  absl::StatusOr<v1::CheckCapacityRequest> request = RequestFrom(*flags);
  if (!request.ok()) return Fail(kExitUsage, std::string(request.status().message()));
  const ClientOptions& options = cli.client->options();
  std::string tcp = TcpProblem(options.controller);
  if (!tcp.empty()) {
    Line(false, absl::StrCat("controller ", options.controller, " not reachable: ", tcp));
    return kExitError;
  }
  v1::CheckCapacityResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->CheckCapacity(context.get(), *request, &response);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    Line(true, absl::StrCat("controller ", options.controller, " listening"));
    Line(false, TlsProblem(options, status.error_message()));
    return kExitError;
  }
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    return Fail(kExitUsage, cli.client->Describe(status));  // --arch or --label
  }
  if (!status.ok()) {
    Line(true, absl::StrCat("controller ", options.controller, " reachable, TLS verified"));
    Line(false, absl::StrCat("token (", options.token_source, "): ", cli.client->Describe(status)));
    return kExitError;
  }
  if (cli.output == "json") {
    PrintJson(response);
  } else {
    Line(true, absl::StrCat("controller ", options.controller, " reachable, TLS verified with CA ",
                            options.ca_file));
    Line(true, absl::StrCat("token \"", response.caller(), "\" (role ", response.role(), ")"));
  }
  bool ready = cli.output == "json" ? true : ReportArchitectures(response);
  for (const v1::ArchCapacity& arch : response.architectures()) ready = ready && arch.agents() > 0;
  return ready ? kExitPassed : kExitError;
}

}  // namespace arena
