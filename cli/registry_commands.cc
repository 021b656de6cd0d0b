// arenactl registry login|list|logout: credentials for container registries,
// kept sealed by the controller and sent only to the agents that pull from
// them.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/terminal.h"

namespace arena {
namespace {

int RegistryLogin(Cli& cli, const ParsedFlags& flags, const std::string& host) {
  if (!flags.Has("username") || !flags.Has("password-stdin")) {
    return Fail(kExitUsage, "registry login needs --username U and --password-stdin");
  }
  absl::StatusOr<std::string> password = ReadPasswordStdin();
  if (!password.ok()) return Fail(kExitUsage, std::string(password.status().message()));
  v1::SetRegistryCredentialRequest request;
  request.set_host(host);
  request.set_username(flags.Get("username"));
  request.set_password(*std::move(password));
  v1::RegistryCredentialInfo info;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->SetRegistryCredential(context.get(), request, &info);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(info);
    return 0;
  }
  MakeDisplaySafe(&info);
  std::printf("registry credential for %s stored (user %s)\n", info.host().c_str(),
              info.username().c_str());
  return 0;
}

int RegistryList(Cli& cli) {
  v1::ListRegistryCredentialsResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->ListRegistryCredentials(
      context.get(), v1::ListRegistryCredentialsRequest(), &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-32s %-24s %s\n", "HOST", "USERNAME", "CREATED");
  for (const v1::RegistryCredentialInfo& c : response.credentials()) {
    std::printf("%-32s %-24s %s\n", c.host().c_str(), c.username().c_str(),
                FormatMs(c.created_unix_ms()).c_str());
  }
  return 0;
}

int RegistryLogout(Cli& cli, const std::string& host) {
  v1::DeleteRegistryCredentialRequest request;
  request.set_host(host);
  v1::RegistryCredentialInfo info;
  auto context = cli.client->Context();
  grpc::Status status =
      cli.client->admin()->DeleteRegistryCredential(context.get(), request, &info);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  MakeDisplaySafe(&info);
  std::printf("registry credential for %s removed\n", info.host().c_str());
  return 0;
}

}  // namespace

int CmdRegistry(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  const std::vector<std::string>& args = flags->positional();
  std::string verb = args.empty() ? "" : args[0];
  if (verb == "login" && args.size() == 2) return RegistryLogin(cli, *flags, args[1]);
  if (verb == "list" && args.size() == 1) return RegistryList(cli);
  if (verb == "logout" && args.size() == 2) return RegistryLogout(cli, args[1]);
  return FailUsage(cli);
}

}  // namespace arena
