#include "controller/auth/pki.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr absl::Duration kCaValidity = absl::Hours(24 * 365 * 10);
constexpr absl::Duration kServerValidity = absl::Hours(24 * 365);

absl::StatusOr<CertifiedKey> LoadPair(const std::string& cert_path, const std::string& key_path) {
  CertifiedKey pair;
  ASSIGN_OR_RETURN(pair.cert_pem, ReadFile(cert_path));
  ASSIGN_OR_RETURN(pair.key_pem, ReadFile(key_path));
  return pair;
}

absl::Status SavePair(const CertifiedKey& pair, const std::string& cert_path,
                      const std::string& key_path) {
  RETURN_IF_ERROR(WriteFileAtomic(key_path, pair.key_pem, 0600));
  return WriteFileAtomic(cert_path, pair.cert_pem, 0644);
}

}  // namespace

absl::StatusOr<ControllerPki> LoadOrCreatePki(const std::string& data_dir,
                                              const std::vector<std::string>& names) {
  ControllerPki pki;
  std::string ca_cert = absl::StrCat(data_dir, "/ca.pem");
  std::string ca_key = absl::StrCat(data_dir, "/ca.key");
  if (FileExists(ca_cert) && FileExists(ca_key)) {
    ASSIGN_OR_RETURN(pki.ca, LoadPair(ca_cert, ca_key));
  } else {
    ASSIGN_OR_RETURN(pki.ca, CreateCertificateAuthority("Arena CA", kCaValidity));
    RETURN_IF_ERROR(SavePair(pki.ca, ca_cert, ca_key));
  }
  std::string server_cert = absl::StrCat(data_dir, "/server.pem");
  std::string server_key = absl::StrCat(data_dir, "/server.key");
  std::string names_path = absl::StrCat(data_dir, "/server.names");
  std::string wanted_names = absl::StrJoin(names, ",");
  absl::StatusOr<std::string> current_names = ReadFile(names_path);
  if (FileExists(server_cert) && FileExists(server_key) && current_names.ok() &&
      *current_names == wanted_names) {
    ASSIGN_OR_RETURN(pki.server, LoadPair(server_cert, server_key));
  } else {
    ASSIGN_OR_RETURN(pki.server, IssueServerCertificate(pki.ca, names, kServerValidity));
    RETURN_IF_ERROR(SavePair(pki.server, server_cert, server_key));
    RETURN_IF_ERROR(WriteFileAtomic(names_path, wanted_names));
  }
  return pki;
}

}  // namespace arena
