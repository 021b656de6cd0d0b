// arenactl git login|list|logout: credentials for private git hosts, kept
// sealed by the controller and sent only to the agents that clone from them.
#include <cstdio>
#include <iostream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/terminal.h"
#include "common/files.h"

namespace arena {
namespace {

// Fills the request's secret parts from stdin and the named files.
absl::Status ReadGitSecrets(const ParsedFlags& flags, v1::SetGitCredentialRequest* request) {
  request->set_username(flags.Get("username"));
  if (flags.Has("password-stdin")) {
    absl::StatusOr<std::string> password = ReadPasswordStdin();
    if (!password.ok()) return password.status();
    request->set_password(*std::move(password));
  }
  struct FileFlag {
    const char* flag;
    std::string* into;
  };
  for (FileFlag file : {FileFlag{"ssh-key-file", request->mutable_ssh_key()},
                        FileFlag{"known-hosts", request->mutable_known_hosts()},
                        FileFlag{"ca-file", request->mutable_ca_pem()}}) {
    if (!flags.Has(file.flag)) continue;
    absl::StatusOr<std::string> text = ReadFile(flags.Get(file.flag));
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", file.flag, ": cannot read ", flags.Get(file.flag)));
    }
    *file.into = std::move(*text);
  }
  return absl::OkStatus();
}

int GitLogin(Cli& cli, const ParsedFlags& flags, const std::string& host) {
  v1::SetGitCredentialRequest request;
  request.set_host(host);
  absl::Status read = ReadGitSecrets(flags, &request);
  if (!read.ok()) return Fail(kExitUsage, std::string(read.message()));
  v1::GitCredentialInfo info;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->SetGitCredential(context.get(), request, &info);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(info);
    return 0;
  }
  MakeDisplaySafe(&info);
  std::printf("git credential for %s stored (%s)\n", info.host().c_str(), info.kind().c_str());
  return 0;
}

int GitList(Cli& cli) {
  v1::ListGitCredentialsResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->ListGitCredentials(
      context.get(), v1::ListGitCredentialsRequest(), &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-28s %-12s %-20s %-4s %s\n", "HOST", "KIND", "USERNAME", "CA", "CREATED");
  for (const v1::GitCredentialInfo& c : response.credentials()) {
    std::printf("%-28s %-12s %-20s %-4s %s\n", c.host().c_str(), c.kind().c_str(),
                c.username().c_str(), c.has_ca() ? "yes" : "no",
                FormatMs(c.created_unix_ms()).c_str());
  }
  return 0;
}

int GitLogout(Cli& cli, const std::string& host) {
  v1::DeleteGitCredentialRequest request;
  request.set_host(host);
  v1::GitCredentialInfo info;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->DeleteGitCredential(context.get(), request, &info);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  MakeDisplaySafe(&info);
  std::printf("git credential for %s removed\n", info.host().c_str());
  return 0;
}

}  // namespace

absl::StatusOr<std::string> ReadPasswordStdin() {
  std::string password((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
  password = std::string(absl::StripTrailingAsciiWhitespace(password));
  if (password.empty()) return absl::InvalidArgumentError("stdin held no password");
  return password;
}

int CmdGit(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  const std::vector<std::string>& args = flags->positional();
  std::string verb = args.empty() ? "" : args[0];
  if (verb == "login" && args.size() == 2) return GitLogin(cli, *flags, args[1]);
  if (verb == "list" && args.size() == 1) return GitList(cli);
  if (verb == "logout" && args.size() == 2) return GitLogout(cli, args[1]);
  return FailUsage(cli);
}

}  // namespace arena
