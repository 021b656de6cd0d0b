// AccessTable: who may use the controller and what they did — join tokens
// and API tokens (stored only as SHA-256 hashes), the audit log, the
// enrolled agents, and the sealed credentials of private git hosts and
// container registries (one table each, one credential per host).
//
// LookupApiToken keeps the tokens it found in a ReadCache (every request
// authenticates); inserting a token invalidates its hash, revoking one
// invalidates them all, both after the write commits.
//
// Owner: the Store, over its StoreConnection; callers use it through
// `store->access()`. Thread-safe (the connection serialises the statements;
// writes take their turn at the write gate; the cache has its own lock).
#ifndef ARENA_CONTROLLER_STORE_ACCESS_TABLE_H_
#define ARENA_CONTROLLER_STORE_ACCESS_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/store/read_cache.h"
#include "controller/store/records.h"
#include "controller/store/store_connection.h"

namespace arena {

class AccessTable {
 public:
  explicit AccessTable(StoreConnection* connection) : connection_(connection) {}

  absl::Status InsertJoinToken(const std::string& hash, int64_t expires_ms, int32_t uses,
                               int64_t now_ms);
  // Uses up one use of the token; PermissionDenied if unknown, expired or used.
  absl::Status ConsumeJoinToken(const std::string& hash, int64_t now_ms);

  absl::Status InsertApiToken(const std::string& hash, const ApiToken& token);
  // The token with this hash (revoked and expired ones too), or NotFound.
  absl::StatusOr<ApiToken> LookupApiToken(const std::string& hash);
  // Oldest first.
  absl::StatusOr<std::vector<ApiToken>> ListApiTokens();
  // Revokes the token with this id, or every token with this name; returns
  // the first of them. NotFound when none matches.
  absl::StatusOr<ApiToken> RevokeApiToken(const std::string& id_or_name);

  absl::Status AppendAudit(const AuditRecord& entry);
  // The latest `limit` entries, newest first.
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(int limit);

  // Inserts the agent, or updates all but its enrollment time.
  absl::Status UpsertAgent(const AgentRecord& agent);
  // NotFound for an unknown id.
  absl::StatusOr<AgentRecord> GetAgent(const std::string& id);
  // By id.
  absl::StatusOr<std::vector<AgentRecord>> ListAgents();

  // Replaces any credential of the scope for the same host.
  absl::Status PutCredential(CredentialScope scope, const CredentialRecord& record);
  // NotFound when the host has none.
  absl::StatusOr<CredentialRecord> GetCredential(CredentialScope scope, const std::string& host);
  // By host.
  absl::StatusOr<std::vector<CredentialRecord>> ListCredentials(CredentialScope scope);
  // The removed record; NotFound when the host had none.
  absl::StatusOr<CredentialRecord> DeleteCredential(CredentialScope scope, const std::string& host);

 private:
  StoreConnection* const connection_;
  ReadCache<ApiToken> tokens_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_ACCESS_TABLE_H_
