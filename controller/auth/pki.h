// The controller's certificate authority and serving certificate, kept in the
// data directory: ca.pem / ca.key (0600) / server.pem / server.key (0600).
// Created on first start; reused afterwards.
// Loaded once at start by the Controller, which owns the result; read-only
// afterwards, so thread-safe to share.
#ifndef ARENA_CONTROLLER_AUTH_PKI_H_
#define ARENA_CONTROLLER_AUTH_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tls.h"

namespace arena {

struct ControllerPki {
  CertifiedKey ca;
  CertifiedKey server;
};

// Loads the CA and server certificate from `data_dir`, creating what is
// missing. The server certificate is reissued when its SANs would change.
absl::StatusOr<ControllerPki> LoadOrCreatePki(const std::string& data_dir,
                                              const std::vector<std::string>& names);

}  // namespace arena

#endif  // ARENA_CONTROLLER_AUTH_PKI_H_
