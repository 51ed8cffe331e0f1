// What the proxy knows about each user's password, shared by all workers: used to check
// clients and to log in to servers as them. Locked only at login time, never per query.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "proxy/pg/auth/scram_secret.h"

namespace sluice::proxy::pg {

struct UserSecret {
  std::string plain_password;                 // when known (users list, target URL)
  std::string md5_hash;                       // "md5..." (users list or pg_shadow)
  std::optional<auth::ScramSecret> scram;     // users list or pg_shadow
  // Recovered from a client's successful SCRAM login: lets the proxy log in to servers as
  // that user without knowing the password (SCRAM pass-through).
  std::optional<std::array<uint8_t, 32>> scram_client_key;
  bool found = false;  // the user exists (false: unknown user)
  std::chrono::steady_clock::time_point fetched_at{};  // auth_query results expire
  bool from_auth_query = false;

  bool has_any() const { return !plain_password.empty() || !md5_hash.empty() || scram.has_value(); }
};

// Builds a UserSecret from one stored string: plain, md5 hash or SCRAM secret.
UserSecret secret_from_stored(const std::string& stored);

class CredentialStore {
 public:
  std::optional<UserSecret> get(const std::string& user) const;
  void put(const std::string& user, UserSecret secret);
  void clear();

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, UserSecret> users_;
};

}  // namespace sluice::proxy::pg
