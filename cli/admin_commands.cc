// arenactl's fleet and administration commands: agents, the fleet's
// history, join tokens, API tokens, agent revoke/drain, and the audit trail.
#include <cstdio>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/fleet_table.h"
#include "cli/terminal.h"

namespace arena {
namespace {

std::string FormatTime(int64_t ms) { return ms <= 0 ? "never" : FormatMs(ms); }

// What a token can do now: revoked, expired (past its expiry), or active.
const char* TokenState(const v1::TokenInfo& token, int64_t now_ms) {
  if (token.revoked()) return "revoked";
  if (token.expires_unix_ms() > 0 && token.expires_unix_ms() <= now_ms) return "expired";
  return "active";
}

}  // namespace

int CmdAgents(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  v1::ListAgentsResponse response;
  auto context = cli.client->Context();
  grpc::Status status =
      cli.client->stub()->ListAgents(context.get(), v1::ListAgentsRequest(), &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-20s %-16s %-10s %-6s %-10s %-8s %-10s %-28s %s\n", "AGENT", "HOSTNAME", "STATE",
              "BUSY", "SEEN", "EXECUTOR", "HEALTH", "PLATFORMS", "LABELS");
  for (const v1::AgentInfo& a : response.agents()) {
    std::string platforms;
    for (const std::string& p : a.platforms())
      absl::StrAppend(&platforms, platforms.empty() ? "" : ",", p);
    std::map<std::string, std::string> labels(a.labels().begin(), a.labels().end());
    std::string busy = absl::StrCat(a.busy(), "/", a.slots());
    const char* state = a.revoked()     ? "revoked"
                        : a.draining()  ? "draining"
                        : a.connected() ? "connected"
                                        : "offline";
    v1::State colour = a.revoked() ? v1::CANCELLED : a.connected() ? v1::PASSED : v1::FAILED;
    std::string health = a.health().empty() ? "-" : a.health();
    v1::State health_colour = a.health() == "unhealthy" ? v1::FAILED : v1::PASSED;
    std::printf("%-20s %-16s %s %-6s %-10s %-8s %s %-28s %s\n", a.id().c_str(),
                a.hostname().c_str(), Paint(state, colour, 10).c_str(), busy.c_str(),
                a.connected() ? "now" : Ago(a.last_seen_unix_ms()).c_str(),
                a.executor().empty() ? "-" : a.executor().c_str(),
                Paint(health, health_colour, 10).c_str(), platforms.c_str(),
                FormatKeyValues(labels).c_str());
    // Why, under its row: an unhealthy agent gets no new work.
    if (a.health() == "unhealthy") std::printf("  unhealthy: %s\n", a.health_problem().c_str());
  }
  return 0;
}

int CmdFleet(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (!flags->positional().empty()) return FailUsage(cli);
  int hours = 1;
  if (flags->Has("hours") &&
      (!absl::SimpleAtoi(flags->Get("hours"), &hours) || hours < 1 || hours > 168)) {
    return Fail(kExitUsage, "--hours wants a number from 1 to 168");
  }
  absl::Duration step = absl::Minutes(5);
  if (flags->Has("step") &&
      (!absl::ParseDuration(flags->Get("step"), &step) || step < absl::Seconds(1))) {
    return Fail(kExitUsage, "--step wants a duration of at least 1s");
  }
  v1::GetFleetHistoryRequest request;
  request.set_hours(hours);
  request.set_arch(flags->Get("arch", ""));
  v1::FleetHistory history;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->GetFleetHistory(context.get(), request, &history);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(history);
    return 0;
  }
  MakeDisplaySafe(&history);
  std::vector<v1::FleetSample> rows = StepSamples(
      {history.samples().begin(), history.samples().end()}, absl::ToInt64Milliseconds(step));
  if (rows.empty()) {
    std::printf("no samples in the last %d hours\n", hours);
    return 0;
  }
  auto ms = [](int64_t v) {
    return absl::FormatDuration(absl::Trunc(absl::Milliseconds(v), absl::Milliseconds(100)));
  };
  std::printf("%-19s %-10s %-6s %-5s %-5s %-7s %-6s %-7s %-9s %s\n", "TIME", "ARCH", "AGENTS",
              "SLOTS", "BUSY", "UNAVAIL", "QUEUED", "STARTED", "WAIT AVG", "WAIT MAX");
  for (const v1::FleetSample& r : rows) {
    std::printf("%-19s %-10s %-6d %-5d %-5d %-7d %-6d %-7d %-9s %s\n",
                FormatMs(r.unix_ms()).c_str(), r.arch().c_str(), r.agents(), r.slots(), r.busy(),
                r.unavailable(), r.queued(), r.started(),
                r.started() > 0 ? ms(r.start_wait_ms_avg()).c_str() : "-",
                r.started() > 0 ? ms(r.start_wait_ms_max()).c_str() : "-");
  }
  std::printf("%d samples, one each %s; busy and queued are the highest in each step\n",
              history.samples_size(), ms(history.interval_ms()).c_str());
  return 0;
}

int CmdJoinToken(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  if (flags->positional().size() != 1 || flags->positional()[0] != "create") {
    return FailUsage(cli);
  }
  v1::CreateJoinTokenRequest request;
  absl::Duration ttl = absl::Hours(24);
  if (flags->Has("ttl") &&
      (!absl::ParseDuration(flags->Get("ttl"), &ttl) || ttl <= absl::ZeroDuration())) {
    return Fail(kExitUsage,
                absl::StrCat("--ttl wants a duration like 24h, got \"", flags->Get("ttl"), "\""));
  }
  int uses = 1;
  if (flags->Has("uses") && (!absl::SimpleAtoi(flags->Get("uses"), &uses) || uses < 1)) {
    return Fail(kExitUsage, "--uses wants a positive number");
  }
  request.set_ttl_ms(absl::ToInt64Milliseconds(ttl));
  request.set_uses(uses);
  v1::CreateJoinTokenResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->stub()->CreateJoinToken(context.get(), request, &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  std::printf("%s\n", SafeField(response.token()).c_str());
  return 0;
}

namespace {

int CreateToken(Cli& cli, const ParsedFlags& flags) {
  v1::CreateTokenRequest request;
  request.set_name(flags.Get("name"));
  request.set_role(flags.Get("role", "submitter"));
  request.set_user(flags.Get("user", ""));
  if (flags.Has("ttl")) {
    absl::Duration ttl;
    if (!absl::ParseDuration(flags.Get("ttl"), &ttl) || ttl <= absl::ZeroDuration()) {
      return Fail(kExitUsage, "--ttl wants a duration like 720h");
    }
    request.set_ttl_ms(absl::ToInt64Milliseconds(ttl));
  }
  v1::CreateTokenResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->CreateToken(context.get(), request, &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
  } else {
    std::printf("%s\n", SafeField(response.token()).c_str());
  }
  return 0;
}

int ListTokens(Cli& cli) {
  v1::ListTokensResponse response;
  auto context = cli.client->Context();
  grpc::Status status =
      cli.client->admin()->ListTokens(context.get(), v1::ListTokensRequest(), &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::printf("%-18s %-20s %-10s %-16s %-20s %-20s %s\n", "ID", "NAME", "ROLE", "USER", "CREATED",
              "EXPIRES", "STATE");
  for (const v1::TokenInfo& t : response.tokens()) {
    std::printf("%-18s %-20s %-10s %-16s %-20s %-20s %s\n", t.id().c_str(), t.name().c_str(),
                t.role().c_str(), t.user().empty() ? "-" : t.user().c_str(),
                FormatMs(t.created_unix_ms()).c_str(), FormatTime(t.expires_unix_ms()).c_str(),
                TokenState(t, now_ms));
  }
  return 0;
}

int RevokeToken(Cli& cli, const std::string& token) {
  v1::RevokeTokenRequest request;
  request.set_token(token);
  v1::TokenInfo info;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->RevokeToken(context.get(), request, &info);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  MakeDisplaySafe(&info);
  std::printf("token %s (%s) revoked\n", info.id().c_str(), info.name().c_str());
  return 0;
}

}  // namespace

int CmdToken(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  const std::vector<std::string>& args = flags->positional();
  std::string verb = args.empty() ? "" : args[0];
  if (verb == "create" && args.size() == 1) return CreateToken(cli, *flags);
  if (verb == "list" && args.size() == 1) return ListTokens(cli);
  if (verb == "revoke" && args.size() == 2) return RevokeToken(cli, args[1]);
  return FailUsage(cli);
}

int CmdAgent(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  const std::vector<std::string>& args = flags->positional();
  if (args.size() != 2 || (args[0] != "revoke" && args[0] != "drain" && args[0] != "undrain")) {
    return FailUsage(cli);
  }
  auto context = cli.client->Context();
  v1::AgentInfo info;
  grpc::Status status;
  if (args[0] == "revoke") {
    v1::AgentRequest request;
    request.set_agent_id(args[1]);
    status = cli.client->admin()->RevokeAgent(context.get(), request, &info);
  } else {
    v1::DrainAgentRequest request;
    request.set_agent_id(args[1]);
    request.set_undo(args[0] == "undrain");
    status = cli.client->admin()->DrainAgent(context.get(), request, &info);
  }
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(info);
    return 0;
  }
  std::printf("agent %s: %s\n", SafeField(info.id()).c_str(),
              info.revoked()    ? "revoked"
              : info.draining() ? "draining"
                                : "active");
  return 0;
}

int CmdAudit(Cli& cli) {
  absl::StatusOr<ParsedFlags> flags = CommandFlags(cli);
  if (!flags.ok()) return Fail(kExitUsage, std::string(flags.status().message()));
  v1::ListAuditRequest request;
  int limit = 50;
  if (flags->Has("limit") && (!absl::SimpleAtoi(flags->Get("limit"), &limit) || limit < 1)) {
    return Fail(kExitUsage, "--limit wants a positive number");
  }
  request.set_limit(limit);
  v1::ListAuditResponse response;
  auto context = cli.client->Context();
  grpc::Status status = cli.client->admin()->ListAudit(context.get(), request, &response);
  if (!status.ok()) return Fail(kExitUsage, cli.client->Describe(status));
  if (cli.output == "json") {
    PrintJson(response);
    return 0;
  }
  MakeDisplaySafe(&response);
  std::printf("%-20s %-20s %-18s %-20s %s\n", "TIME", "ACTOR", "ACTION", "TARGET", "DETAIL");
  for (const v1::AuditEntry& e : response.entries()) {
    std::printf("%-20s %-20s %-18s %-20s %s\n", FormatMs(e.unix_ms()).c_str(), e.actor().c_str(),
                e.action().c_str(), e.target().c_str(), e.detail().c_str());
  }
  return 0;
}

}  // namespace arena
