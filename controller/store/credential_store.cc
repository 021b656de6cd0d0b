// The Store's credential tables (git_credentials, registry_credentials): one
// sealed credential per host in each.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sqlite.h"
#include "controller/store/store.h"
#include "controller/store/write_gate.h"

namespace arena {
namespace {

constexpr const char* kCredentialColumns = "host, kind, username, has_ca, sealed, created_ms";

const char* TableOf(CredentialScope scope) {
  return scope == CredentialScope::kGit ? "git_credentials" : "registry_credentials";
}

CredentialRecord ReadCredential(const Statement& row) {
  CredentialRecord record;
  record.host = row.Text(0);
  record.kind = row.Text(1);
  record.username = row.Text(2);
  record.has_ca = row.Int(3) != 0;
  record.sealed = row.Text(4);
  record.created_ms = row.Int(5);
  return record;
}

}  // namespace

absl::Status Store::PutCredential(CredentialScope scope, const CredentialRecord& record) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("INSERT OR REPLACE INTO ", TableOf(scope), "(",
                                             kCredentialColumns, ") VALUES(?,?,?,?,?,?)")));
  stmt.Bind(1, record.host).Bind(2, record.kind).Bind(3, record.username);
  stmt.Bind(4, record.has_ca ? 1 : 0).BindBlob(5, record.sealed).Bind(6, record.created_ms);
  return stmt.Run();
}

absl::StatusOr<CredentialRecord> Store::GetCredential(CredentialScope scope,
                                                      const std::string& host) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kCredentialColumns, " FROM ",
                                             TableOf(scope), " WHERE host=?")));
  stmt.Bind(1, host);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("no credential for ", host));
  return ReadCredential(stmt);
}

absl::StatusOr<std::vector<CredentialRecord>> Store::ListCredentials(CredentialScope scope) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kCredentialColumns, " FROM ",
                                             TableOf(scope), " ORDER BY host")));
  std::vector<CredentialRecord> records;
  RETURN_IF_ERROR(
      stmt.ForEachRow([&](const Statement& row) { records.push_back(ReadCredential(row)); }));
  return records;
}

absl::StatusOr<CredentialRecord> Store::DeleteCredential(CredentialScope scope,
                                                         const std::string& host) {
  ASSIGN_OR_RETURN(CredentialRecord record, GetCredential(scope, host));
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("DELETE FROM ", TableOf(scope), " WHERE host=?")));
  stmt.Bind(1, host);
  RETURN_IF_ERROR(stmt.Run());
  return record;
}

}  // namespace arena
