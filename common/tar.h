// Streams a tar archive (as Docker's archive API returns it: ustar with PAX
// or GNU long names) into a directory. Regular files and directories only;
// links, devices, anything whose path would leave the directory and names
// with control characters are skipped, and so is a file that would take the
// total past `max_bytes` (decided from its header: nothing is written half).
// Every skipped entry is listed with the reason. Each header's checksum is
// checked, so a corrupt or misaligned stream fails at once instead of being
// read as entries. Arena keeps its own reader (not libarchive) because it
// needs only these two entry types, a byte cap decided before writing, and
// paths checked against the directory: about 200 lines, fuzzed
// (tests/fuzz/fuzz_tar.cc).
// One extractor per stream, owned by its caller: not thread-safe;
// independent ones may run at once.
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
  struct Skipped {
    std::string path;  // as in the archive, control characters escaped
    std::string why;
    bool over_limit = false;  // a file that would pass max_bytes
    int64_t size = 0;         // the entry's size
  };

  TarExtractor(std::string dir, int64_t max_bytes);
  ~TarExtractor();
  TarExtractor(const TarExtractor&) = delete;
  TarExtractor& operator=(const TarExtractor&) = delete;

  // Consumes the next bytes of the archive. InvalidArgument for a malformed
  // archive, Internal for a write error.
  absl::Status Feed(absl::string_view data);
  // InvalidArgument when the archive ended inside an entry.
  absl::Status Finish();

  const std::vector<File>& files() const { return files_; }
  const std::vector<Skipped>& skipped() const { return skipped_; }
  int64_t bytes() const { return bytes_; }

 private:
  enum class Phase { kHeader, kData, kPadding, kDone };
  absl::Status StartEntry();
  // Opens the file for a regular entry, or records why it is skipped.
  absl::Status StartFile(int64_t size);
  // Records the current entry as skipped; returns OK.
  absl::Status SkipEntry(std::string why, bool over_limit = false, int64_t size = 0);
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
  std::string next_link_;  // likewise, a long link target
  std::string path_;
  std::string link_;  // a link entry's target
  int fd_ = -1;
  int64_t bytes_ = 0;
  std::vector<File> files_;
  std::vector<Skipped> skipped_;
};

}  // namespace arena

#endif  // ARENA_COMMON_TAR_H_
