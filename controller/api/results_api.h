// results.proto's ResultsService, independent of transport: per-test
// results (with flaky marks), artifacts, flake statistics, a job's
// timeline and the quarantine list. Results and artifacts follow the job's visibility;
// quarantine changes need the operator role.
// Owner: the Controller. Thread-safe (state lives in the Store).
#ifndef ARENA_CONTROLLER_API_RESULTS_API_H_
#define ARENA_CONTROLLER_API_RESULTS_API_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arena/v1/results.pb.h"
#include "controller/api/job_access.h"

namespace arena {

class ArtifactStore;

class ResultsApi {
 public:
  // Both must outlive the API.
  ResultsApi(const JobAccess* access, ArtifactStore* artifacts)
      : access_(access), artifacts_(artifacts) {}

  absl::StatusOr<v1::ListResultsResponse> ListResults(const Principal& who,
                                                      const v1::ListResultsRequest& request);
  absl::StatusOr<v1::ListArtifactsResponse> ListArtifacts(const Principal& who,
                                                          const v1::ListArtifactsRequest& request);
  // Sends the artifact's bytes through `write` in chunks.
  absl::Status ReadArtifact(const Principal& who, const v1::GetArtifactRequest& request,
                            const std::function<bool(absl::string_view)>& write);
  absl::StatusOr<v1::ListFlakyResponse> ListFlaky(const Principal& who,
                                                  const v1::ListFlakyRequest& request);
  // Every started attempt of a visible job as a bar in its agent's lane.
  absl::StatusOr<v1::Timeline> GetTimeline(const Principal& who,
                                           const v1::GetTimelineRequest& request);
  // A test's last runs in the jobs the caller sees, and its flake rate.
  absl::StatusOr<v1::TestHistory> GetTestHistory(const Principal& who,
                                                 const v1::GetTestHistoryRequest& request);
  absl::StatusOr<v1::QuarantineResponse> Quarantine(const Principal& who,
                                                    const v1::QuarantineRequest& request);

 private:
  const JobAccess* const access_;
  ArtifactStore* const artifacts_;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_RESULTS_API_H_
