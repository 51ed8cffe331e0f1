// OpenSSL contexts: one for accepting TLS from clients, one for TLS toward servers.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace sluice::proxy::net {

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// Throws std::runtime_error naming the file and OpenSSL's reason.
SslCtxPtr make_server_tls_context(const std::string& cert_file, const std::string& key_file);
// ca_file empty: no certificate verification (like sslmode=require); else verify-full.
SslCtxPtr make_client_tls_context(const std::string& ca_file);

}  // namespace sluice::proxy::net
