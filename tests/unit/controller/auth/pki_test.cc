// The controller's CA (LoadOrCreatePki) as a data directory holds it, and
// the certificates it issues, checked with OpenSSL's own verifier.
#include "controller/auth/pki.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <set>

#include "absl/time/clock.h"
#include "common/files.h"
#include "common/tls.h"
#include "tests/unit/test_dir.h"

namespace arena {
namespace {

// The names controller_flags.cc gives the server certificate by default.
const std::vector<std::string> kDefaultNames = {"localhost", "127.0.0.1"};

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

CertPtr ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  CertPtr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

// X509_verify_cert of `cert_pem` against `ca_pem` alone, for `purpose`
// (X509_PURPOSE_SSL_SERVER or _CLIENT): the check a TLS peer makes.
bool VerifiesFor(const std::string& ca_pem, const std::string& cert_pem, int purpose) {
  CertPtr ca = ParsePem(ca_pem);
  CertPtr cert = ParsePem(cert_pem);
  if (!ca || !cert) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

std::string SerialHex(const std::string& cert_pem) {
  CertPtr cert = ParsePem(cert_pem);
  if (!cert) return "";
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

int FileMode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

// A CSR that carries `public_key`'s key but is signed by `signing_key`: its
// self-signature cannot verify.
std::string MismatchedCsr(const std::string& public_key, const std::string& signing_key) {
  auto load = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return key;
  };
  EVP_PKEY* subject = load(public_key);
  EVP_PKEY* signer = load(signing_key);
  X509_REQ* req = X509_REQ_new();
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("host"), -1, -1, 0);
  X509_REQ_set_pubkey(req, subject);
  X509_REQ_sign(req, signer, EVP_sha256());
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(out, req);
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(out);
  X509_REQ_free(req);
  EVP_PKEY_free(subject);
  EVP_PKEY_free(signer);
  return pem;
}

class PkiTest : public ::testing::Test {
 protected:
  ControllerPki Load(const std::vector<std::string>& names = kDefaultNames) {
    absl::StatusOr<ControllerPki> pki = LoadOrCreatePki(dir_.path(), names);
    EXPECT_TRUE(pki.ok()) << pki.status();
    return pki.ok() ? *std::move(pki) : ControllerPki();
  }
  std::string Csr() {
    absl::StatusOr<std::string> key = GeneratePrivateKeyPem();
    EXPECT_TRUE(key.ok()) << key.status();
    absl::StatusOr<std::string> csr = CreateCsr(key.value_or(""), "build-host-7");
    EXPECT_TRUE(csr.ok()) << csr.status();
    return csr.value_or("");
  }
  TestDir dir_;
};

TEST_F(PkiTest, AFreshCaIsSavedWithPrivateKeysAndReloadsTheSame) {
  ControllerPki first = Load();
  EXPECT_EQ(FileMode(dir_.File("ca.key")), 0600);
  EXPECT_EQ(FileMode(dir_.File("server.key")), 0600);
  EXPECT_EQ(*ReadFile(dir_.File("ca.pem")), first.ca.cert_pem);
  ControllerPki again = Load();
  EXPECT_EQ(again.ca.cert_pem, first.ca.cert_pem);
  EXPECT_EQ(again.ca.key_pem, first.ca.key_pem);
  EXPECT_EQ(again.server.cert_pem, first.server.cert_pem);
  EXPECT_EQ(again.server.key_pem, first.server.key_pem);
}

TEST_F(PkiTest, ServerCertificateNamesLoopbackAndVerifiesForServing) {
  ControllerPki pki = Load();
  EXPECT_TRUE(VerifiesFor(pki.ca.cert_pem, pki.server.cert_pem, X509_PURPOSE_SSL_SERVER));
  EXPECT_FALSE(VerifiesFor(pki.ca.cert_pem, pki.server.cert_pem, X509_PURPOSE_SSL_CLIENT));
  CertPtr cert = ParsePem(pki.server.cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(cert.get(), "127.0.0.2", 0), 1);
}

TEST_F(PkiTest, NewNamesReissueTheServerCertificateUnderTheSameCa) {
  ControllerPki first = Load();
  ControllerPki renamed = Load({"ci.example.test", "10.1.2.3"});
  EXPECT_EQ(renamed.ca.cert_pem, first.ca.cert_pem);
  EXPECT_NE(renamed.server.cert_pem, first.server.cert_pem);
  EXPECT_TRUE(VerifiesFor(first.ca.cert_pem, renamed.server.cert_pem, X509_PURPOSE_SSL_SERVER));
  CertPtr cert = ParsePem(renamed.server.cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "ci.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.1.2.3", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
}

TEST_F(PkiTest, AMissingServerKeyIsReissuedAndTheCaKept) {
  ControllerPki first = Load();
  ASSERT_EQ(unlink(dir_.File("server.key").c_str()), 0);
  ControllerPki again = Load();
  EXPECT_EQ(again.ca.cert_pem, first.ca.cert_pem);
  EXPECT_NE(again.server.key_pem, first.server.key_pem);
  EXPECT_TRUE(VerifiesFor(first.ca.cert_pem, again.server.cert_pem, X509_PURPOSE_SSL_SERVER));
}

TEST_F(PkiTest, NoNamesIsRefused) { EXPECT_FALSE(LoadOrCreatePki(dir_.path(), {}).ok()); }

TEST_F(PkiTest, AnAgentCsrBecomesAClientCertificateForTheAgentIdWithABoundedLife) {
  ControllerPki pki = Load();
  absl::Time before = absl::Now();
  absl::StatusOr<std::string> cert = SignClientCsr(pki.ca, Csr(), "agent-42", absl::Hours(2));
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(VerifiesFor(pki.ca.cert_pem, *cert, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(VerifiesFor(pki.ca.cert_pem, *cert, X509_PURPOSE_SSL_SERVER));
  // The identity is the one the controller chose, not the CSR's CN.
  EXPECT_EQ(*CertificateCommonName(*cert), "agent-42");
  absl::Time not_before = *CertificateNotBefore(*cert);
  absl::Time not_after = *CertificateNotAfter(*cert);
  EXPECT_LE(not_before, before);
  EXPECT_GE(not_before, before - absl::Minutes(2));
  EXPECT_GE(not_after, before + absl::Hours(2) - absl::Seconds(2));
  EXPECT_LE(not_after, absl::Now() + absl::Hours(2) + absl::Seconds(2));
}

TEST_F(PkiTest, ACertificateFromAnotherCaDoesNotVerify) {
  ControllerPki pki = Load();
  absl::StatusOr<CertifiedKey> other = CreateCertificateAuthority("other", absl::Hours(1));
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<std::string> cert = SignClientCsr(*other, Csr(), "agent-1", absl::Hours(1));
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_FALSE(VerifiesFor(pki.ca.cert_pem, *cert, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(VerifyCertificate(pki.ca.cert_pem, *cert).ok());
}

TEST_F(PkiTest, EveryCertificateGetsItsOwnSerial) {
  ControllerPki pki = Load();
  std::string csr = Csr();
  std::set<std::string> serials = {SerialHex(pki.ca.cert_pem), SerialHex(pki.server.cert_pem)};
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> cert = SignClientCsr(pki.ca, csr, "agent-1", absl::Hours(1));
    ASSERT_TRUE(cert.ok()) << cert.status();
    serials.insert(SerialHex(*cert));
  }
  serials.erase("");
  EXPECT_EQ(serials.size(), 22u);
}

TEST_F(PkiTest, ACsrSignedByAnotherKeyThanItCarriesIsRefused) {
  ControllerPki pki = Load();
  std::string carried = *GeneratePrivateKeyPem();
  std::string signer = *GeneratePrivateKeyPem();
  std::string csr = MismatchedCsr(carried, signer);
  ASSERT_FALSE(csr.empty());
  absl::StatusOr<std::string> cert = SignClientCsr(pki.ca, csr, "agent-1", absl::Hours(1));
  EXPECT_TRUE(absl::IsInvalidArgument(cert.status())) << cert.status();
  // The same construction with one key is a good CSR: the refusal was the mismatch.
  EXPECT_TRUE(SignClientCsr(pki.ca, MismatchedCsr(signer, signer), "a", absl::Hours(1)).ok());
}

TEST_F(PkiTest, GarbageTruncatedAndOversizeCsrsAreRefusedWithAStatus) {
  ControllerPki pki = Load();
  std::string good = Csr();
  std::string oversize = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (int i = 0; i < 64 * 1024; ++i)
    oversize += "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n";
  oversize += "-----END CERTIFICATE REQUEST-----\n";
  const std::vector<std::string> bad = {
      "",
      "not a csr",
      good.substr(0, good.size() / 2),
      "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n",
      pki.server.cert_pem,  // a certificate, not a request
      oversize,
  };
  for (const std::string& csr : bad) {
    absl::StatusOr<std::string> cert = SignClientCsr(pki.ca, csr, "agent-1", absl::Hours(1));
    EXPECT_FALSE(cert.ok()) << csr.substr(0, 60);
    EXPECT_FALSE(cert.status().message().empty());
  }
}

}  // namespace
}  // namespace arena
