// validate_config(): the checks that hold for any Config, however it was built.
#include "common/config_loader.h"

#include <set>

#include "common/config_checks.h"
#include "common/target_url.h"

namespace sluice::common {

using namespace config_checks;

void validate_config(const Config& config) {
  const std::string prefix = (config.source.empty() ? std::string("config") : config.source) + ": ";
  auto fail = [&](const std::string& reason) { throw ConfigError(prefix + reason); };

  if (config.listen.empty()) fail("no listen address");
  for (std::size_t i = 0; i < config.listen.size(); ++i) {
    const Endpoint& e = config.listen[i];
    if (e.host.empty()) fail("listen address with an empty host");
    if (e.port == 0) fail("listen address " + squote(to_string(e)) + " has port 0");
    for (std::size_t j = 0; j < i; ++j) {
      if (config.listen[j].host == e.host && config.listen[j].port == e.port) {
        fail("duplicate listen address " + squote(to_string(e)));
      }
    }
  }
  if (config.workers < 0 || config.workers > kMaxWorkers) {
    fail("workers " + check_int_range(config.workers, 0, kMaxWorkers));
  }

  if (config.databases.empty()) fail("no databases configured");
  std::set<std::string> names;
  for (const DatabaseConfig& db : config.databases) {
    if (db.name.empty()) fail("database with an empty name");
    if (db.name == kAdminDatabase) fail("database name " + squote(db.name) + " is reserved for the admin console");
    if (!names.insert(db.name).second) fail("duplicate database " + squote(db.name));
    std::string range = check_int_range(db.pool_size, kMinPoolSize, kMaxPoolSize);
    if (!range.empty()) fail("database " + squote(db.name) + ": pool_size " + range);
    if (default_port_for_scheme(db.target.scheme) == 0) {
      fail("database " + squote(db.name) + ": unsupported target scheme " + squote(db.target.scheme));
    }
    if (db.target.host.empty()) fail("database " + squote(db.name) + ": target has no host");
    if (db.target.port == 0) fail("database " + squote(db.name) + ": target has port 0");
    if (db.name != "*" && db.target.dbname.empty()) {
      fail("database " + squote(db.name) + ": target names no database");
    }
  }

  names.clear();
  for (const UserConfig& user : config.users) {
    if (user.name.empty()) fail("user with an empty name");
    if (!names.insert(user.name).second) fail("duplicate user " + squote(user.name));
    std::string problem = check_password_secret(user.password);
    if (!problem.empty()) fail("user " + squote(user.name) + ": " + problem);
  }

  for (const TimeoutKey& key : kTimeoutKeys) {
    std::string problem = check_seconds(config.timeouts.*key.member);
    if (!problem.empty()) fail(std::string(key.name) + " " + problem);
  }
  if (config.limits.max_client_conn < 1) {
    fail("max_client_conn " + check_int_range(config.limits.max_client_conn, 1, INT_MAX));
  }
  if (config.limits.max_message_size < static_cast<std::size_t>(kMinMessageSize) ||
      config.limits.max_message_size > static_cast<std::size_t>(kMaxMessageSize)) {
    fail("max_message_size " +
         check_int_range(static_cast<int64_t>(std::min<std::size_t>(config.limits.max_message_size, INT64_MAX)),
                         kMinMessageSize, kMaxMessageSize));
  }
  if (!is_valid_log_level(config.log_level)) fail(one_of("log_level", kLogLevels, config.log_level));

  const TlsConfig& tls = config.tls;
  const bool has_cert = !tls.client_cert_file.empty();
  const bool has_key = !tls.client_key_file.empty();
  if (tls.client_mode == TlsMode::Require && (!has_cert || !has_key)) {
    fail("client TLS mode \"require\" needs a certificate and a key");
  }
  if (has_cert != has_key) fail("a client TLS certificate and key must be given together");
  for (const auto& [what, path] : {std::pair<std::string_view, const std::string*>{"TLS certificate", &tls.client_cert_file},
                                   {"TLS key", &tls.client_key_file},
                                   {"TLS CA file", &tls.server_ca_file}}) {
    if (path->empty()) continue;
    std::string problem = check_readable(*path);
    if (!problem.empty()) fail(std::string(what) + ": cannot read " + squote(*path) + ": " + problem);
  }
}

}  // namespace sluice::common
