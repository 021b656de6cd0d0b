// Small early-return helpers for absl::Status (Abseil 20220623 ships none).
// Macros only: no state, nothing to own; thread-safe.
#ifndef ARENA_COMMON_STATUS_MACROS_H_
#define ARENA_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ARENA_CONCAT_INNER(a, b) a##b
#define ARENA_CONCAT(a, b) ARENA_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status arena_status_ = (expr);         \
    if (!arena_status_.ok()) return arena_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(*tmp)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(ARENA_CONCAT(arena_statusor_, __LINE__), lhs, expr)

#endif  // ARENA_COMMON_STATUS_MACROS_H_
