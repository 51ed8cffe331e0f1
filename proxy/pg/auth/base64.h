// Standard base64 (RFC 4648 section 4, with '=' padding), as used by SCRAM (RFC 5802) and by the
// SCRAM secrets PostgreSQL stores in pg_authid. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::proxy::pg::auth {

// Encodes bytes as padded base64. Never fails.
std::string base64_encode(std::string_view data);
std::string base64_encode(std::span<const uint8_t> data);

// Decodes padded base64. Strict: the length must be a multiple of 4, only the alphabet
// A-Z a-z 0-9 + / is allowed, '=' may appear only as one or two trailing pad characters, and no
// whitespace is skipped, and the unused bits before the padding must be zero (canonical form).
// Returns nullopt on any violation. The empty string decodes to "".
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sluice::proxy::pg::auth
