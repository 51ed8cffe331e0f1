#include "proxy/pg/auth/scram_secret.h"

#include <openssl/crypto.h>

#include <climits>

#include "proxy/pg/auth/base64.h"

namespace sluice::proxy::pg::auth {

namespace {
constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
}  // namespace

std::optional<ScramSecret> parse_scram_secret(std::string_view s) {
  if (!s.starts_with(kPrefix)) return std::nullopt;
  s.remove_prefix(kPrefix.size());

  // <iterations>:<salt>$<stored>:<server>
  const size_t dollar = s.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  const std::string_view params = s.substr(0, dollar);
  const std::string_view keys = s.substr(dollar + 1);

  const size_t colon1 = params.find(':');
  const size_t colon2 = keys.find(':');
  if (colon1 == std::string_view::npos || colon2 == std::string_view::npos) return std::nullopt;

  ScramSecret secret;
  const auto iterations = scram_detail::parse_iterations(params.substr(0, colon1), INT_MAX);
  if (!iterations) return std::nullopt;
  secret.iterations = *iterations;

  // base64_decode rejects any stray '$' or ':' left in a part, so "a:b:c" style garbage fails.
  auto salt = base64_decode(params.substr(colon1 + 1));
  auto stored = base64_decode(keys.substr(0, colon2));
  auto server = base64_decode(keys.substr(colon2 + 1));
  if (!salt || salt->empty() || !stored || !server) return std::nullopt;
  if (!scram_detail::to_key(*stored, secret.stored_key) ||
      !scram_detail::to_key(*server, secret.server_key)) {
    return std::nullopt;
  }
  secret.salt = std::move(*salt);
  return secret;
}

ScramSecret make_scram_secret(std::string_view password, std::string_view salt,
                              int iterations) {
  ScramSecret secret;
  ScramKey salted{};
  ScramKey client_key{};
  bool ok = scram_detail::salted_password(password, salt, iterations, salted) &&
            scram_detail::derive_client_key(salted, client_key) &&
            scram_detail::sha256(client_key, secret.stored_key) &&
            scram_detail::derive_server_key(salted, secret.server_key);
  OPENSSL_cleanse(salted.data(), salted.size());
  OPENSSL_cleanse(client_key.data(), client_key.size());
  if (!ok) return ScramSecret{};
  secret.iterations = iterations;
  secret.salt = std::string(salt);
  return secret;
}

std::string format_scram_secret(const ScramSecret& secret) {
  std::string out(kPrefix);
  out += std::to_string(secret.iterations);
  out += ':';
  out += base64_encode(secret.salt);
  out += '$';
  out += base64_encode(std::span<const uint8_t>(secret.stored_key));
  out += ':';
  out += base64_encode(std::span<const uint8_t>(secret.server_key));
  return out;
}

}  // namespace sluice::proxy::pg::auth
