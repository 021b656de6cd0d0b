#include "agent/executor/frame_demuxer.h"

#include "absl/strings/str_cat.h"

namespace arena {

absl::Status FrameDemuxer::Feed(absl::string_view data) {
  while (!data.empty()) {
    if (remaining_ > 0) {
      size_t take = std::min<size_t>(remaining_, data.size());
      sink_(stream_, data.substr(0, take));
      remaining_ -= static_cast<uint32_t>(take);
      data.remove_prefix(take);
      continue;
    }
    size_t need = 8 - header_.size();
    size_t take = std::min(need, data.size());
    header_.append(data.data(), take);
    data.remove_prefix(take);
    if (header_.size() < 8) break;
    auto byte = [this](int i) { return static_cast<uint8_t>(header_[i]); };
    if (byte(0) > 2 || byte(1) != 0 || byte(2) != 0 || byte(3) != 0) {
      return absl::DataLossError(absl::StrCat("bad Docker stream header, type byte ", byte(0)));
    }
    stream_ = byte(0) == 2 ? 2 : 1;
    remaining_ = (uint32_t{byte(4)} << 24) | (uint32_t{byte(5)} << 16) | (uint32_t{byte(6)} << 8) |
                 uint32_t{byte(7)};
    header_.clear();
  }
  return absl::OkStatus();
}

}  // namespace arena
