#include "common/sd_notify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"

namespace arena {

bool SdNotify(const std::string& state) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return false;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  size_t length = strlen(path);
  if (length >= sizeof(addr.sun_path)) return false;
  memcpy(addr.sun_path, path, length);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                        reinterpret_cast<struct sockaddr*>(&addr),
                        static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + length));
  close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

absl::Duration SdWatchdogInterval() {
  const char* usec = getenv("WATCHDOG_USEC");
  const char* pid = getenv("WATCHDOG_PID");
  int64_t micros = 0;
  if (usec == nullptr || !absl::SimpleAtoi(usec, &micros) || micros <= 0) {
    return absl::ZeroDuration();
  }
  int64_t owner = 0;
  if (pid != nullptr && absl::SimpleAtoi(pid, &owner) && owner != getpid()) {
    return absl::ZeroDuration();
  }
  return absl::Microseconds(micros) / 2;
}

SdWatchdog::SdWatchdog(std::function<bool()> healthy) {
  absl::Duration interval = SdWatchdogInterval();
  if (interval <= absl::ZeroDuration()) return;
  thread_ = std::thread([this, interval, healthy = std::move(healthy)] {
    do {
      if (healthy()) SdNotify("WATCHDOG=1");
    } while (!stop_.WaitForNotificationWithTimeout(interval));
  });
}

SdWatchdog::~SdWatchdog() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace arena
