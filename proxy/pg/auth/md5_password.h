// MD5 password authentication of the PostgreSQL wire protocol (AuthenticationMD5Password).
// Pure, no I/O.
//
//   stored hash (pg_authid):     "md5" + hex(md5(password + user))
//   PasswordMessage content:     "md5" + hex(md5(hex_part_of_stored_hash + salt))
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::proxy::pg::auth {

// Lowercase hex MD5 of `data` (32 characters).
std::string md5_hex(std::string_view data);

// True if `s` is "md5" followed by exactly 32 lowercase hex digits (what PostgreSQL treats as
// an MD5 hash in pg_authid).
bool is_md5_hash(std::string_view s);

// "md5" + hex(md5(password + user)), the value pg_authid stores for MD5 passwords.
std::string md5_password_hash(std::string_view user, std::string_view password);

// The PasswordMessage content answering AuthenticationMD5Password(salt):
// "md5" + hex(md5(hex_part + salt)). `md5_hash_or_password` may be a stored hash (see
// is_md5_hash) or a plain password, which is hashed with `user` first.
std::string md5_salted_response(std::string_view md5_hash_or_password, std::string_view user,
                                const std::array<uint8_t, 4>& salt);

// Checks a client's PasswordMessage content against what we know of the user: `stored` is a
// plain password or an MD5 hash. `client_response` is the string without its terminating NUL
// (one trailing NUL is tolerated). Constant-time comparison. Returns false, as PostgreSQL does,
// if `stored` is a SCRAM secret (the MD5 response cannot be checked against one).
bool md5_verify(std::string_view stored, std::string_view user,
                const std::array<uint8_t, 4>& salt, std::string_view client_response);

}  // namespace sluice::proxy::pg::auth
