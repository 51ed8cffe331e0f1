// The server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677, as PostgreSQL uses it): the proxy
// verifying a client that connected to it. Pure apart from drawing a random nonce.
//
// Exchange (the proxy sends AuthenticationSASL "SCRAM-SHA-256" first; no -PLUS variant):
//   client-first  -> handle_client_first  -> server-first  (AuthenticationSASLContinue)
//   client-final  -> handle_client_final  -> server-final  (AuthenticationSASLFinal)
// Any ok=false is terminal: the proxy should answer with an ErrorResponse (28P01 for a wrong
// password) and close; later calls keep returning ok=false.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/pg/auth/scram_secret.h"

namespace sluice::proxy::pg::auth {

class ScramServer {
 public:
  // `nonce_seed_or_empty`: empty draws 18 random bytes (RAND_bytes) for the server's half of the
  // nonce. Tests may pass the server nonce part itself: used verbatim if it is a valid nonce
  // (printable ASCII, no ','), otherwise its base64 is used.
  explicit ScramServer(ScramSecret secret, std::string nonce_seed_or_empty = {});

  struct Step {
    bool ok;
    std::string message;  // ok: data to send (server-first / server-final); !ok: the reason
  };

  // Parses "gs2-header client-first-message-bare". Accepts gs2 flags "n" and "y" (the latter
  // because we offer no channel binding); rejects "p=" (channel binding), an authzid, and the
  // reserved "m=" extension. The username in n= is ignored, as PostgreSQL does (the role comes
  // from the startup message). Returns the server-first-message "r=<nonce>,s=<salt>,i=<iter>".
  Step handle_client_first(std::string_view client_first_message);

  // Parses "c=...,r=...[,ext...],p=<proof>", checks the channel binding echoes the gs2 header,
  // the nonce is the combined one, and the proof is right. Returns "v=<ServerSignature>".
  // A wrong proof (wrong password) gives ok=false, "password authentication failed".
  Step handle_client_final(std::string_view client_final_message);

  // True once handle_client_final has succeeded.
  bool authenticated() const { return state_ == State::kDone; }

  // The ClientKey recovered from the client's proof (proof XOR ClientSignature); only meaningful
  // once authenticated() (all zero before). With the secret's server_key it lets the proxy log
  // in to the real server as this client (ScramClient pass-through) without knowing the password.
  const std::array<uint8_t, 32>& client_key() const { return client_key_; }

 private:
  enum class State { kStart, kSentServerFirst, kDone, kFailed };
  Step fail(std::string reason);

  ScramSecret secret_;
  std::string server_nonce_part_;  // empty if RAND_bytes failed
  State state_ = State::kStart;
  std::string gs2_header_;          // e.g. "n,,"
  std::string client_first_bare_;
  std::string server_first_;
  std::string combined_nonce_;
  std::array<uint8_t, 32> client_key_{};
};

}  // namespace sluice::proxy::pg::auth
