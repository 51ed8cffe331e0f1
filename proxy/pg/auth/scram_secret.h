// SCRAM-SHA-256 secrets in the format PostgreSQL stores in pg_authid.rolpassword:
//   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
// Pure, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/pg/auth/scram_common.h"

namespace sluice::proxy::pg::auth {

struct ScramSecret {
  int iterations = 0;
  std::string salt;  // raw bytes
  std::array<uint8_t, 32> stored_key{};
  std::array<uint8_t, 32> server_key{};

  bool operator==(const ScramSecret&) const = default;
};

// Parses the pg_authid format above. Returns nullopt unless: the prefix is exactly
// "SCRAM-SHA-256$", iterations is plain decimal in [1, INT_MAX], the salt is non-empty strict
// base64, and both keys are strict base64 of exactly 32 bytes, with nothing else in the string.
std::optional<ScramSecret> parse_scram_secret(std::string_view s);

// Derives a secret from a password the way PostgreSQL does, except that the password bytes are
// used as-is (no SASLprep; identical for ASCII passwords without control characters):
//   SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations)
//   StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key"))
//   ServerKey = HMAC(SaltedPassword, "Server Key")
// `salt` is raw bytes (PostgreSQL uses 16 random bytes). If iterations < 1 (or OpenSSL fails)
// the result has iterations == 0 and zero keys, which parse/ScramServer treat as invalid.
ScramSecret make_scram_secret(std::string_view password, std::string_view salt,
                              int iterations = 4096);

// Formats a secret in the pg_authid format; parse_scram_secret(format_scram_secret(s)) == s
// for any valid secret.
std::string format_scram_secret(const ScramSecret& secret);

}  // namespace sluice::proxy::pg::auth
