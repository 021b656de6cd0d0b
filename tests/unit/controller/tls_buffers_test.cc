// controller/tls_buffers.cc is linked into this binary as into the
// controller: every SSL object, whoever creates it, frees idle buffers.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace arena {
namespace {

TEST(TlsBuffers, EverySslObjectReleasesItsBuffersWhenIdle) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS, 0);  // not a default
  SSL* ssl = SSL_new(ctx);
  ASSERT_NE(ssl, nullptr);
  EXPECT_NE(SSL_get_mode(ssl) & SSL_MODE_RELEASE_BUFFERS, 0);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

}  // namespace
}  // namespace arena
