#include "common/tar.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr size_t kBlock = 512;
constexpr int64_t kMaxMetaBytes = 64 * 1024;

// A NUL-terminated field of at most `size` bytes.
std::string Field(const std::string& header, size_t offset, size_t size) {
  std::string out = header.substr(offset, size);
  size_t nul = out.find('\0');
  if (nul != std::string::npos) out.resize(nul);
  return out;
}

bool ParseOctal(const std::string& header, size_t offset, size_t size, int64_t* value) {
  std::string text(absl::StripAsciiWhitespace(Field(header, offset, size)));
  *value = 0;
  for (char c : text) {
    if (c < '0' || c > '7' || *value > (int64_t{1} << 40)) return false;
    *value = *value * 8 + (c - '0');
  }
  return true;
}

// The header's checksum field (bytes 148-155, octal) against the sum of its
// bytes with that field read as spaces. Both the unsigned sum POSIX asks
// for and the signed one some old writers used are accepted.
bool ChecksumMatches(const std::string& header) {
  int64_t recorded = 0;
  if (!ParseOctal(header, 148, 8, &recorded)) return false;
  int64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    char c = (i >= 148 && i < 156) ? ' ' : header[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return recorded == unsigned_sum || recorded == signed_sum;
}

// The `key` record of a PAX extended header ("LEN key=VALUE\n" records).
std::string PaxRecord(absl::string_view records, absl::string_view key) {
  std::string prefix = absl::StrCat(key, "=");
  while (!records.empty()) {
    size_t space = records.find(' ');
    int64_t length = 0;
    if (space == absl::string_view::npos || !absl::SimpleAtoi(records.substr(0, space), &length) ||
        length <= 0 || static_cast<size_t>(length) > records.size()) {
      return "";
    }
    absl::string_view record = records.substr(space + 1, length - space - 1);
    if (absl::ConsumePrefix(&record, prefix)) {
      absl::ConsumeSuffix(&record, "\n");
      return std::string(record);
    }
    records.remove_prefix(length);
  }
  return "";
}

bool HasControlCharacter(absl::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsMetaEntry(char type) { return type == 'x' || type == 'L' || type == 'K' || type == 'g'; }

}  // namespace

TarExtractor::TarExtractor(std::string dir, int64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

TarExtractor::~TarExtractor() { CloseFile(); }

void TarExtractor::CloseFile() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::Status TarExtractor::StartEntry() {
  if (header_.find_first_not_of('\0') == std::string::npos) {
    phase_ = Phase::kDone;  // the end-of-archive blocks
    return absl::OkStatus();
  }
  if (!ChecksumMatches(header_)) {
    return absl::InvalidArgumentError("tar header checksum mismatch (a corrupt or cut stream)");
  }
  int64_t size = 0;
  if (!ParseOctal(header_, 124, 12, &size)) {
    return absl::InvalidArgumentError("malformed tar header (size)");
  }
  type_ = header_[156];
  std::string path = Field(header_, 0, 100);
  std::string prefix = Field(header_, 345, 155);
  if (header_.compare(257, 5, "ustar") == 0 && !prefix.empty()) path = prefix + "/" + path;
  if (!next_path_.empty()) path = std::move(next_path_);
  next_path_.clear();
  while (path.compare(0, 2, "./") == 0) path.erase(0, 2);
  while (!path.empty() && path.back() == '/') path.pop_back();
  path_ = path;
  link_ = next_link_.empty() ? Field(header_, 157, 100) : std::move(next_link_);
  next_link_.clear();
  remaining_ = size;
  padding_ = static_cast<int64_t>((kBlock - size % kBlock) % kBlock);
  meta_.clear();
  if (IsMetaEntry(type_) && size > kMaxMetaBytes) {
    return absl::InvalidArgumentError("tar extended header too large");
  }
  if (!IsMetaEntry(type_) && type_ != '5') RETURN_IF_ERROR(StartFile(size));
  phase_ = remaining_ > 0 ? Phase::kData : (padding_ > 0 ? Phase::kPadding : Phase::kHeader);
  if (phase_ == Phase::kHeader) CloseFile();
  return absl::OkStatus();
}

absl::Status TarExtractor::SkipEntry(std::string why, bool over_limit, int64_t size) {
  skipped_.push_back({absl::CEscape(path_), std::move(why), over_limit, size});
  return absl::OkStatus();  // the rest of the archive goes on
}

absl::Status TarExtractor::StartFile(int64_t size) {
  if (type_ == '2') {
    bool outside = link_.empty() || link_[0] == '/' || absl::StrContains(link_, "..");
    return SkipEntry(absl::StrCat("a symlink to ", absl::CEscape(link_),
                                  outside
                                      ? " (points out of the copied tree; links are not followed)"
                                      : " (links are not followed)"));
  }
  if (type_ == '1') return SkipEntry("a hard link (links are not followed)");
  if (type_ != '0' && type_ != '\0' && type_ != '7') {
    return SkipEntry("not a regular file (a device, fifo or socket)");
  }
  if (HasControlCharacter(path_)) {
    return SkipEntry("its name holds a control character (it could not be downloaded)");
  }
  if (!IsSafeRelativePath(path_)) return SkipEntry("its path would leave the copied directory");
  if (bytes_ + size > max_bytes_) {
    return SkipEntry(absl::StrCat("its ", size, " bytes would pass the limit (",
                                  max_bytes_ - bytes_, " bytes left)"),
                     true, size);
  }
  std::string full = absl::StrCat(dir_, "/", path_);
  RETURN_IF_ERROR(MakeDirs(full.substr(0, full.rfind('/'))));
  fd_ = open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return absl::InternalError(absl::StrCat("create ", full, ": ", strerror(errno)));
  files_.push_back({path_, size});
  return absl::OkStatus();
}

absl::Status TarExtractor::ConsumeData(absl::string_view data) {
  if (IsMetaEntry(type_)) {
    meta_.append(data.data(), data.size());
  } else if (fd_ >= 0) {
    bytes_ += static_cast<int64_t>(data.size());
    while (!data.empty()) {
      ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return absl::InternalError(absl::StrCat("write ", path_, ": ", strerror(errno)));
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  return absl::OkStatus();
}

absl::Status TarExtractor::Feed(absl::string_view data) {
  while (!data.empty() && phase_ != Phase::kDone) {
    switch (phase_) {
      case Phase::kHeader: {
        size_t take = std::min(data.size(), kBlock - header_.size());
        header_.append(data.data(), take);
        data.remove_prefix(take);
        if (header_.size() < kBlock) break;
        absl::Status started = StartEntry();
        header_.clear();
        if (!started.ok()) return started;
        break;
      }
      case Phase::kData: {
        size_t take = static_cast<size_t>(std::min<int64_t>(data.size(), remaining_));
        absl::Status consumed = ConsumeData(data.substr(0, take));
        if (!consumed.ok()) return consumed;
        data.remove_prefix(take);
        remaining_ -= static_cast<int64_t>(take);
        if (remaining_ > 0) break;
        CloseFile();
        if (type_ == 'x') next_path_ = PaxRecord(meta_, "path");
        if (type_ == 'x') next_link_ = PaxRecord(meta_, "linkpath");
        if (type_ == 'L') next_path_ = meta_.substr(0, meta_.find('\0'));
        if (type_ == 'K') next_link_ = meta_.substr(0, meta_.find('\0'));
        phase_ = padding_ > 0 ? Phase::kPadding : Phase::kHeader;
        break;
      }
      case Phase::kPadding: {
        size_t take = static_cast<size_t>(std::min<int64_t>(data.size(), padding_));
        data.remove_prefix(take);
        padding_ -= static_cast<int64_t>(take);
        if (padding_ == 0) phase_ = Phase::kHeader;
        break;
      }
      case Phase::kDone:
        break;
    }
  }
  return absl::OkStatus();
}

absl::Status TarExtractor::Finish() {
  CloseFile();
  if (phase_ == Phase::kData || phase_ == Phase::kPadding || !header_.empty()) {
    return absl::InvalidArgumentError("tar archive ends inside an entry");
  }
  return absl::OkStatus();
}

}  // namespace arena
