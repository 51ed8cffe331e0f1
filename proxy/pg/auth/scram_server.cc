#include "proxy/pg/auth/scram_server.h"

#include <utility>

#include "proxy/pg/auth/base64.h"
#include "proxy/pg/auth/scram_common.h"

namespace sluice::proxy::pg::auth {

using namespace scram_detail;

ScramServer::ScramServer(ScramSecret secret, std::string nonce_seed_or_empty)
    : secret_(std::move(secret)) {
  if (nonce_seed_or_empty.empty()) {
    server_nonce_part_ = random_nonce().value_or(std::string{});
  } else {
    server_nonce_part_ = nonce_from_seed(nonce_seed_or_empty);
  }
}

ScramServer::Step ScramServer::fail(std::string reason) {
  state_ = State::kFailed;
  return Step{false, std::move(reason)};
}

ScramServer::Step ScramServer::handle_client_first(std::string_view msg) {
  if (state_ != State::kStart) return fail("SCRAM: unexpected client-first-message");
  if (secret_.iterations < 1 || secret_.salt.empty()) return fail("SCRAM: invalid secret");
  if (server_nonce_part_.empty()) return fail("SCRAM: could not generate a nonce");

  const auto fields = split_fields(msg);
  if (msg.empty() || fields.size() < 4) {
    return fail("SCRAM: malformed client-first-message");
  }

  // gs2-header: gs2-cbind-flag "," [authzid] ","
  const std::string_view flag = fields[0];
  if (flag.starts_with("p=")) {
    return fail(
        "SCRAM: client requires channel binding (SCRAM-SHA-256-PLUS), which is not supported");
  }
  if (flag != "n" && flag != "y") {
    return fail("SCRAM: malformed client-first-message: bad GS2 channel-binding flag");
  }
  if (!fields[1].empty()) {
    if (fields[1].starts_with("a=")) {
      return fail("SCRAM: authorization identity (a=) is not supported");
    }
    return fail("SCRAM: malformed client-first-message: bad GS2 header");
  }
  const size_t header_len = flag.size() + 1 + fields[1].size() + 1;

  // client-first-message-bare: [reserved-mext ","] username "," nonce ["," extensions]
  if (fields[2].starts_with("m=")) {
    return fail("SCRAM: mandatory extension (m=) is not supported");
  }
  if (!attr_value(fields[2], 'n')) {
    return fail("SCRAM: malformed client-first-message: expected username (n=)");
  }
  const auto client_nonce = attr_value(fields[3], 'r');
  if (!client_nonce) return fail("SCRAM: malformed client-first-message: expected nonce (r=)");
  if (!is_valid_nonce(*client_nonce)) {
    return fail("SCRAM: malformed client-first-message: invalid nonce");
  }
  for (size_t i = 4; i < fields.size(); ++i) {
    if (!is_extension(fields[i])) {
      return fail("SCRAM: malformed client-first-message: garbage after nonce");
    }
  }

  gs2_header_ = std::string(msg.substr(0, header_len));
  client_first_bare_ = std::string(msg.substr(header_len));
  combined_nonce_ = std::string(*client_nonce) + server_nonce_part_;
  server_first_ = "r=" + combined_nonce_ + ",s=" + base64_encode(secret_.salt) +
                  ",i=" + std::to_string(secret_.iterations);
  state_ = State::kSentServerFirst;
  return Step{true, server_first_};
}

ScramServer::Step ScramServer::handle_client_final(std::string_view msg) {
  if (state_ != State::kSentServerFirst) return fail("SCRAM: unexpected client-final-message");

  const auto fields = split_fields(msg);
  if (fields.size() < 3) return fail("SCRAM: malformed client-final-message");

  const auto binding = attr_value(fields[0], 'c');
  if (!binding) return fail("SCRAM: malformed client-final-message: expected channel binding");
  const auto binding_raw = base64_decode(*binding);
  if (!binding_raw) return fail("SCRAM: malformed client-final-message: invalid base64 in c=");
  if (*binding_raw != gs2_header_) {
    return fail("SCRAM: channel binding does not match the client-first-message");
  }

  const auto nonce = attr_value(fields[1], 'r');
  if (!nonce) return fail("SCRAM: malformed client-final-message: expected nonce (r=)");
  if (*nonce != combined_nonce_) return fail("SCRAM: nonce does not match");

  for (size_t i = 2; i + 1 < fields.size(); ++i) {
    if (!is_extension(fields[i])) {
      return fail("SCRAM: malformed client-final-message: garbage before proof");
    }
  }

  const std::string_view proof_field = fields.back();
  const auto proof_b64 = attr_value(proof_field, 'p');
  if (!proof_b64) return fail("SCRAM: malformed client-final-message: expected proof (p=)");
  const auto proof_raw = base64_decode(*proof_b64);
  if (!proof_raw) return fail("SCRAM: malformed client-final-message: invalid base64 in p=");
  ScramKey proof{};
  if (!to_key(*proof_raw, proof)) {
    return fail("SCRAM: malformed client-final-message: proof has the wrong length");
  }

  const std::string_view without_proof = msg.substr(0, msg.size() - proof_field.size() - 1);
  std::string auth_message = client_first_bare_;
  auth_message += ',';
  auth_message += server_first_;
  auth_message += ',';
  auth_message += without_proof;

  ScramKey client_signature{};
  ScramKey recomputed_stored{};
  ScramKey server_signature{};
  if (!hmac_sha256(secret_.stored_key, auth_message, client_signature)) {
    return fail("SCRAM: internal crypto error");
  }
  const ScramKey client_key = xor_keys(proof, client_signature);
  if (!sha256(client_key, recomputed_stored)) return fail("SCRAM: internal crypto error");
  if (!keys_equal(recomputed_stored, secret_.stored_key)) {
    return fail("password authentication failed");
  }
  if (!hmac_sha256(secret_.server_key, auth_message, server_signature)) {
    return fail("SCRAM: internal crypto error");
  }

  client_key_ = client_key;
  state_ = State::kDone;
  return Step{true, "v=" + base64_encode(std::span<const uint8_t>(server_signature))};
}

}  // namespace sluice::proxy::pg::auth
