// Splits Docker's multiplexed log stream (non-TTY containers) into its
// stdout/stderr payloads. Each frame is an 8-byte header — stream type, three
// zero bytes, big-endian payload length — followed by the payload. Frames may
// arrive split across reads in any way. Owned by the DockerClient call that
// reads the stream. Not thread-safe.
#ifndef ARENA_AGENT_EXECUTOR_FRAME_DEMUXER_H_
#define ARENA_AGENT_EXECUTOR_FRAME_DEMUXER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

class FrameDemuxer {
 public:
  // stream: 1 stdout, 2 stderr (0, stdin, is reported as stdout).
  using Sink = std::function<void(int stream, absl::string_view payload)>;
  explicit FrameDemuxer(Sink sink) : sink_(std::move(sink)) {}

  // Feeds raw bytes; calls the sink for every payload piece available.
  // Returns DataLoss on a malformed header.
  absl::Status Feed(absl::string_view data);
  // True when the stream ended on a frame boundary.
  bool AtBoundary() const { return header_.empty() && remaining_ == 0; }

 private:
  Sink sink_;
  std::string header_;
  int stream_ = 1;
  uint32_t remaining_ = 0;
};

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_FRAME_DEMUXER_H_
