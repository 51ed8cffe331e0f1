// Loading and validating the configuration: the TOML file (sluice.toml) or the one-line start
// ("sluice --target postgres://..."). Every problem is a ConfigError naming where it was found:
//   "sluice.toml:12:3: unknown key 'pool_sise' in [databases.appdb] (did you mean 'pool_size'?)"
// One header, one file per part: config_loader.cc (TOML), config_auth_file.cc,
// config_command_line.cc, config_validation.cc, config_names.cc; config_checks.h is theirs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/config_error.h"

namespace sluice::common {

// Reads, parses and validates a TOML config file, then loads its auth file (if any).
// Relative paths in the file (auth.file, tls.*, proxy.data_dir) are taken relative to the
// directory holding the config file.
// Errors: "<file>:<line>:<column>: <reason>", "<file>: <reason>" when there is no position,
// "<file>: cannot read: <strerror>" when the file cannot be read.
Config load_config_file(const std::string& path);

// The same from TOML text (no file); source_name is used in messages and in Config::source.
// Relative paths are kept as written. The auth file, if set, is loaded.
Config load_config_string(std::string_view toml_text, const std::string& source_name = "<string>");

// If config.auth_file is set, reads that PgBouncer-style userlist and adds its users:
//   "user" "password-or-secret"      (a doubled "" inside quotes is a literal quote)
// Blank lines and lines starting with ';' or '#' are ignored. A user already configured
// without a password gets the file's password; one configured with a password is an error.
// Errors: "<file>:<line>: <reason>" or "<file>: cannot read: <strerror>".
void load_auth_file(Config& config);

// The one-line start. Empty strings and -1 mean "not given, use the default".
struct CommandLineOptions {
  std::vector<std::string> listen;  // "host:port" / "[::1]:port"
  std::string target;               // required: the server's URL
  std::string pool_mode = "transaction";
  int pool_size = 20;
  int workers = 0;
  std::string io;          // auto | io_uring | libuv
  std::string auth_type;   // trust | md5 | scram-sha-256
  std::string users_file;  // PgBouncer-style userlist, becomes Config::auth_file
  std::string log_level;
  std::string data_dir;
  std::string admin_http;  // host:port of the HTTP admin listener
  std::string admin_token;
  std::string samples;     // on | redacted | off
  bool no_observe = false;
  double query_wait_timeout = -1;
  int max_client_conn = -1;
  std::string tls_cert, tls_key, client_tls, server_tls;
};

// Builds a Config with the target registered under its database name and as the "*" entry
// (same target and pool settings). Config::source is "command line".
// Errors: "command line: <reason>".
Config config_from_command_line(const CommandLineOptions& options);

// Checks that hold for any Config however it was built (at least one database, ranges, unique
// names and listen addresses, TLS cert/key pairs and readable files, ...). Messages start with
// "<config.source>: ". load_config_file and config_from_command_line call it.
void validate_config(const Config& config);

// "host:port", "[v6addr]:port" -> Endpoint. Throws ConfigError("<reason>") with no location.
Endpoint parse_listen_address(std::string_view text);
std::string to_string(const Endpoint& endpoint);  // "[::1]:6432" for IPv6 hosts

// The names used in the config file, both ways.
std::optional<PoolMode> parse_pool_mode(std::string_view text);
std::optional<TlsMode> parse_tls_mode(std::string_view text);
std::optional<SampleMode> parse_sample_mode(std::string_view text);
std::string_view to_string(SampleMode mode);
std::optional<IoBackend> parse_io_backend(std::string_view text);
std::string_view to_string(IoBackend io);
std::optional<AuthType> parse_auth_type(std::string_view text);
bool is_valid_log_level(std::string_view text);  // trace|debug|info|warn|error|off
std::string_view to_string(PoolMode mode);
std::string_view to_string(TlsMode mode);
std::string_view to_string(AuthType type);

// Why a users-list secret is malformed ("" when it is fine): accepts plain passwords,
// "md5" + 32 hex digits, and "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>".
std::string check_password_secret(std::string_view secret);

}  // namespace sluice::common
