#include "agent/executor/build_progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace arena {
namespace {

constexpr char kAnswer[] =
    "{\"stream\":\"Step 1/3 : FROM base\\n\"}\r\n"
    "{\"stream\":\" ---\\u003e 1234\\n\"}\r\n"
    "{\"stream\":\"Step 2/3 : RUN make test\\n\"}\r\n"
    "{\"stream\":\"compiling\\n\"}\r\n"
    "not json at all\r\n"
    "{\"stream\":42}\r\n"
    "{\"errorDetail\":{\"code\":3,\"message\":\"The command '/bin/sh -c make test' returned a "
    "non-zero code: 3\"},\"error\":\"The command '/bin/sh -c make test' returned a non-zero "
    "code: 3\"}\r\n";

TEST(BuildProgress, PassesTheOutputOnAndKeepsTheStepAndError) {
  for (size_t chunk : {1u, 5u, 1000u}) {
    std::string output;
    BuildProgress progress(
        [&output](absl::string_view text) { output.append(text.data(), text.size()); });
    std::string answer = kAnswer;
    for (size_t i = 0; i < answer.size(); i += chunk) progress.Feed(answer.substr(i, chunk));
    EXPECT_EQ(progress.step(), "Step 2/3 : RUN make test") << chunk;
    EXPECT_EQ(progress.error(), "The command '/bin/sh -c make test' returned a non-zero code: 3");
    EXPECT_THAT(output, testing::StartsWith("Step 1/3 : FROM base\n ---> 1234\nStep 2/3"));
    EXPECT_THAT(output, testing::EndsWith("compiling\nThe command '/bin/sh -c make test' "
                                          "returned a non-zero code: 3\n"));
  }
}

TEST(BuildProgress, ReadsTheImageId) {
  BuildProgress progress([](absl::string_view) {});
  progress.Feed("{\"aux\":{\"ID\":\"sha256:abc\"}}\n{\"stream\":\"Successfully built abc\\n\"}\n");
  EXPECT_EQ(progress.image_id(), "sha256:abc");
  EXPECT_EQ(progress.error(), "");
  EXPECT_EQ(progress.step(), "");
}

TEST(BuildFailure, NamesTheFailedStepAndIsPermanent) {
  absl::Status failed = BuildFailure("The command '/bin/sh -c exit 3' returned a non-zero code: 3",
                                     "Step 4/5 : RUN exit 3");
  EXPECT_TRUE(absl::IsFailedPrecondition(failed));
  EXPECT_EQ(failed.message(),
            "build failed at step 4/5 (RUN exit 3): The command '/bin/sh -c exit 3' returned a "
            "non-zero code: 3");
  EXPECT_EQ(BuildFailure("dockerfile parse error line 2: unknown instruction: RUNN", "").message(),
            "build failed: dockerfile parse error line 2: unknown instruction: RUNN");
}

TEST(BuildFailure, TheNetworkIsWorthARetry) {
  absl::Status failed = BuildFailure(
      "Get \"https://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused",
      "Step 1/2 : FROM 127.0.0.1:5000/base:1");
  EXPECT_TRUE(absl::IsUnavailable(failed)) << failed;
}

}  // namespace
}  // namespace arena
