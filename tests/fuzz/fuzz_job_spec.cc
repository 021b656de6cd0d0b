// A job spec as it arrives over gRPC (protobuf bytes) through validation.
#include <cstddef>
#include <cstdint>

#include "controller/spec/job_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  arena::v1::JobSpec spec;
  if (!spec.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<arena::v1::JobSpec> valid = arena::ValidateJobSpec(spec, {"img", "amd64"});
  if (valid.ok()) {
    for (const std::string& arch : valid->architectures()) (void)arena::ImageForArch(*valid, arch);
  }
  return 0;
}
