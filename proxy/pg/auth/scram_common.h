// Shared building blocks of the SCRAM-SHA-256 code (RFC 5802 / RFC 7677): the three primitives
// (SHA-256, HMAC-SHA-256, PBKDF2-HMAC-SHA-256), key derivation, and the small message-syntax
// helpers that both ScramServer and ScramClient need. Internal to proxy/pg/auth; pure, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::proxy::pg::auth {

// One SHA-256 sized key or signature (ClientKey, StoredKey, ServerKey, proofs, signatures).
using ScramKey = std::array<uint8_t, 32>;

namespace scram_detail {

// Each returns false only if OpenSSL itself fails (should not happen with the default provider).
bool sha256(std::span<const uint8_t> data, ScramKey& out);
bool hmac_sha256(std::span<const uint8_t> key, std::string_view data, ScramKey& out);
// Hi(password, salt, i) of RFC 5802 = PBKDF2-HMAC-SHA-256 with a 32-byte output.
bool salted_password(std::string_view password, std::string_view salt, int iterations,
                     ScramKey& out);

// ClientKey / ServerKey from a SaltedPassword.
bool derive_client_key(const ScramKey& salted, ScramKey& out);
bool derive_server_key(const ScramKey& salted, ScramKey& out);

ScramKey xor_keys(const ScramKey& a, const ScramKey& b);
// Constant-time equality.
bool keys_equal(const ScramKey& a, const ScramKey& b);
// Copies a 32-byte string into a key; false if the size is wrong.
bool to_key(std::string_view bytes, ScramKey& out);

// Splits on every ','. "n,,n=u,r=x" -> {"n", "", "n=u", "r=x"}. Always returns >= 1 field.
std::vector<std::string_view> split_fields(std::string_view message);

// If `field` is "<name>=<value>", returns value (possibly empty); otherwise nullopt.
std::optional<std::string_view> attr_value(std::string_view field, char name);

// attr-val of RFC 5802: ALPHA "=" 1*value-char. Used to accept (and ignore) extensions.
bool is_extension(std::string_view field);

// RFC 5802 nonce: one or more printable ASCII characters (0x21..0x7e) except ','.
bool is_valid_nonce(std::string_view nonce);

// A fresh random nonce (18 bytes from RAND_bytes, base64: 24 characters), or nullopt if the
// random generator fails.
std::optional<std::string> random_nonce();

// The nonce to use when a caller supplies one (tests): used verbatim if it is a valid nonce,
// otherwise base64-encoded (which always is).
std::string nonce_from_seed(std::string_view seed);

// Parses an iteration count: plain decimal digits only, value in [1, max]. nullopt otherwise.
std::optional<int> parse_iterations(std::string_view text, int max);

}  // namespace scram_detail
}  // namespace sluice::proxy::pg::auth
