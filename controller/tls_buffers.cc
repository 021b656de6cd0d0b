// Idle TLS connections without their record buffers.
//
// OpenSSL keeps a read and a write buffer (about 17 KiB each) for every
// connection for as long as it lives; with SSL_MODE_RELEASE_BUFFERS it frees
// them whenever nothing is pending. The controller holds one connection per
// agent, almost always idle, so that is 34 KiB per agent (340 MiB for 10,000
// agents). gRPC 1.51 creates its SSL objects itself and offers no hook to set
// a mode, so this executable interposes SSL_new: the dynamic linker resolves
// gRPC's call to the definition here, which calls OpenSSL's and sets the mode.
#include <dlfcn.h>
#include <openssl/ssl.h>

extern "C" SSL* SSL_new(SSL_CTX* ctx) {
  using SslNew = SSL* (*)(SSL_CTX*);
  static const SslNew real = reinterpret_cast<SslNew>(dlsym(RTLD_NEXT, "SSL_new"));
  if (real == nullptr) return nullptr;
  SSL* ssl = real(ctx);
  if (ssl != nullptr) SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  return ssl;
}
