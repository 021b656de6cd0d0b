// systemd's readiness and watchdog protocol, without libsystemd: a datagram
// to $NOTIFY_SOCKET. Everything is a no-op when not started by systemd.
// Functions, no state of their own: thread-safe (one datagram per call).
#ifndef ARENA_COMMON_SD_NOTIFY_H_
#define ARENA_COMMON_SD_NOTIFY_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace arena {

// Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...").
// Returns false when there is no socket or the send failed.
bool SdNotify(const std::string& state);

// Half of $WATCHDOG_USEC when systemd asked for watchdog pings (and the
// pings are for this process), else zero.
absl::Duration SdWatchdogInterval();

// While alive, sends WATCHDOG=1 every interval when `healthy()` returns true
// (a check that blocks stops the pings, and systemd restarts the service).
// Does nothing without a watchdog. The destructor stops and joins.
class SdWatchdog {
 public:
  explicit SdWatchdog(std::function<bool()> healthy);
  ~SdWatchdog();
  SdWatchdog(const SdWatchdog&) = delete;
  SdWatchdog& operator=(const SdWatchdog&) = delete;

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace arena

#endif  // ARENA_COMMON_SD_NOTIFY_H_
