#include "controller/auth/secret_box.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "common/files.h"
#include "common/status_macros.h"

namespace arena {
namespace {

constexpr int kKeyBytes = 32;
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<SecretBox> SecretBox::LoadOrCreate(const std::string& path) {
  if (FileExists(path)) {
    ASSIGN_OR_RETURN(std::string key, ReadFile(path));
    if (key.size() != kKeyBytes) return absl::DataLossError(path + " does not hold a 32-byte key");
    return SecretBox(std::move(key));
  }
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kKeyBytes) != 1) {
    return absl::InternalError("no randomness for the secrets key");
  }
  RETURN_IF_ERROR(WriteFileAtomic(path, key, 0600));
  return SecretBox(std::move(key));
}

absl::StatusOr<std::string> SecretBox::Seal(absl::string_view plaintext) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(data, kNonceBytes) != 1) return absl::InternalError("no randomness for a nonce");
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), data) != 1 ||
      EVP_EncryptUpdate(ctx.get(), data + kNonceBytes, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), data + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          data + kNonceBytes + plaintext.size()) != 1) {
    return absl::InternalError("sealing secrets failed");
  }
  return out;
}

absl::StatusOr<std::string> SecretBox::Open(absl::string_view sealed) const {
  if (sealed.size() < kNonceBytes + kTagBytes)
    return absl::DataLossError("sealed secrets too short");
  size_t size = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(size, '\0');
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string tag(sealed.substr(kNonceBytes + size));
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        Bytes(sealed.substr(kNonceBytes)), static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) !=
          1) {
    return absl::DataLossError("sealed secrets do not open (tampered, or another key)");
  }
  return out;
}

}  // namespace arena
