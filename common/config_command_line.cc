// The one-line start ("sluice --target postgres://..."): CommandLineOptions -> Config.
#include "common/config_loader.h"

#include "common/config_checks.h"
#include "common/target_url.h"

namespace sluice::common {

using namespace config_checks;

Config config_from_command_line(const CommandLineOptions& options) {
  auto fail = [](const std::string& reason) { throw ConfigError("command line: " + reason); };
  Config config;
  config.source = "command line";

  if (options.target.empty()) {
    fail("a target URL is required (--target postgres://user:password@host:5432/dbname)");
  }
  TargetUrl target;
  try {
    target = parse_target_url(options.target);
  } catch (const ConfigError& e) {
    fail(std::string("--target: ") + e.what());
  }
  if (target.dbname.empty()) fail("--target: the URL names no database and no user (add /dbname)");

  if (!options.listen.empty()) {
    config.listen.clear();
    for (const std::string& text : options.listen) {
      try {
        config.listen.push_back(parse_listen_address(text));
      } catch (const ConfigError& e) {
        fail("--listen " + squote(text) + ": " + e.what());
      }
    }
  }

  std::optional<PoolMode> pool_mode = parse_pool_mode(options.pool_mode);
  if (!pool_mode) fail(one_of("--pool-mode", kPoolModes, options.pool_mode));
  std::string range = check_int_range(options.pool_size, kMinPoolSize, kMaxPoolSize);
  if (!range.empty()) fail("--pool-size " + range);
  range = check_int_range(options.workers, 0, kMaxWorkers);
  if (!range.empty()) fail("--workers " + range);
  config.workers = options.workers;
  if (!options.io.empty()) {
    std::optional<IoBackend> io = parse_io_backend(options.io);
    if (!io) fail(one_of("--io", kIoBackends, options.io));
    config.io = *io;
  }

  if (!options.auth_type.empty()) {
    std::optional<AuthType> type = parse_auth_type(options.auth_type);
    if (!type) fail(one_of("--auth-type", kAuthTypes, options.auth_type));
    config.auth_type = *type;
  }
  config.auth_file = options.users_file;

  if (!options.log_level.empty()) {
    if (!is_valid_log_level(options.log_level)) fail(one_of("--log-level", kLogLevels, options.log_level));
    config.log_level = options.log_level;
  }
  config.data_dir = options.data_dir;
  if (!options.admin_http.empty()) {
    try {
      config.admin.http_listen = parse_listen_address(options.admin_http);
    } catch (const ConfigError& e) {
      fail("--admin-http " + squote(options.admin_http) + ": " + e.what());
    }
  }
  config.admin.http_token = options.admin_token;
  if (!options.samples.empty()) {
    std::optional<SampleMode> mode = parse_sample_mode(options.samples);
    if (!mode) fail(one_of("--samples", kSampleModes, options.samples));
    config.observe.samples = *mode;
  }
  if (options.no_observe) config.observe.enabled = false;

  if (options.query_wait_timeout != -1) {
    std::string problem = check_seconds(options.query_wait_timeout);
    if (!problem.empty()) fail("--query-wait-timeout " + problem);
    config.timeouts.query_wait_timeout = options.query_wait_timeout;
  }
  if (options.max_client_conn != -1) {
    range = check_int_range(options.max_client_conn, 1, INT_MAX);
    if (!range.empty()) fail("--max-client-conn " + range);
    config.limits.max_client_conn = options.max_client_conn;
  }

  config.tls.client_cert_file = options.tls_cert;
  config.tls.client_key_file = options.tls_key;
  if (!options.client_tls.empty()) {
    std::optional<TlsMode> mode = parse_tls_mode(options.client_tls);
    if (!mode) fail(one_of("--client-tls", kTlsModes, options.client_tls));
    config.tls.client_mode = *mode;
  }
  if (!options.server_tls.empty()) {
    std::optional<TlsMode> mode = parse_tls_mode(options.server_tls);
    if (!mode) fail(one_of("--server-tls", kTlsModes, options.server_tls));
    config.tls.server_mode = *mode;
  }

  DatabaseConfig db;
  db.target = target;
  db.pool_mode = *pool_mode;
  db.pool_size = options.pool_size;
  if (target.dbname != "*") {
    db.name = target.dbname;
    config.databases.push_back(db);
  }
  db.name = "*";
  config.databases.push_back(db);

  load_auth_file(config);
  validate_config(config);
  return config;
}

}  // namespace sluice::common
