#include "controller/store/access_table.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sql_query.h"

namespace arena {
namespace {

constexpr const char* kTokenColumns = "id, name, role, created_ms, expires_ms, revoked, user";

ApiToken ReadToken(const Statement& row) {
  ApiToken token;
  ColumnReader(row).Into(&token.id, &token.name, &token.role, &token.created_ms, &token.expires_ms,
                         &token.revoked, &token.user);
  return token;
}

AuditRecord ReadAudit(const Statement& row) {
  return {row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4)};
}

constexpr const char* kAgentColumns =
    "id, hostname, platforms, labels, slots, enrolled_ms, last_seen_ms, revoked, draining";

AgentRecord ReadAgent(const Statement& row) {
  AgentRecord agent;
  ColumnReader(row).Into(&agent.id, &agent.hostname, &agent.platforms, &agent.labels, &agent.slots,
                         &agent.enrolled_ms, &agent.last_seen_ms, &agent.revoked, &agent.draining);
  return agent;
}

constexpr const char* kCredentialColumns = "host, kind, username, has_ca, sealed, created_ms";

const char* TableOf(CredentialScope scope) {
  return scope == CredentialScope::kGit ? "git_credentials" : "registry_credentials";
}

CredentialRecord ReadCredential(const Statement& row) {
  CredentialRecord record;
  ColumnReader(row).Into(&record.host, &record.kind, &record.username, &record.has_ca,
                         &record.sealed, &record.created_ms);
  return record;
}

}  // namespace

absl::Status AccessTable::InsertJoinToken(const std::string& hash, int64_t expires_ms, int32_t uses,
                                          int64_t now_ms) {
  return connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "INSERT INTO join_tokens(hash, expires_ms, uses_left, created_ms) "
                    "VALUES(?,?,?,?)")
        .Bind(hash, expires_ms, uses, now_ms)
        .Run()
        .status();
  });
}

absl::Status AccessTable::ConsumeJoinToken(const std::string& hash, int64_t now_ms) {
  return connection_->Write([&](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t used, SqlQuery(db,
                                            "UPDATE join_tokens SET uses_left = uses_left - 1 "
                                            "WHERE hash = ? AND uses_left > 0 "
                                            "AND expires_ms > ?")
                                       .Bind(hash, now_ms)
                                       .Run());
    if (used != 1) return absl::PermissionDeniedError("join token is unknown, expired or used up");
    return absl::OkStatus();
  });
}

absl::Status AccessTable::InsertApiToken(const std::string& hash, const ApiToken& token) {
  absl::Status inserted = connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "INSERT INTO api_tokens(hash, id, name, role, created_ms, expires_ms, user) "
                    "VALUES(?,?,?,?,?,?,?)")
        .Bind(hash, token.id, token.name, token.role, token.created_ms, token.expires_ms,
              token.user)
        .Run()
        .status();
  });
  tokens_.Invalidate(hash);
  return inserted;
}

absl::StatusOr<ApiToken> AccessTable::LookupApiToken(const std::string& hash) {
  auto load = [&] {
    return connection_->Read([&](Database& db) -> absl::StatusOr<ApiToken> {
      ASSIGN_OR_RETURN(
          std::optional<ApiToken> token,
          SqlQuery(db, absl::StrCat("SELECT ", kTokenColumns, " FROM api_tokens WHERE hash = ?"))
              .Bind(hash)
              .One(ReadToken));
      if (!token) return absl::NotFoundError("unknown API token");
      return *std::move(token);
    });
  };
  return tokens_.GetOrLoad(hash, "", absl::Now(), load, [](const ApiToken&) { return true; });
}

absl::StatusOr<std::vector<ApiToken>> AccessTable::ListApiTokens() {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kTokenColumns,
                                     " FROM api_tokens ORDER BY created_ms, rowid"))
        .All(ReadToken);
  });
}

absl::StatusOr<ApiToken> AccessTable::RevokeApiToken(const std::string& id_or_name) {
  ASSIGN_OR_RETURN(int64_t revoked, connection_->Write([&](Database& db) {
    return SqlQuery(db, "UPDATE api_tokens SET revoked = 1 WHERE id = ?1 OR name = ?1")
        .Bind(id_or_name)
        .Run();
  }));
  tokens_.InvalidateAll();  // the revoked tokens' hashes are not at hand
  if (revoked > 0) {
    ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, ListApiTokens());
    for (const ApiToken& token : tokens) {
      if (token.id == id_or_name || token.name == id_or_name) return token;
    }
  }
  return absl::NotFoundError(absl::StrCat("no API token ", id_or_name));
}

absl::Status AccessTable::AppendAudit(const AuditRecord& entry) {
  return connection_->Write([&](Database& db) {
    return SqlQuery(db,
                    "INSERT INTO audit(unix_ms, actor, action, target, detail) "
                    "VALUES(?,?,?,?,?)")
        .Bind(entry.unix_ms, entry.actor, entry.action, entry.target, entry.detail)
        .Run()
        .status();
  });
}

absl::StatusOr<std::vector<AuditRecord>> AccessTable::ListAudit(int limit) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT unix_ms, actor, action, target, detail FROM audit "
                    "ORDER BY id DESC LIMIT ?")
        .Bind(limit)
        .All(ReadAudit);
  });
}

absl::Status AccessTable::UpsertAgent(const AgentRecord& agent) {
  return connection_->Write([&](Database& db) {
    return SqlQuery(db, absl::StrCat("INSERT INTO agents(", kAgentColumns,
                                     ") VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                                     "hostname=excluded.hostname, platforms=excluded.platforms, "
                                     "labels=excluded.labels, slots=excluded.slots, "
                                     "last_seen_ms=excluded.last_seen_ms, "
                                     "revoked=excluded.revoked, draining=excluded.draining"))
        .Bind(agent.id, agent.hostname, agent.platforms, agent.labels, agent.slots,
              agent.enrolled_ms, agent.last_seen_ms, agent.revoked, agent.draining)
        .Run()
        .status();
  });
}

absl::StatusOr<AgentRecord> AccessTable::GetAgent(const std::string& id) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<AgentRecord> {
    ASSIGN_OR_RETURN(
        std::optional<AgentRecord> agent,
        SqlQuery(db, absl::StrCat("SELECT ", kAgentColumns, " FROM agents WHERE id = ?"))
            .Bind(id)
            .One(ReadAgent));
    if (!agent) return absl::NotFoundError(absl::StrCat("unknown agent ", id));
    return *std::move(agent);
  });
}

absl::StatusOr<std::vector<AgentRecord>> AccessTable::ListAgents() {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kAgentColumns, " FROM agents ORDER BY id"))
        .All(ReadAgent);
  });
}

absl::Status AccessTable::PutCredential(CredentialScope scope, const CredentialRecord& record) {
  return connection_->Write([&](Database& db) {
    return SqlQuery(db, absl::StrCat("INSERT OR REPLACE INTO ", TableOf(scope), "(",
                                     kCredentialColumns, ") VALUES(?,?,?,?,?,?)"))
        .Bind(record.host, record.kind, record.username, record.has_ca, Blob{record.sealed},
              record.created_ms)
        .Run()
        .status();
  });
}

absl::StatusOr<CredentialRecord> AccessTable::GetCredential(CredentialScope scope,
                                                            const std::string& host) {
  return connection_->Read([&](Database& db) -> absl::StatusOr<CredentialRecord> {
    ASSIGN_OR_RETURN(std::optional<CredentialRecord> record,
                     SqlQuery(db, absl::StrCat("SELECT ", kCredentialColumns, " FROM ",
                                               TableOf(scope), " WHERE host=?"))
                         .Bind(host)
                         .One(ReadCredential));
    if (!record) return absl::NotFoundError(absl::StrCat("no credential for ", host));
    return *std::move(record);
  });
}

absl::StatusOr<std::vector<CredentialRecord>> AccessTable::ListCredentials(CredentialScope scope) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db, absl::StrCat("SELECT ", kCredentialColumns, " FROM ", TableOf(scope),
                                     " ORDER BY host"))
        .All(ReadCredential);
  });
}

absl::StatusOr<CredentialRecord> AccessTable::DeleteCredential(CredentialScope scope,
                                                               const std::string& host) {
  ASSIGN_OR_RETURN(CredentialRecord record, GetCredential(scope, host));
  RETURN_IF_ERROR(connection_->Write([&](Database& db) {
    return SqlQuery(db, absl::StrCat("DELETE FROM ", TableOf(scope), " WHERE host=?"))
        .Bind(host)
        .Run()
        .status();
  }));
  return record;
}

}  // namespace arena
