#include "proxy/pg/auth/scram_common.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>

#include "proxy/pg/auth/base64.h"

namespace sluice::proxy::pg::auth::scram_detail {

bool sha256(std::span<const uint8_t> data, ScramKey& out) {
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    return false;
  }
  return len == out.size();
}

bool hmac_sha256(std::span<const uint8_t> key, std::string_view data, ScramKey& out) {
  if (key.size() > INT_MAX) return false;
  unsigned int len = 0;
  const unsigned char* r =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return r != nullptr && len == out.size();
}

bool salted_password(std::string_view password, std::string_view salt, int iterations,
                     ScramKey& out) {
  if (iterations < 1 || password.size() > INT_MAX || salt.size() > INT_MAX) return false;
  // OpenSSL wants non-null pointers even for empty inputs.
  static const char kEmpty[1] = {0};
  const char* pass = password.empty() ? kEmpty : password.data();
  const char* s = salt.empty() ? kEmpty : salt.data();
  return PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(s), static_cast<int>(salt.size()),
                           iterations, EVP_sha256(), static_cast<int>(out.size()),
                           out.data()) == 1;
}

bool derive_client_key(const ScramKey& salted, ScramKey& out) {
  return hmac_sha256(salted, "Client Key", out);
}

bool derive_server_key(const ScramKey& salted, ScramKey& out) {
  return hmac_sha256(salted, "Server Key", out);
}

ScramKey xor_keys(const ScramKey& a, const ScramKey& b) {
  ScramKey r{};
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<uint8_t>(a[i] ^ b[i]);
  return r;
}

bool keys_equal(const ScramKey& a, const ScramKey& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool to_key(std::string_view bytes, ScramKey& out) {
  if (bytes.size() != out.size()) return false;
  std::memcpy(out.data(), bytes.data(), out.size());
  return true;
}

std::vector<std::string_view> split_fields(std::string_view message) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = message.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(message.substr(start));
      return fields;
    }
    fields.push_back(message.substr(start, comma - start));
    start = comma + 1;
  }
}

std::optional<std::string_view> attr_value(std::string_view field, char name) {
  if (field.size() < 2 || field[0] != name || field[1] != '=') return std::nullopt;
  return field.substr(2);
}

bool is_extension(std::string_view field) {
  if (field.size() < 3 || field[1] != '=') return false;
  const char c = field[0];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_valid_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (char c : nonce) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == ',') return false;
  }
  return true;
}

std::optional<std::string> random_nonce() {
  std::array<uint8_t, 18> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return std::nullopt;
  return base64_encode(std::span<const uint8_t>(raw));
}

std::string nonce_from_seed(std::string_view seed) {
  if (is_valid_nonce(seed)) return std::string(seed);
  return base64_encode(seed);
}

std::optional<int> parse_iterations(std::string_view text, int max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > max) return std::nullopt;
  return static_cast<int>(value);
}

}  // namespace sluice::proxy::pg::auth::scram_detail
