// Reads the answer of the Engine API's POST /build (the classic builder):
// one JSON object a line, {"stream":TEXT} for the build's own output,
// {"aux":{"ID":"sha256:..."}} for the image made, {"error":M,
// "errorDetail":{...}} (with HTTP 200) when a step failed. The answer is
// dockerd's, so nothing in it is trusted: a malformed line is skipped,
// never thrown on. Not thread-safe: one owner (the building thread).
#ifndef ARENA_AGENT_EXECUTOR_BUILD_PROGRESS_H_
#define ARENA_AGENT_EXECUTOR_BUILD_PROGRESS_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arena {

class BuildProgress {
 public:
  // `output` receives the build's text as it comes (the build log).
  explicit BuildProgress(std::function<void(absl::string_view)> output)
      : output_(std::move(output)) {}
  // Takes the next bytes of the answer (lines may be split anywhere).
  void Feed(absl::string_view data);
  // The first error line's message; "" when none came.
  const std::string& error() const { return error_; }
  const std::string& image_id() const { return image_id_; }
  // The last "Step N/M : INSTRUCTION" the builder began; "" before any.
  const std::string& step() const { return step_; }

 private:
  void TakeLine(absl::string_view line);
  void TakeText(absl::string_view text);

  std::function<void(absl::string_view)> output_;
  std::string partial_;
  std::string text_partial_;  // the output's current line, for step_
  std::string error_;
  std::string image_id_;
  std::string step_;
};

// The failure of a build whose answer said `error` after `step`:
// FailedPrecondition "build failed at step 3/4 (RUN make test): MESSAGE",
// permanent (a broken Dockerfile or a failing step builds the same way on
// every agent), or Unavailable for what looks like the network or dockerd
// (a base image that could not be fetched for a transient reason).
absl::Status BuildFailure(absl::string_view error, absl::string_view step);

}  // namespace arena

#endif  // ARENA_AGENT_EXECUTOR_BUILD_PROGRESS_H_
