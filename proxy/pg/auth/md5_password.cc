#include "proxy/pg/auth/md5_password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "proxy/pg/auth/scram_secret.h"

namespace sluice::proxy::pg::auth {

namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0x0f]);
  }
  return out;
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr) != 1 || len != 16) {
    // Only possible if MD5 is unavailable (e.g. a FIPS-only provider). An empty string never
    // equals a real response, so verification fails closed.
    return {};
  }
  return to_hex(digest, len);
}

bool is_md5_hash(std::string_view s) {
  if (s.size() != 35 || !s.starts_with("md5")) return false;
  for (char c : s.substr(3)) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

std::string md5_password_hash(std::string_view user, std::string_view password) {
  std::string input;
  input.reserve(password.size() + user.size());
  input.append(password);
  input.append(user);
  const std::string hex = md5_hex(input);
  OPENSSL_cleanse(input.data(), input.size());
  if (hex.empty()) return {};
  return "md5" + hex;
}

std::string md5_salted_response(std::string_view md5_hash_or_password, std::string_view user,
                                const std::array<uint8_t, 4>& salt) {
  std::string hash = is_md5_hash(md5_hash_or_password)
                         ? std::string(md5_hash_or_password)
                         : md5_password_hash(user, md5_hash_or_password);
  if (hash.empty()) return {};
  std::string input = hash.substr(3);
  input.append(reinterpret_cast<const char*>(salt.data()), salt.size());
  const std::string hex = md5_hex(input);
  if (hex.empty()) return {};
  return "md5" + hex;
}

bool md5_verify(std::string_view stored, std::string_view user,
                const std::array<uint8_t, 4>& salt, std::string_view client_response) {
  if (!client_response.empty() && client_response.back() == '\0') client_response.remove_suffix(1);
  if (!is_md5_hash(stored) && parse_scram_secret(stored)) return false;
  const std::string expected = md5_salted_response(stored, user, salt);
  if (expected.empty() || client_response.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), client_response.data(), expected.size()) == 0;
}

}  // namespace sluice::proxy::pg::auth
