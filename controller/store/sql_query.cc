#include "controller/store/sql_query.h"

namespace arena {

SqlQuery::SqlQuery(Database& db, absl::string_view sql) : db_(&db) {
  absl::StatusOr<std::unique_ptr<Statement>> stmt = db.Prepare(sql);
  if (stmt.ok()) {
    stmt_ = *std::move(stmt);
  } else {
    status_ = stmt.status();
  }
}

absl::StatusOr<int64_t> SqlQuery::Run() {
  absl::Status status = Each([](const Statement&) {});
  if (!status.ok()) return status;
  return db_->RowsChanged();
}

}  // namespace arena
