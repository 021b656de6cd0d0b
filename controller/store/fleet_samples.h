// FleetSamples: the fleet's history, one row per architecture a sample
// (v1::FleetSample), kept for a week. The scheduler adds a sample each
// interval inside its batch and prunes what is older than the retention in
// the same write; the API reads a window of it.
//
// Owner: the Store, over its StoreConnection. Thread-safe (the connection
// serialises the statements; writes take their turn at the write gate).
#ifndef ARENA_CONTROLLER_STORE_FLEET_SAMPLES_H_
#define ARENA_CONTROLLER_STORE_FLEET_SAMPLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arena/v1/jobs.pb.h"
#include "controller/store/store_connection.h"

namespace arena {

class FleetSamples {
 public:
  explicit FleetSamples(StoreConnection* connection) : connection_(connection) {}

  // Stores `samples` (a sample at a time and architecture already stored is
  // replaced) and deletes every sample taken before `prune_before_ms`.
  absl::Status Add(const std::vector<v1::FleetSample>& samples, int64_t prune_before_ms);
  // Samples taken at or after `since_ms`, of `arch` (empty: every one),
  // oldest first and by architecture within a time; at most `limit`.
  absl::StatusOr<std::vector<v1::FleetSample>> Since(int64_t since_ms, const std::string& arch,
                                                     int limit);

 private:
  StoreConnection* const connection_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_FLEET_SAMPLES_H_
