// PageFiller: the paging rule every paged listing of the store follows.
// A RowPage asks for rows after a position, at most `limit` of them and no
// more once they hold `max_bytes`; the page always has at least one row, and
// its next_after is where the next page starts (0 on the last page). The
// query asks for `limit + 1` rows (LimitFor) so the filler sees whether
// another page follows.
//
// Owner: the caller, for one listing. Not thread-safe.
#ifndef ARENA_CONTROLLER_STORE_PAGE_FILLER_H_
#define ARENA_CONTROLLER_STORE_PAGE_FILLER_H_

#include <cstdint>
#include <utility>

#include "controller/store/records.h"

namespace arena {

template <typename Row>
class PageFiller {
 public:
  explicit PageFiller(const RowPage& request) : request_(request) {}

  // The LIMIT to query with: one row more than the page, or -1 (no limit).
  static int64_t LimitFor(const RowPage& request) {
    return request.limit > 0 ? request.limit + 1 : -1;
  }

  // True once the page holds all it may: the row at hand is the next page's,
  // which resumes where the last row added said. Stop reading then.
  bool Full() {
    bool full = (request_.limit > 0 && static_cast<int>(page_.rows.size()) >= request_.limit) ||
                (request_.max_bytes > 0 && bytes_ >= request_.max_bytes);
    if (full) page_.next_after = resume_after_;
    return full;
  }

  // Adds a row that counts `bytes` towards max_bytes; a page after it would
  // start at `resume_after`.
  void Add(Row row, int64_t bytes, int64_t resume_after) {
    page_.rows.push_back(std::move(row));
    bytes_ += bytes;
    resume_after_ = resume_after;
  }

  Page<Row> Take() && { return std::move(page_); }

 private:
  const RowPage request_;
  Page<Row> page_;
  int64_t bytes_ = 0;
  int64_t resume_after_ = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_PAGE_FILLER_H_
