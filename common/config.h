// The proxy's configuration: one TOML file (sluice.toml) or the one-line command line start.
// Loading and validation live in config_loader.cc; this header is only the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::common {

enum class PoolMode { Session, Transaction };

// How a worker does its connections' I/O. Auto: io_uring when the kernel allows it (checked at
// start), libuv's epoll loop otherwise. IoUring: refuse to start without it. Libuv: never try.
enum class IoBackend { Auto, IoUring, Libuv };

// Toward clients: disable = refuse SSLRequest ('N'), prefer = accept TLS when asked,
// require = refuse plaintext logins. Toward servers: disable = never ask, prefer = ask and
// fall back to plaintext on 'N', require = fail the connection on 'N'.
enum class TlsMode { Disable, Prefer, Require };

// How clients prove who they are to the proxy.
//  Trust: no password asked.
//  Md5 / ScramSha256: checked against the secret from the users list, auth_file or auth_query.
enum class AuthType { Trust, Md5, ScramSha256 };

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 6432;
};

// postgres://user:password@host:port/dbname?sslmode=...
struct TargetUrl {
  std::string scheme = "postgres";
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";
  uint16_t port = 5432;
  std::string dbname;
  std::map<std::string, std::string> params;  // query-string parameters, as given
};

struct DatabaseConfig {
  std::string name;        // the name clients ask for; "*" matches any name
  TargetUrl target;        // for "*", target.dbname is replaced by the name the client asked for
  PoolMode pool_mode = PoolMode::Transaction;
  int pool_size = 20;      // server connections per (database, user)
  bool force_user = false; // true: every server connection logs in as target.user
};

struct UserConfig {
  std::string name;
  // A plain password, an "md5<hex>" hash or a "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" secret.
  std::string password;
  bool admin = false;  // may open the admin console (database "sluice")
};

struct TimeoutConfig {            // seconds; 0 disables the timeout
  double query_wait_timeout = 120;   // a client waiting this long for a server connection gets an error
  double server_connect_timeout = 15;
  double server_idle_timeout = 600;  // idle server connections older than this are closed
  double server_lifetime = 3600;     // server connections older than this are closed when released
  double client_idle_timeout = 0;    // clients idle (not in a transaction) this long are disconnected
  double client_login_timeout = 60;  // startup + authentication must finish within this
  double shutdown_timeout = 30;      // SIGTERM: longest wait for clients to finish before stopping
};

struct TlsConfig {
  TlsMode client_mode = TlsMode::Prefer;  // "prefer" only takes effect when a cert and key are set
  std::string client_cert_file;
  std::string client_key_file;
  TlsMode server_mode = TlsMode::Disable;
  std::string server_ca_file;  // when set, server certificates are verified against it
};

struct LimitsConfig {
  int max_client_conn = 10000;
  std::size_t max_message_size = 64 * 1024 * 1024;  // bytes; larger client messages are refused
};

// Observation: every query fingerprinted and timed (proxy/observe, workload/).
enum class SampleMode { Off, Redacted, On };

struct ObserveConfig {
  bool enabled = true;               // false: queries are forwarded, not fingerprinted or timed
  SampleMode samples = SampleMode::On;  // one sample per fingerprint with real values, masked, or none
  int max_fingerprints = 10000;      // distinct (fingerprint, database, user) kept; the rest go to "other"
  int max_fingerprints_per_minute = 1000;
  double retention_days = 7;         // per-minute detail kept this long, then hourly roll-ups
  double hourly_retention_days = 0;  // hourly roll-ups kept this long; 0: forever
  double flush_interval = 1;         // seconds between merges into the store
};

// The admin HTTP listener (metrics and the JSON API); the SQL console is the database "sluice".
struct AdminConfig {
  std::optional<Endpoint> http_listen;  // none: no HTTP listener
  std::string http_token;               // non-empty: Authorization: Bearer <token> required
  int metrics_top_n = 20;               // fingerprints with their own series in /metrics
};

struct Config {
  std::string source;  // file the config came from, or "command line"
  std::vector<Endpoint> listen{Endpoint{}};
  int workers = 0;  // 0: one per two cores, at least one
  IoBackend io = IoBackend::Auto;
  std::vector<DatabaseConfig> databases;
  std::vector<UserConfig> users;
  AuthType auth_type = AuthType::ScramSha256;
  std::string auth_file;   // PgBouncer-style userlist: "user" "password-or-secret" per line
  // Looks up a client's secret on the server, run as the target URL's user, $1 = user name.
  std::string auth_query = "SELECT usename, passwd FROM pg_shadow WHERE usename = $1";
  TimeoutConfig timeouts;
  TlsConfig tls;
  LimitsConfig limits;
  std::string log_level = "info";
  std::string data_dir;  // where the workload store lives (observation); empty: memory only
  ObserveConfig observe;
  AdminConfig admin;

  const DatabaseConfig* find_database(const std::string& name) const;
  const UserConfig* find_user(const std::string& name) const;
};

}  // namespace sluice::common
