// A tar stream as dockerd's archive API returns it, extracted into a temp
// dir in two pieces (paths must stay inside it).
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/files.h"
#include "common/tar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string root = [] {
    char tmpl[] = "/tmp/arena-fuzz-tar-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  std::string dir = root + "/x";
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  {
    arena::TarExtractor tar(dir, 1 << 20);
    if (tar.Feed(input.substr(0, size / 2)).ok() && tar.Feed(input.substr(size / 2)).ok()) {
      (void)tar.Finish();
    }
  }
  (void)arena::RemoveTree(dir);
  return 0;
}
