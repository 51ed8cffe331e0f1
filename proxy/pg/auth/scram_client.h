// The client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677, as PostgreSQL uses it): the proxy
// logging in to a PostgreSQL server. Pure apart from drawing a random nonce.
//
//   client_first_message()  -> SASLInitialResponse("SCRAM-SHA-256", data)
//   AuthenticationSASLContinue(data) -> handle_server_first -> SASLResponse(message)
//   AuthenticationSASLFinal(data)    -> verify_server_final  (must be true before trusting
//                                                             AuthenticationOk)
//
// Two ways to prove identity:
//  * a plain password: SaltedPassword is derived from the salt/iterations the server sends;
//  * SCRAM pass-through: a (ClientKey, ServerKey) pair, e.g. ScramServer::client_key() plus the
//    ServerKey of the pg_authid secret. The proof is ClientKey XOR HMAC(SHA-256(ClientKey),
//    AuthMessage); the server's salt/iterations are then not used, so this only works when the
//    server's secret is the one the keys came from (same pg_authid entry).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::proxy::pg::auth {

class ScramClient {
 public:
  using Key = std::array<uint8_t, 32>;

  // Maximum iteration count accepted from a server (PBKDF2 cost guard).
  static constexpr int kMaxIterations = 10'000'000;

  // `nonce_or_empty`: empty draws 18 random bytes (RAND_bytes); tests may pass the client nonce
  // itself (used verbatim if valid: printable ASCII, no ','; otherwise its base64 is used).
  // `user`: the n= value; PostgreSQL ignores it, so leave it empty except for test vectors.
  explicit ScramClient(std::string_view password, std::string nonce_or_empty = {},
                       std::string user = {});
  ScramClient(const Key& client_key, const Key& server_key, std::string nonce_or_empty = {},
              std::string user = {});

  struct Step {
    bool ok;
    std::string message;  // ok: client-final-message to send; !ok: the reason
  };

  // "n,,n=<user>,r=<nonce>". Idempotent. Returns "" if no nonce could be generated (then
  // handle_server_first fails too).
  std::string client_first_message();

  // Parses "r=<nonce>,s=<salt>,i=<iterations>[,ext...]": the nonce must start with ours and be
  // longer, the salt non-empty base64, 1 <= iterations <= kMaxIterations. Returns
  // "c=biws,r=<nonce>,p=<proof>". ok=false (terminal) on any problem.
  Step handle_server_first(std::string_view server_first);

  // Checks "v=<ServerSignature>" against the expected signature (constant time). Returns false
  // for "e=<error>" (see error()), malformed input, a wrong signature, or a call out of order.
  bool verify_server_final(std::string_view server_final);

  // Why the last step failed ("" if none did).
  const std::string& error() const { return error_; }

 private:
  enum class State { kStart, kSentFirst, kSentFinal, kDone, kFailed };
  Step fail(std::string reason);

  std::optional<std::string> password_;  // set: password mode; unset: key mode
  Key client_key_{};
  Key server_key_{};
  std::string nonce_;  // empty if RAND_bytes failed
  std::string user_;
  State state_ = State::kStart;
  std::string client_first_bare_;
  Key expected_server_signature_{};
  std::string error_;
};

}  // namespace sluice::proxy::pg::auth
