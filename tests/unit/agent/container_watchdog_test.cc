#include "agent/executor/container_watchdog.h"

#include <gtest/gtest.h>

namespace arena {
namespace {

// No dockerd answers on this socket. How a cancel and a timeout stop a real
// container is tested against dockerd (test_workspace_cancel_timeout).
constexpr char kNoDocker[] = "/nonexistent/docker.sock";

TEST(ContainerWatchdog, AFinishedContainerWasNotStopped) {
  StopSignal stop;
  ContainerWatchdog watchdog(kNoDocker, "c1", absl::Hours(1), absl::Seconds(1), &stop);
  EXPECT_EQ(watchdog.Finish(), RunResult::Outcome::kExited);
}

}  // namespace
}  // namespace arena
