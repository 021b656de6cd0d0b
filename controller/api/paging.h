// Page tokens and sizes of the API's paged answers (tasks of a job, results,
// artifacts). A token is the position the previous page ended at; clients
// treat it as opaque.
// Pure functions: thread-safe.
#ifndef ARENA_CONTROLLER_API_PAGING_H_
#define ARENA_CONTROLLER_API_PAGING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controller/store/store.h"

namespace arena {

// `size` 0 means `default_size`; larger than `max_size` is cut to it.
inline absl::StatusOr<RowPage> ParsePage(const std::string& token, int size, int default_size,
                                         int max_size) {
  RowPage page;
  if (!token.empty() && (!absl::SimpleAtoi(token, &page.after) || page.after <= 0)) {
    return absl::InvalidArgumentError(absl::StrCat("bad page token \"", token, "\""));
  }
  if (size < 0) return absl::InvalidArgumentError("page size must not be negative");
  page.limit = size == 0 ? default_size : std::min(size, max_size);
  return page;
}

inline std::string PageToken(int64_t next_after) {
  return next_after > 0 ? absl::StrCat(next_after) : std::string();
}

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_PAGING_H_
