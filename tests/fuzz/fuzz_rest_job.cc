// REST JSON body -> SimpleJobRequest / SubmitJobRequest -> job spec
// validation: any bytes must give a spec or a clean error, never a crash.
#include <google/protobuf/util/json_util.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "arena/v1/rest.pb.h"
#include "controller/gateway/rest_gateway.h"
#include "controller/spec/job_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  arena::SpecPolicy options{"img", "amd64"};
  arena::v1::SimpleJobRequest simple;
  if (google::protobuf::util::JsonStringToMessage(body, &simple).ok()) {
    absl::StatusOr<arena::v1::SubmitJobRequest> request = arena::FromSimpleRequest(simple);
    if (request.ok()) (void)arena::ValidateJobSpec(request->spec(), options);
  }
  arena::v1::SubmitJobRequest full;
  if (google::protobuf::util::JsonStringToMessage(body, &full).ok()) {
    (void)arena::ValidateJobSpec(full.spec(), options);
  }
  return 0;
}
