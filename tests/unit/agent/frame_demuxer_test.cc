#include "agent/executor/frame_demuxer.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

std::string Frame(int stream, const std::string& payload) {
  std::string header(8, '\0');
  header[0] = static_cast<char>(stream);
  uint32_t n = static_cast<uint32_t>(payload.size());
  header[4] = static_cast<char>(n >> 24);
  header[5] = static_cast<char>(n >> 16);
  header[6] = static_cast<char>(n >> 8);
  header[7] = static_cast<char>(n);
  return header + payload;
}

TEST(FrameDemuxer, ReassemblesFramesSplitAtEveryByte) {
  std::string payload_out(std::string("out\0put", 7));
  std::string wire = Frame(1, payload_out) + Frame(2, "err\n") + Frame(1, std::string(70000, 'x'));
  for (size_t split : {size_t{1}, size_t{3}, size_t{8}, size_t{9}, size_t{4096}}) {
    std::string out, err;
    FrameDemuxer demuxer([&](int stream, absl::string_view data) {
      (stream == 2 ? err : out).append(data.data(), data.size());
    });
    for (size_t i = 0; i < wire.size(); i += split) {
      ASSERT_TRUE(demuxer.Feed(absl::string_view(wire).substr(i, split)).ok());
    }
    EXPECT_EQ(out, payload_out + std::string(70000, 'x')) << "split " << split;
    EXPECT_EQ(err, "err\n");
    EXPECT_TRUE(demuxer.AtBoundary());
  }
}

TEST(FrameDemuxer, RejectsMalformedHeader) {
  FrameDemuxer demuxer([](int, absl::string_view) {});
  EXPECT_FALSE(demuxer.Feed(std::string("\x07\x01\x00\x00\x00\x00\x00\x01z", 9)).ok());
}

}  // namespace
}  // namespace arena
