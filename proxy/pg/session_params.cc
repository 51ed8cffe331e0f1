#include "proxy/pg/session_params.h"

#include <cctype>
#include <random>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sluice::proxy::pg {

bool is_connection_key(std::string_view key) {
  return key == "user" || key == "database" || key == "replication" || key == "options" ||
         key.substr(0, 8) == "_pq_.";
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

namespace {
uint64_t digest_seed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return (uint64_t(rd()) << 32) ^ rd();
  }();
  return seed;
}
}  // namespace

void SessionParams::add_to_digest(const std::string& lower_name, const std::string& value, bool remove) {
  XXH3_state_t state;
  XXH3_128bits_reset_withSeed(&state, digest_seed());
  XXH3_128bits_update(&state, lower_name.data(), lower_name.size() + 1);  // with its NUL: "ab"+"c" != "a"+"bc"
  XXH3_128bits_update(&state, value.data(), value.size());
  XXH128_hash_t h = XXH3_128bits_digest(&state);
  if (remove) {
    digest_.lo -= h.low64;
    digest_.hi -= h.high64;
  } else {
    digest_.lo += h.low64;
    digest_.hi += h.high64;
  }
}

void SessionParams::set(std::string_view name, std::string_view value) {
  auto key = lower(name);
  auto it = values_.find(key);
  if (it == values_.end()) {
    it = values_.emplace(std::move(key), Entry{std::string(name), std::string(value)}).first;
  } else {
    if (it->second.value == value) return;
    add_to_digest(it->first, it->second.value, true);
    it->second.value = std::string(value);
  }
  add_to_digest(it->first, it->second.value, false);
  ++version_;
}

void SessionParams::erase(std::string_view name) {
  auto it = values_.find(lower(name));
  if (it == values_.end()) return;
  add_to_digest(it->first, it->second.value, true);
  values_.erase(it);
  ++version_;
}

void SessionParams::clear() {
  if (values_.empty()) return;
  values_.clear();
  digest_ = ParamsDigest{};
  ++version_;
}

const std::string* SessionParams::get_lower(const std::string& lower_name) const {
  auto it = values_.find(lower_name);
  return it == values_.end() ? nullptr : &it->second.value;
}

const std::string* SessionParams::get(std::string_view name) const {
  auto it = values_.find(lower(name));
  return it == values_.end() ? nullptr : &it->second.value;
}

bool parse_options(std::string_view options, std::vector<std::pair<std::string, std::string>>& out,
                   std::string& error) {
  // Words are separated by spaces; a backslash escapes the next character (libpq's rules).
  std::vector<std::string> words;
  std::string cur;
  bool have = false;
  for (std::size_t i = 0; i < options.size(); ++i) {
    char c = options[i];
    if (c == '\\' && i + 1 < options.size()) {
      cur.push_back(options[++i]);
      have = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (have) words.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur.push_back(c);
      have = true;
    }
  }
  if (have) words.push_back(cur);
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string setting;
    if (words[i] == "-c") {
      if (i + 1 >= words.size()) {
        error = "\"-c\" at the end of options has no setting";
        return false;
      }
      setting = words[++i];
    } else if (words[i].rfind("-c", 0) == 0) {
      setting = words[i].substr(2);
    } else if (words[i].rfind("--", 0) == 0) {
      setting = words[i].substr(2);
    } else {
      error = "unsupported word \"" + words[i] + "\" in options (only -c name=value is supported)";
      return false;
    }
    auto eq = setting.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = "malformed setting \"" + setting + "\" in options";
      return false;
    }
    std::string name = setting.substr(0, eq);
    for (auto& c : name)
      if (c == '-') c = '_';
    out.emplace_back(name, setting.substr(eq + 1));
  }
  return true;
}

std::string quote_literal(std::string_view v) {
  std::string r = "'";
  for (char c : v) {
    if (c == '\'') r.push_back('\'');
    r.push_back(c);
  }
  r.push_back('\'');
  return r;
}

namespace {
bool valid_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}
}  // namespace

std::string sync_params_sql(const SessionParams& client_wanted, SessionParams& server_requested,
                            const SessionParams& server_reported) {
  // set_config() takes the value as postgresql.conf or `-c` would (a list stays a list), unlike
  // SET name = 'literal', which would make "a,b" one quoted identifier for search_path.
  std::string sets;
  for (const auto& [name, entry] : client_wanted.all()) {
    const std::string& value = entry.value;
    if (!valid_name(name)) continue;
    const std::string* have = server_requested.get_lower(name);
    if (!have) have = server_reported.get_lower(name);
    if (have && *have == value) continue;
    sets += sets.empty() ? "SELECT " : ", ";
    sets += "pg_catalog.set_config(" + quote_literal(name) + ", " + quote_literal(value) + ", false)";
    server_requested.set(name, value);
  }
  std::string sql;
  if (!sets.empty()) sql = sets + ";";
  // Settings an earlier client made that this one did not ask for go back to the default.
  std::vector<std::string> to_reset;
  for (const auto& [name, entry] : server_requested.all())
    if (!client_wanted.get_lower(name)) to_reset.push_back(name);
  for (const auto& name : to_reset) {
    sql += "RESET " + name + ";";
    server_requested.erase(name);
  }
  return sql;
}

std::string sync_params_sql(const SessionParams& client_wanted, SessionParams& server_requested,
                            const SessionParams& server_reported, ParamsSyncMemo& memo) {
  if (memo.valid && memo.wanted == client_wanted.digest() && memo.requested_version == server_requested.version() &&
      memo.reported_version == server_reported.version())
    return {};
  std::string sql = sync_params_sql(client_wanted, server_requested, server_reported);
  memo.valid = true;
  memo.wanted = client_wanted.digest();
  memo.requested_version = server_requested.version();
  memo.reported_version = server_reported.version();
  return sql;
}

}  // namespace sluice::proxy::pg
