// arenactl user create|list|disable|enable|passwd: people's accounts for
// the dashboard's login (admin). Passwords come from stdin, never from the
// command line, and are not echoed.
#include <cstdio>

#include "absl/time/clock.h"
#include "cli/cli.h"
#include "cli/terminal.h"

namespace arena {
namespace {

void PrintUser(const Cli& cli, const v1::UserInfo& user) {
  if (cli.output == "json") return PrintJson(user);
  std::printf("user %s: %s, %s\n", SafeField(user.name()).c_str(), SafeField(user.role()).c_str(),
              user.disabled() ? "disabled" : "enabled");
}

int ListUsers(Cli& cli) {
  v1::ListUsersResponse response;
  auto context = cli.client->Context();
  grpc::Status status =
      cli.client->admin()->ListUsers(context.get(), v1::ListUsersRequest(), &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  const int64_t now = absl::ToUnixMillis(absl::Now());
  std::printf("%-24s %-10s %-9s %-7s %s\n", "USER", "ROLE", "STATE", "FAILED", "LAST LOGIN");
  for (const v1::UserInfo& u : response.users()) {
    const char* state = u.disabled()                     ? "disabled"
                        : u.locked_until_unix_ms() > now ? "locked"
                                                         : "enabled";
    std::printf("%-24s %-10s %-9s %-7d %s\n", u.name().c_str(), u.role().c_str(), state,
                u.failed_logins(), Ago(u.last_login_unix_ms()).c_str());
  }
  return 0;
}

}  // namespace

int CmdUser(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  const std::vector<std::string>& args = flags->positional();
  const std::string verb = args.empty() ? "" : args[0];
  if (verb == "list" && args.size() == 1) return ListUsers(cli);
  if (args.size() != 2) return FailUsage(cli);
  auto context = cli.client->Context();
  v1::UserInfo user;
  grpc::Status status;
  if (verb == "create" || verb == "passwd") {
    absl::StatusOr<std::string> password = ReadPasswordStdin();
    if (!password.ok()) return Fail(kExitUsage, std::string(password.status().message()));
    if (verb == "create") {
      v1::CreateUserRequest request;
      request.set_name(args[1]);
      request.set_role(flags->Get("role", "submitter"));
      request.set_password(*password);
      status = cli.client->admin()->CreateUser(context.get(), request, &user);
    } else {
      v1::SetPasswordRequest request;
      request.set_name(args[1]);
      request.set_password(*password);
      status = cli.client->admin()->SetPassword(context.get(), request, &user);
    }
  } else if (verb == "disable" || verb == "enable") {
    v1::DisableUserRequest request;
    request.set_name(args[1]);
    request.set_undo(verb == "enable");
    status = cli.client->admin()->DisableUser(context.get(), request, &user);
  } else {
    return FailUsage(cli);
  }
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  PrintUser(cli, user);
  return 0;
}

}  // namespace arena
