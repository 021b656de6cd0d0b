#include "common/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace arena {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

absl::Status SslError(absl::string_view what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", buf));
}

BioPtr MemBio(absl::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<KeyPtr> ParseKey(absl::string_view pem) {
  BioPtr bio = MemBio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return SslError("cannot parse private key");
  return key;
}

absl::StatusOr<CertPtr> ParseCert(absl::string_view pem) {
  BioPtr bio = MemBio(pem);
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return SslError("cannot parse certificate");
  return cert;
}

absl::StatusOr<KeyPtr> NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return SslError("cannot generate key");
  return key;
}

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return BioString(bio.get());
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return BioString(bio.get());
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return SslError(absl::StrCat("bad extension ", value));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return absl::OkStatus();
}

// A certificate for `subject_key` with CN `common_name`, valid from a minute
// ago (clock skew) for `validity`, with a random 128-bit serial.
absl::StatusOr<CertPtr> NewCert(EVP_PKEY* subject_key, absl::string_view common_name,
                                absl::Duration validity) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof(serial_bytes));
  serial_bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(absl::ToInt64Seconds(validity)));
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

absl::Status SignWith(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
  X509_set_issuer_name(cert, X509_get_subject_name(issuer));
  if (X509_sign(cert, issuer_key, EVP_sha256()) == 0) return SslError("cannot sign");
  return absl::OkStatus();
}

bool IsIpAddress(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

}  // namespace

absl::StatusOr<std::string> GeneratePrivateKeyPem() {
  ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  return KeyPem(key.get());
}

absl::StatusOr<CertifiedKey> CreateCertificateAuthority(absl::string_view common_name,
                                                        absl::Duration validity) {
  ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  ASSIGN_OR_RETURN(CertPtr cert, NewCert(key.get(), common_name, validity));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(SignWith(cert.get(), cert.get(), key.get()));
  return CertifiedKey{CertPem(cert.get()), KeyPem(key.get())};
}

absl::StatusOr<CertifiedKey> IssueServerCertificate(const CertifiedKey& ca,
                                                    const std::vector<std::string>& names,
                                                    absl::Duration validity) {
  if (names.empty()) return absl::InvalidArgumentError("server certificate needs a name");
  ASSIGN_OR_RETURN(KeyPtr ca_key, ParseKey(ca.key_pem));
  ASSIGN_OR_RETURN(CertPtr ca_cert, ParseCert(ca.cert_pem));
  ASSIGN_OR_RETURN(KeyPtr key, NewKey());
  ASSIGN_OR_RETURN(CertPtr cert, NewCert(key.get(), names.front(), validity));
  std::string san;
  for (const std::string& name : names) {
    absl::StrAppend(&san, san.empty() ? "" : ",", IsIpAddress(name) ? "IP:" : "DNS:", name);
  }
  RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_subject_alt_name, san.c_str()));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth"));
  RETURN_IF_ERROR(SignWith(cert.get(), ca_cert.get(), ca_key.get()));
  return CertifiedKey{CertPem(cert.get()), KeyPem(key.get())};
}

absl::StatusOr<std::string> CreateCsr(absl::string_view key_pem, absl::string_view common_name) {
  ASSIGN_OR_RETURN(KeyPtr key, ParseKey(key_pem));
  ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key.get());
  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) == 0) return SslError("cannot sign CSR");
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  return BioString(bio.get());
}

absl::StatusOr<std::string> SignClientCsr(const CertifiedKey& ca, absl::string_view csr_pem,
                                          absl::string_view agent_id, absl::Duration validity) {
  BioPtr bio = MemBio(csr_pem);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return SslError("cannot parse CSR");
  KeyPtr pub(X509_REQ_get_pubkey(req.get()));
  if (!pub || X509_REQ_verify(req.get(), pub.get()) != 1) {
    return SslError("CSR signature does not verify");
  }
  ASSIGN_OR_RETURN(KeyPtr ca_key, ParseKey(ca.key_pem));
  ASSIGN_OR_RETURN(CertPtr ca_cert, ParseCert(ca.cert_pem));
  ASSIGN_OR_RETURN(CertPtr cert, NewCert(pub.get(), agent_id, validity));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature"));
  RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth"));
  RETURN_IF_ERROR(SignWith(cert.get(), ca_cert.get(), ca_key.get()));
  return CertPem(cert.get());
}

absl::StatusOr<std::string> CertificateCommonName(absl::string_view cert_pem) {
  ASSIGN_OR_RETURN(CertPtr cert, ParseCert(cert_pem));
  char buf[256];
  int len = X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, buf,
                                      sizeof(buf));
  if (len < 0) return absl::InvalidArgumentError("certificate has no common name");
  return std::string(buf, static_cast<size_t>(len));
}

absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view cert_pem) {
  ASSIGN_OR_RETURN(CertPtr cert, ParseCert(cert_pem));
  struct tm tm;
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return SslError("bad notAfter");
  }
  return absl::FromTM(tm, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> CertificateNotBefore(absl::string_view cert_pem) {
  ASSIGN_OR_RETURN(CertPtr cert, ParseCert(cert_pem));
  struct tm tm;
  if (ASN1_TIME_to_tm(X509_get0_notBefore(cert.get()), &tm) != 1) return SslError("bad notBefore");
  return absl::FromTM(tm, absl::UTCTimeZone());
}

absl::Status VerifyCertificate(absl::string_view ca_pem, absl::string_view cert_pem) {
  ASSIGN_OR_RETURN(CertPtr ca, ParseCert(ca_pem));
  ASSIGN_OR_RETURN(CertPtr cert, ParseCert(cert_pem));
  StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.get());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  if (X509_verify_cert(ctx.get()) != 1) {
    return absl::PermissionDeniedError(
        absl::StrCat("certificate does not verify: ",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));
  }
  return absl::OkStatus();
}

}  // namespace arena
