// The Store's git_credentials table: one sealed credential per git host.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sqlite.h"
#include "controller/store/store.h"
#include "controller/store/write_gate.h"

namespace arena {
namespace {

constexpr const char* kGitCredentialColumns = "host, kind, username, has_ca, sealed, created_ms";

GitCredentialRecord ReadGitCredential(const Statement& row) {
  GitCredentialRecord record;
  record.host = row.Text(0);
  record.kind = row.Text(1);
  record.username = row.Text(2);
  record.has_ca = row.Int(3) != 0;
  record.sealed = row.Text(4);
  record.created_ms = row.Int(5);
  return record;
}

}  // namespace

absl::Status Store::PutGitCredential(const GitCredentialRecord& record) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("INSERT OR REPLACE INTO git_credentials(",
                                             kGitCredentialColumns, ") VALUES(?,?,?,?,?,?)")));
  stmt.Bind(1, record.host).Bind(2, record.kind).Bind(3, record.username);
  stmt.Bind(4, record.has_ca ? 1 : 0).BindBlob(5, record.sealed).Bind(6, record.created_ms);
  return stmt.Run();
}

absl::StatusOr<GitCredentialRecord> Store::GetGitCredential(const std::string& host) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kGitCredentialColumns,
                                             " FROM git_credentials WHERE host=?")));
  stmt.Bind(1, host);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError(absl::StrCat("no git credential for ", host));
  return ReadGitCredential(stmt);
}

absl::StatusOr<std::vector<GitCredentialRecord>> Store::ListGitCredentials() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kGitCredentialColumns,
                                             " FROM git_credentials ORDER BY host")));
  std::vector<GitCredentialRecord> records;
  RETURN_IF_ERROR(
      stmt.ForEachRow([&](const Statement& row) { records.push_back(ReadGitCredential(row)); }));
  return records;
}

absl::StatusOr<GitCredentialRecord> Store::DeleteGitCredential(const std::string& host) {
  ASSIGN_OR_RETURN(GitCredentialRecord record, GetGitCredential(host));
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare("DELETE FROM git_credentials WHERE host=?"));
  stmt.Bind(1, host);
  RETURN_IF_ERROR(stmt.Run());
  return record;
}

}  // namespace arena
