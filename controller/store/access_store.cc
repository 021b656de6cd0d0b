// The Store's access tables: join tokens, API tokens (both as SHA-256
// hashes), the audit log and the agents.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sqlite.h"
#include "controller/store/store.h"
#include "controller/store/write_gate.h"

namespace arena {
namespace {

AgentRecord ReadAgent(const Statement& row) {
  AgentRecord agent;
  agent.id = row.Text(0);
  agent.hostname = row.Text(1);
  agent.platforms = row.Text(2);
  agent.labels = row.Text(3);
  agent.slots = static_cast<int32_t>(row.Int(4));
  agent.enrolled_ms = row.Int(5);
  agent.last_seen_ms = row.Int(6);
  agent.revoked = row.Int(7) != 0;
  agent.draining = row.Int(8) != 0;
  return agent;
}

constexpr const char* kAgentColumns =
    "id, hostname, platforms, labels, slots, enrolled_ms, last_seen_ms, revoked, draining";

}  // namespace

absl::Status Store::InsertJoinToken(const std::string& hash, int64_t expires_ms, int32_t uses,
                                    int64_t now_ms) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("INSERT INTO join_tokens(hash, expires_ms, "
                                                "uses_left, created_ms) VALUES(?,?,?,?)"));
  return stmt.Bind(1, hash).Bind(2, expires_ms).Bind(3, uses).Bind(4, now_ms).Run();
}

absl::Status Store::ConsumeJoinToken(const std::string& hash, int64_t now_ms) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("UPDATE join_tokens SET uses_left = uses_left - 1 "
                                "WHERE hash = ? AND uses_left > 0 AND expires_ms > ?"));
  RETURN_IF_ERROR(stmt.Bind(1, hash).Bind(2, now_ms).Run());
  if (db_->Changes() != 1) {
    return absl::PermissionDeniedError("join token is unknown, expired or used up");
  }
  return absl::OkStatus();
}

absl::Status Store::InsertApiToken(const std::string& hash, const ApiToken& token) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT INTO api_tokens(hash, id, name, role, created_ms, "
                                "expires_ms) VALUES(?,?,?,?,?,?)"));
  return stmt.Bind(1, hash)
      .Bind(2, token.id)
      .Bind(3, token.name)
      .Bind(4, token.role)
      .Bind(5, token.created_ms)
      .Bind(6, token.expires_ms)
      .Run();
}

namespace {

constexpr const char* kTokenColumns = "id, name, role, created_ms, expires_ms, revoked";

ApiToken ReadToken(const Statement& row) {
  ApiToken token;
  token.id = row.Text(0);
  token.name = row.Text(1);
  token.role = row.Text(2);
  token.created_ms = row.Int(3);
  token.expires_ms = row.Int(4);
  token.revoked = row.Int(5) != 0;
  return token;
}

}  // namespace

absl::StatusOr<ApiToken> Store::LookupApiToken(const std::string& hash) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(absl::StrCat("SELECT ", kTokenColumns,
                                                             " FROM api_tokens WHERE hash = ?")));
  stmt.Bind(1, hash);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("unknown API token");
  return ReadToken(stmt);
}

absl::StatusOr<std::vector<ApiToken>> Store::ListApiTokens() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kTokenColumns,
                                             " FROM api_tokens ORDER BY created_ms, rowid")));
  std::vector<ApiToken> tokens;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement&) { tokens.push_back(ReadToken(stmt)); }));
  return tokens;
}

absl::StatusOr<ApiToken> Store::RevokeApiToken(const std::string& id_or_name) {
  {
    WriteTurn turn(gate_.get());
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(Statement stmt,
                     db_->Prepare("UPDATE api_tokens SET revoked = 1 WHERE id = ?1 OR name = ?1"));
    RETURN_IF_ERROR(stmt.Bind(1, id_or_name).Run());
    if (db_->Changes() == 0) return absl::NotFoundError(absl::StrCat("no API token ", id_or_name));
  }
  ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, ListApiTokens());
  for (const ApiToken& token : tokens) {
    if (token.id == id_or_name || token.name == id_or_name) return token;
  }
  return absl::NotFoundError(absl::StrCat("no API token ", id_or_name));
}

absl::Status Store::AppendAudit(const AuditRecord& entry) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT INTO audit(unix_ms, actor, action, target, detail) "
                                "VALUES(?,?,?,?,?)"));
  return stmt.Bind(1, entry.unix_ms)
      .Bind(2, entry.actor)
      .Bind(3, entry.action)
      .Bind(4, entry.target)
      .Bind(5, entry.detail)
      .Run();
}

absl::StatusOr<std::vector<AuditRecord>> Store::ListAudit(int limit) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT unix_ms, actor, action, target, detail FROM audit "
                                "ORDER BY id DESC LIMIT ?"));
  stmt.Bind(1, limit);
  std::vector<AuditRecord> entries;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement&) {
    entries.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Text(3), stmt.Text(4)});
  }));
  return entries;
}

absl::Status Store::UpsertAgent(const AgentRecord& agent) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare(absl::StrCat("INSERT INTO agents(", kAgentColumns,
                                ") VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                                "hostname=excluded.hostname, platforms=excluded.platforms, "
                                "labels=excluded.labels, slots=excluded.slots, "
                                "last_seen_ms=excluded.last_seen_ms, revoked=excluded.revoked, "
                                "draining=excluded.draining")));
  return stmt.Bind(1, agent.id)
      .Bind(2, agent.hostname)
      .Bind(3, agent.platforms)
      .Bind(4, agent.labels)
      .Bind(5, agent.slots)
      .Bind(6, agent.enrolled_ms)
      .Bind(7, agent.last_seen_ms)
      .Bind(8, agent.revoked ? 1 : 0)
      .Bind(9, agent.draining ? 1 : 0)
      .Run();
}

absl::StatusOr<AgentRecord> Store::GetAgent(const std::string& id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(absl::StrCat("SELECT ", kAgentColumns,
                                                             " FROM agents WHERE id = ?")));
  stmt.Bind(1, id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("unknown agent ", id));
  return ReadAgent(stmt);
}

absl::StatusOr<std::vector<AgentRecord>> Store::ListAgents() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(absl::StrCat("SELECT ", kAgentColumns,
                                                             " FROM agents ORDER BY id")));
  std::vector<AgentRecord> agents;
  RETURN_IF_ERROR(stmt.ForEachRow([&](const Statement&) { agents.push_back(ReadAgent(stmt)); }));
  return agents;
}

}  // namespace arena
