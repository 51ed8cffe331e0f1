#include "proxy/pg/auth/scram_client.h"

#include <openssl/crypto.h>

#include <utility>

#include "proxy/pg/auth/base64.h"
#include "proxy/pg/auth/scram_common.h"

namespace sluice::proxy::pg::auth {

using namespace scram_detail;

namespace {

std::string initial_nonce(std::string_view seed) {
  if (seed.empty()) return random_nonce().value_or(std::string{});
  return nonce_from_seed(seed);
}

// saslname escaping of RFC 5802: ',' -> "=2C", '=' -> "=3D".
std::string escape_saslname(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

ScramClient::ScramClient(std::string_view password, std::string nonce_or_empty, std::string user)
    : password_(std::string(password)),
      nonce_(initial_nonce(nonce_or_empty)),
      user_(std::move(user)) {}

ScramClient::ScramClient(const Key& client_key, const Key& server_key,
                         std::string nonce_or_empty, std::string user)
    : client_key_(client_key),
      server_key_(server_key),
      nonce_(initial_nonce(nonce_or_empty)),
      user_(std::move(user)) {}

ScramClient::Step ScramClient::fail(std::string reason) {
  state_ = State::kFailed;
  error_ = reason;
  return Step{false, std::move(reason)};
}

std::string ScramClient::client_first_message() {
  if (nonce_.empty()) return {};
  if (client_first_bare_.empty()) {
    client_first_bare_ = "n=" + escape_saslname(user_) + ",r=" + nonce_;
  }
  if (state_ == State::kStart) state_ = State::kSentFirst;
  return "n,," + client_first_bare_;
}

ScramClient::Step ScramClient::handle_server_first(std::string_view server_first) {
  if (state_ != State::kSentFirst) return fail("SCRAM: unexpected server-first-message");

  const auto fields = split_fields(server_first);
  if (fields[0].starts_with("m=")) return fail("SCRAM: mandatory extension (m=) is not supported");
  if (fields.size() < 3) return fail("SCRAM: malformed server-first-message");

  const auto nonce = attr_value(fields[0], 'r');
  if (!nonce) return fail("SCRAM: malformed server-first-message: expected nonce (r=)");
  if (!is_valid_nonce(*nonce)) return fail("SCRAM: malformed server-first-message: bad nonce");
  if (nonce->size() <= nonce_.size() || !nonce->starts_with(nonce_)) {
    return fail("SCRAM: server nonce does not extend the client nonce");
  }

  const auto salt_b64 = attr_value(fields[1], 's');
  if (!salt_b64) return fail("SCRAM: malformed server-first-message: expected salt (s=)");
  const auto salt = base64_decode(*salt_b64);
  if (!salt || salt->empty()) {
    return fail("SCRAM: malformed server-first-message: invalid salt");
  }

  const auto iter_text = attr_value(fields[2], 'i');
  if (!iter_text) {
    return fail("SCRAM: malformed server-first-message: expected iteration count (i=)");
  }
  const auto iterations = parse_iterations(*iter_text, kMaxIterations);
  if (!iterations) return fail("SCRAM: unacceptable iteration count");

  for (size_t i = 3; i < fields.size(); ++i) {
    if (!is_extension(fields[i])) {
      return fail("SCRAM: malformed server-first-message: garbage after iteration count");
    }
  }

  Key client_key = client_key_;
  Key server_key = server_key_;
  if (password_) {
    Key salted{};
    const bool ok = salted_password(*password_, *salt, *iterations, salted) &&
                    derive_client_key(salted, client_key) &&
                    derive_server_key(salted, server_key);
    OPENSSL_cleanse(salted.data(), salted.size());
    if (!ok) return fail("SCRAM: internal crypto error");
  }

  // c=biws is base64("n,,"), the gs2 header we sent.
  const std::string without_proof = "c=biws,r=" + std::string(*nonce);
  std::string auth_message = client_first_bare_;
  auth_message += ',';
  auth_message += server_first;
  auth_message += ',';
  auth_message += without_proof;

  Key stored_key{};
  Key client_signature{};
  if (!sha256(client_key, stored_key) ||
      !hmac_sha256(stored_key, auth_message, client_signature) ||
      !hmac_sha256(server_key, auth_message, expected_server_signature_)) {
    return fail("SCRAM: internal crypto error");
  }
  const Key proof = xor_keys(client_key, client_signature);
  OPENSSL_cleanse(client_key.data(), client_key.size());

  state_ = State::kSentFinal;
  return Step{true, without_proof + ",p=" + base64_encode(std::span<const uint8_t>(proof))};
}

bool ScramClient::verify_server_final(std::string_view server_final) {
  if (state_ != State::kSentFinal) {
    fail("SCRAM: unexpected server-final-message");
    return false;
  }
  const auto fields = split_fields(server_final);
  if (const auto err = attr_value(fields[0], 'e')) {
    fail("SCRAM: server error: " + std::string(*err));
    return false;
  }
  const auto verifier_b64 = attr_value(fields[0], 'v');
  if (!verifier_b64) {
    fail("SCRAM: malformed server-final-message");
    return false;
  }
  for (size_t i = 1; i < fields.size(); ++i) {
    if (!is_extension(fields[i])) {
      fail("SCRAM: malformed server-final-message: garbage after verifier");
      return false;
    }
  }
  const auto verifier = base64_decode(*verifier_b64);
  Key signature{};
  if (!verifier || !to_key(*verifier, signature)) {
    fail("SCRAM: malformed server-final-message: invalid verifier");
    return false;
  }
  if (!keys_equal(signature, expected_server_signature_)) {
    fail("SCRAM: server signature is wrong (the server does not know the password)");
    return false;
  }
  state_ = State::kDone;
  error_.clear();
  return true;
}

}  // namespace sluice::proxy::pg::auth
