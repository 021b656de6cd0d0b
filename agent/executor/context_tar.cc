#include "agent/executor/context_tar.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr size_t kBlock = 512;

void PutField(std::string& block, size_t offset, size_t width, absl::string_view value) {
  size_t n = std::min(value.size(), width);
  block.replace(offset, n, value.data(), n);
}

void PutOctal(std::string& block, size_t offset, size_t width, int64_t value) {
  PutField(block, offset, width, absl::StrFormat("%0*o", static_cast<int>(width - 1), value));
}

std::string UstarBlock(const std::string& name, char type, const ContextEntry& entry, int64_t size,
                       const std::string& link) {
  std::string block(kBlock, '\0');
  PutField(block, 0, 100, name);
  PutOctal(block, 100, 8, entry.mode & 07777);
  PutOctal(block, 108, 8, 0);
  PutOctal(block, 116, 8, 0);
  PutOctal(block, 124, 12, size);
  PutOctal(block, 136, 12, std::max<int64_t>(0, entry.mtime));
  block[156] = type;
  PutField(block, 157, 100, link);
  PutField(block, 257, 6, absl::string_view("ustar\0", 6));
  PutField(block, 263, 2, "00");
  PutField(block, 148, 8, "        ");  // the checksum counts its field as spaces
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  PutField(block, 148, 8, absl::StrFormat("%06o", sum));
  block[154] = '\0';
  block[155] = ' ';
  return block;
}

// "LEN key=value\n", LEN counting the whole record, itself included.
std::string PaxRecord(absl::string_view key, absl::string_view value) {
  size_t body = key.size() + value.size() + 3;
  size_t len = body + 1;
  while (absl::StrCat(len).size() + body != len) len = absl::StrCat(len).size() + body;
  return absl::StrCat(len, " ", key, "=", value, "\n");
}

std::string Padding(int64_t size) {
  return std::string((kBlock - static_cast<size_t>(size) % kBlock) % kBlock, '\0');
}

}  // namespace

std::string TarHeaders(const ContextEntry& entry) {
  char type = S_ISDIR(entry.mode) ? '5' : (S_ISLNK(entry.mode) ? '2' : '0');
  std::string name = S_ISDIR(entry.mode) ? absl::StrCat(entry.path, "/") : entry.path;
  std::string out;
  std::string pax;
  if (name.size() > 100) pax += PaxRecord("path", name);
  if (entry.link_target.size() > 100) pax += PaxRecord("linkpath", entry.link_target);
  if (!pax.empty()) {
    ContextEntry header = entry;
    header.mode = 0644;
    out += UstarBlock("PaxHeader", 'x', header, static_cast<int64_t>(pax.size()), "");
    out += pax + Padding(static_cast<int64_t>(pax.size()));
  }
  out += UstarBlock(name, type, entry, type == '0' ? entry.size : 0, entry.link_target);
  return out;
}

ContextTar::~ContextTar() {
  if (fd_ >= 0) close(fd_);
}

absl::Status ContextTar::Begin() {
  const ContextEntry& entry = entries_[index_];
  pending_ = TarHeaders(entry);
  pending_pos_ = 0;
  file_left_ = file_size_ = S_ISREG(entry.mode) ? entry.size : 0;
  if (file_left_ == 0) return absl::OkStatus();
  fd_ = open(entry.local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", entry.path, " of the build context: ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ContextTar::Read(char* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    if (pending_pos_ < pending_.size()) {
      size_t n = std::min(size - done, pending_.size() - pending_pos_);
      memcpy(out + done, pending_.data() + pending_pos_, n);
      pending_pos_ += n;
      done += n;
    } else if (file_left_ > 0) {
      ssize_t n =
          read(fd_, out + done, static_cast<size_t>(std::min<int64_t>(size - done, file_left_)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(entries_[index_].path, " of the build context changed while it was sent"));
      }
      file_left_ -= n;
      done += static_cast<size_t>(n);
    } else if (in_entry_) {  // its headers and contents went: pad, next
      in_entry_ = false;
      if (fd_ >= 0) close(fd_);
      fd_ = -1;
      pending_ = Padding(file_size_);
      pending_pos_ = 0;
      ++index_;
    } else if (index_ < entries_.size()) {
      RETURN_IF_ERROR(Begin());
      in_entry_ = true;
    } else if (!ended_) {
      pending_ = std::string(2 * kBlock, '\0');  // the end of the archive
      pending_pos_ = 0;
      ended_ = true;
    } else {
      break;
    }
  }
  return done;
}

}  // namespace arena
