// A JUnit report as an attempt ships it, through the parser.
#include <cstddef>
#include <cstdint>

#include "controller/results/junit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<std::vector<arena::v1::TestResult>> results =
      arena::ParseJunit(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (results.ok()) {
    for (const arena::v1::TestResult& r : *results) (void)r.test_key().size();
  }
  return 0;
}
