// SqlQuery: the one shape every table statement takes — prepare, bind the
// parameters in order, step, read the rows — written once, with the
// parameters' types choosing the binds:
//
//   ASSIGN_OR_RETURN(std::optional<ApiToken> token,
//                    SqlQuery(db, "SELECT ... WHERE hash = ?").Bind(hash).One(ReadToken));
//   RETURN_IF_ERROR(SqlQuery(db, "UPDATE jobs SET state=? WHERE id=?").Bind(state, id).Run()
//                       .status());
//
// A failed Prepare is kept and returned by the first call that runs the
// query. Every call that runs it resets it afterwards, so one query can be
// bound and run again (a row per loop turn).
//
// Owner: the caller, within one locked use of its Database (a query must
// not outlive it). Not thread-safe.
#ifndef ARENA_CONTROLLER_STORE_SQL_QUERY_H_
#define ARENA_CONTROLLER_STORE_SQL_QUERY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/store/database.h"

namespace arena {

// Bytes bound as a blob; strings bind as text.
struct Blob {
  absl::string_view bytes;
};

namespace sql_internal {

inline void BindParam(Statement& stmt, int index, absl::string_view text) {
  stmt.BindText(index, text);
}
inline void BindParam(Statement& stmt, int index, const Blob& blob) {
  stmt.BindBlob(index, blob.bytes);
}
// Integers, enums and bools (as 0 or 1).
template <typename T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>, int> = 0>
void BindParam(Statement& stmt, int index, T value) {
  stmt.BindInt(index, static_cast<int64_t>(value));
}

// What a row reader `Read(const Statement&)` makes of a row.
template <typename Read>
using RowOf = std::decay_t<std::invoke_result_t<Read&, const Statement&>>;

}  // namespace sql_internal

// Reads a row's columns in turn from `first`, as Bind binds parameters in
// order: a row reader lists its fields in the order of its column list and
// numbers none of them. Into() reads plain fields, the field types choosing
// the reads; the single reads serve a protobuf's setters.
//
//   ColumnReader(row).Into(&token.id, &token.name, &token.revoked);
//   ColumnReader in(row);
//   task.set_id(in.Text());
//   task.set_state(in.As<v1::State>());
class ColumnReader {
 public:
  explicit ColumnReader(const Statement& row, int first = 0) : row_(row), next_(first) {}

  std::string Text() { return row_.Text(next_++); }
  int64_t Int() { return row_.Int(next_++); }
  bool Bool() { return row_.Int(next_++) != 0; }
  // An integer column as an enum or a narrower integer.
  template <typename T>
  T As() {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "As reads integer columns");
    return static_cast<T>(row_.Int(next_++));
  }

  // Reads the next columns into `fields`, in order: strings as text, bools
  // as 0 or not, other integers and enums as integers.
  template <typename... Fields>
  void Into(Fields*... fields) {
    (ReadInto(fields), ...);
  }

 private:
  void ReadInto(std::string* field) { *field = Text(); }
  void ReadInto(bool* field) { *field = Bool(); }
  template <typename T>
  void ReadInto(T* field) {
    *field = As<T>();
  }

  const Statement& row_;
  int next_;
};

class SqlQuery {
 public:
  SqlQuery(Database& db, absl::string_view sql);
  SqlQuery(SqlQuery&&) = default;
  SqlQuery& operator=(SqlQuery&&) = default;

  // Binds `params` to parameters 1, 2, ... in order.
  template <typename... Params>
  SqlQuery& Bind(const Params&... params) {
    if (stmt_ == nullptr) return *this;
    int index = 0;
    (sql_internal::BindParam(*stmt_, ++index, params), ...);
    return *this;
  }

  // Steps a statement that returns no rows to its end; for a write, the rows
  // it inserted, updated or deleted.
  absl::StatusOr<int64_t> Run();

  // Calls `row(const Statement&)` for each row; a `row` that returns bool
  // ends the rows when it returns false.
  template <typename Fn>
  absl::Status Each(Fn&& row) {
    if (!status_.ok()) return status_;
    absl::Status status = absl::OkStatus();
    while (true) {
      absl::StatusOr<bool> has_row = stmt_->Step();
      if (!has_row.ok()) status = has_row.status();
      if (!has_row.ok() || !*has_row) break;
      const Statement& current = *stmt_;
      if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const Statement&>, bool>) {
        if (!row(current)) break;
      } else {
        row(current);
      }
    }
    stmt_->Reset();
    return status;
  }

  // The first row as `read(const Statement&)` makes it; nullopt when the
  // query has none.
  template <typename Read>
  absl::StatusOr<std::optional<sql_internal::RowOf<Read>>> One(Read&& read) {
    std::optional<sql_internal::RowOf<Read>> found;
    absl::Status status = Each([&](const Statement& row) {
      found.emplace(read(row));
      return false;
    });
    if (!status.ok()) return status;
    return found;
  }

  // Every row as `read(const Statement&)` makes it.
  template <typename Read>
  absl::StatusOr<std::vector<sql_internal::RowOf<Read>>> All(Read&& read) {
    std::vector<sql_internal::RowOf<Read>> rows;
    absl::Status status = Each([&](const Statement& row) { rows.push_back(read(row)); });
    if (!status.ok()) return status;
    return rows;
  }

 private:
  absl::Status status_;
  std::unique_ptr<Statement> stmt_;  // null when Prepare failed
  Database* db_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_SQL_QUERY_H_
