// Log-chunk handling: Docker's multiplexed frames, secret masking, and the
// offset-idempotent log store, fed arbitrary bytes and offsets.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/executor/frame_demuxer.h"
#include "common/files.h"
#include "common/secret_masker.h"
#include "controller/store/log_store.h"

namespace {

const std::string& Root() {
  static std::string root = [] {
    char tmpl[] = "/tmp/arena-fuzz-logs-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string out;
  arena::FrameDemuxer demuxer(
      [&out](int, absl::string_view payload) { out.append(payload.data(), payload.size()); });
  (void)demuxer.Feed(input);

  arena::SecretMasker masker({"secret", "sec", std::string(input.substr(0, 4))});
  std::string masked = masker.Feed(input.substr(0, size / 2));
  masked += masker.Feed(input.substr(size / 2));
  masked += masker.Flush();

  arena::LogStore logs(Root(), nullptr);
  int64_t offset = size > 0 ? data[0] % 64 : 0;
  (void)logs.Append("job", "att", 0, out.substr(0, 32), 1);
  (void)logs.Append("job", "att", offset, masked, size > 1 ? data[1] % 4 : 1);
  (void)logs.Read("job", "att", offset, 128);
  arena::RemoveTree(Root() + "/job").IgnoreError();
  return 0;
}
