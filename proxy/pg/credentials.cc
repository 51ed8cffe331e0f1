#include "proxy/pg/credentials.h"

namespace sluice::proxy::pg {

namespace {
bool is_md5_hash(const std::string& s) {
  if (s.size() != 35 || s.compare(0, 3, "md5") != 0) return false;
  for (std::size_t i = 3; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

UserSecret secret_from_stored(const std::string& stored) {
  UserSecret s;
  s.found = true;
  if (stored.rfind("SCRAM-SHA-256$", 0) == 0) {
    s.scram = auth::parse_scram_secret(stored);
    if (!s.scram) s.found = false;
  } else if (is_md5_hash(stored)) {
    s.md5_hash = stored;
  } else {
    s.plain_password = stored;
  }
  return s;
}

std::optional<UserSecret> CredentialStore::get(const std::string& user) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

void CredentialStore::put(const std::string& user, UserSecret secret) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = users_[user];
  auto key = slot.scram_client_key;
  bool same_scram = slot.scram && secret.scram && slot.scram->stored_key == secret.scram->stored_key;
  bool had_key = secret.scram_client_key.has_value();
  slot = std::move(secret);
  if (same_scram && !had_key) slot.scram_client_key = key;
}

void CredentialStore::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  users_.clear();
}

}  // namespace sluice::proxy::pg
