#include "common/config.h"

namespace sluice::common {

const DatabaseConfig* Config::find_database(const std::string& name) const {
  const DatabaseConfig* wildcard = nullptr;
  for (const DatabaseConfig& db : databases) {
    if (db.name == name) return &db;
    if (db.name == "*" && wildcard == nullptr) wildcard = &db;
  }
  return wildcard;
}

const UserConfig* Config::find_user(const std::string& name) const {
  for (const UserConfig& user : users) {
    if (user.name == name) return &user;
  }
  return nullptr;
}

}  // namespace sluice::common
