// Streams a tar archive (as Docker's archive API returns it: ustar with PAX
// or GNU long names) into a directory. Regular files and directories only;
// links, devices and anything whose path would leave the directory are
// skipped. Bounded: bytes past `max_bytes` are refused.
#ifndef ARENA_COMMON_TAR_H_
#define ARENA_COMMON_TAR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

class TarExtractor {
 public:
  struct File {
    std::string path;  // relative to the directory
    int64_t size = 0;
  };

  TarExtractor(std::string dir, int64_t max_bytes);
  ~TarExtractor();
  TarExtractor(const TarExtractor&) = delete;
  TarExtractor& operator=(const TarExtractor&) = delete;

  // Consumes the next bytes of the archive. InvalidArgument for a malformed
  // archive, ResourceExhausted past max_bytes, Internal for a write error.
  absl::Status Feed(absl::string_view data);
  // InvalidArgument when the archive ended inside an entry.
  absl::Status Finish();

  const std::vector<File>& files() const { return files_; }
  int64_t bytes() const { return bytes_; }

 private:
  enum class Phase { kHeader, kData, kPadding, kDone };
  absl::Status StartEntry();
  absl::Status ConsumeData(absl::string_view data);
  void CloseFile();

  const std::string dir_;
  const int64_t max_bytes_;
  Phase phase_ = Phase::kHeader;
  std::string header_;
  char type_ = 0;
  int64_t remaining_ = 0;
  int64_t padding_ = 0;
  std::string meta_;       // body of a PAX or GNU long-name entry
  std::string next_path_;  // from the entry before
  std::string path_;
  int fd_ = -1;
  int64_t bytes_ = 0;
  std::vector<File> files_;
};

}  // namespace arena

#endif  // ARENA_COMMON_TAR_H_
