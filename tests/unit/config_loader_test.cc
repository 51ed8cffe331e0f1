#include "common/config_loader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/config.h"
#include "common/config_error.h"

namespace sluice::common {
namespace {

namespace fs = std::filesystem;

// One database, two lines: the smallest valid config body.
const std::string kDb =
    "[databases.appdb]\n"
    "target = \"postgres://app:secret@127.0.0.1:5432/appdb\"\n";

// A SCRAM secret with the right shape (StoredKey/ServerKey are base64 of 32 bytes).
const std::string kScramSecret =
    "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$"
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:"
    "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";

class ConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "sluice_config_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    config_path_ = (fs::path(dir_) / "sluice.toml").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& content) {
    std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  Config load(const std::string& toml) { return load_config_file(write("sluice.toml", toml)); }

  std::string error_of(const std::string& toml) {
    write("sluice.toml", toml);
    try {
      load_config_file(config_path_);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for:\n" << toml;
    return "";
  }

  // The message must be "<file>:<line>:<column>: ..." and contain `reason`.
  void expect_error_at(const std::string& toml, int line, int column, const std::string& reason) {
    std::string message = error_of(toml);
    std::string prefix = config_path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << "message: " << message << "\nexpected prefix: " << prefix;
    EXPECT_NE(message.find(reason), std::string::npos) << "message: " << message << "\nexpected: " << reason;
  }

  std::string dir_;
  std::string config_path_;
};

// -------------------------------------------------------------------------------------------------
// What a valid file produces

TEST_F(ConfigLoaderTest, FullConfigSetsEveryField) {
  write("server.crt", "cert");
  write("server.key", "key");
  write("ca.pem", "ca");
  write("userlist.txt", "\"fromfile\" \"md5" + std::string(32, 'a') + "\"\n");
  Config config = load(R"(
[proxy]
listen = ["127.0.0.1:7000", "[::1]:7001", "0.0.0.0:7002"]
workers = 4
log_level = "debug"
data_dir = "/var/lib/sluice"
max_client_conn = 500
max_message_size = 2048

[auth]
type = "md5"
file = "userlist.txt"
query = "SELECT usename, passwd FROM my_users WHERE usename = $1"

[timeouts]
query_wait_timeout = 5
server_connect_timeout = 2.5
server_idle_timeout = 60
server_lifetime = 1800
client_idle_timeout = 300
client_login_timeout = 10
shutdown_timeout = 0.5

[tls]
client_mode = "require"
client_cert = "server.crt"
client_key = "server.key"
server_mode = "prefer"
server_ca = "ca.pem"

[databases.appdb]
target = "postgres://app:secret@10.0.0.1:5433/app_production?sslmode=disable"
pool_mode = "session"
pool_size = 50
force_user = true

[databases."*"]
target = "postgresql://app@10.0.0.2/ignored"

[users.app]
password = "secret"

[users.boss]
password = "md5)" + std::string(32, 'f') + R"("
admin = true
)");

  EXPECT_EQ(config.source, config_path_);
  ASSERT_EQ(config.listen.size(), 3u);
  EXPECT_EQ(config.listen[0].host, "127.0.0.1");
  EXPECT_EQ(config.listen[0].port, 7000);
  EXPECT_EQ(config.listen[1].host, "::1");
  EXPECT_EQ(config.listen[1].port, 7001);
  EXPECT_EQ(config.listen[2].host, "0.0.0.0");
  EXPECT_EQ(config.workers, 4);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.data_dir, "/var/lib/sluice");
  EXPECT_EQ(config.limits.max_client_conn, 500);
  EXPECT_EQ(config.limits.max_message_size, 2048u);

  EXPECT_EQ(config.auth_type, AuthType::Md5);
  EXPECT_EQ(config.auth_file, (fs::path(dir_) / "userlist.txt").string());
  EXPECT_EQ(config.auth_query, "SELECT usename, passwd FROM my_users WHERE usename = $1");

  EXPECT_DOUBLE_EQ(config.timeouts.query_wait_timeout, 5);
  EXPECT_DOUBLE_EQ(config.timeouts.server_connect_timeout, 2.5);
  EXPECT_DOUBLE_EQ(config.timeouts.server_idle_timeout, 60);
  EXPECT_DOUBLE_EQ(config.timeouts.server_lifetime, 1800);
  EXPECT_DOUBLE_EQ(config.timeouts.client_idle_timeout, 300);
  EXPECT_DOUBLE_EQ(config.timeouts.client_login_timeout, 10);
  EXPECT_DOUBLE_EQ(config.timeouts.shutdown_timeout, 0.5);

  EXPECT_EQ(config.tls.client_mode, TlsMode::Require);
  EXPECT_EQ(config.tls.client_cert_file, (fs::path(dir_) / "server.crt").string());
  EXPECT_EQ(config.tls.client_key_file, (fs::path(dir_) / "server.key").string());
  EXPECT_EQ(config.tls.server_mode, TlsMode::Prefer);
  EXPECT_EQ(config.tls.server_ca_file, (fs::path(dir_) / "ca.pem").string());

  ASSERT_EQ(config.databases.size(), 2u);
  const DatabaseConfig& app = config.databases[0];  // file order
  EXPECT_EQ(app.name, "appdb");
  EXPECT_EQ(app.target.user, "app");
  EXPECT_EQ(app.target.password, "secret");
  EXPECT_EQ(app.target.host, "10.0.0.1");
  EXPECT_EQ(app.target.port, 5433);
  EXPECT_EQ(app.target.dbname, "app_production");
  EXPECT_EQ(app.target.params.at("sslmode"), "disable");
  EXPECT_EQ(app.pool_mode, PoolMode::Session);
  EXPECT_EQ(app.pool_size, 50);
  EXPECT_TRUE(app.force_user);
  const DatabaseConfig& any = config.databases[1];
  EXPECT_EQ(any.name, "*");
  EXPECT_EQ(any.target.host, "10.0.0.2");
  EXPECT_EQ(any.pool_mode, PoolMode::Transaction);
  EXPECT_EQ(any.pool_size, 20);
  EXPECT_FALSE(any.force_user);

  ASSERT_EQ(config.users.size(), 3u);
  EXPECT_EQ(config.users[0].name, "app");
  EXPECT_EQ(config.users[0].password, "secret");
  EXPECT_FALSE(config.users[0].admin);
  EXPECT_EQ(config.users[1].name, "boss");
  EXPECT_TRUE(config.users[1].admin);
  EXPECT_EQ(config.users[2].name, "fromfile");  // appended from auth.file
  EXPECT_EQ(config.users[2].password, "md5" + std::string(32, 'a'));
}

TEST_F(ConfigLoaderTest, MinimalConfigKeepsDefaults) {
  Config config = load(kDb);
  Config defaults;
  ASSERT_EQ(config.listen.size(), 1u);
  EXPECT_EQ(config.listen[0].host, "127.0.0.1");
  EXPECT_EQ(config.listen[0].port, 6432);
  EXPECT_EQ(config.workers, 0);
  EXPECT_EQ(config.auth_type, AuthType::ScramSha256);
  EXPECT_EQ(config.auth_file, "");
  EXPECT_EQ(config.auth_query, defaults.auth_query);
  EXPECT_DOUBLE_EQ(config.timeouts.query_wait_timeout, 120);
  EXPECT_DOUBLE_EQ(config.timeouts.server_lifetime, 3600);
  EXPECT_EQ(config.tls.client_mode, TlsMode::Prefer);
  EXPECT_EQ(config.tls.server_mode, TlsMode::Disable);
  EXPECT_EQ(config.limits.max_client_conn, 10000);
  EXPECT_EQ(config.limits.max_message_size, 64u * 1024 * 1024);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_TRUE(config.users.empty());
  ASSERT_EQ(config.databases.size(), 1u);
  EXPECT_EQ(config.databases[0].name, "appdb");
  EXPECT_EQ(config.databases[0].pool_mode, PoolMode::Transaction);
  EXPECT_EQ(config.databases[0].pool_size, 20);
}

TEST_F(ConfigLoaderTest, ListenAcceptsASingleString) {
  Config config = load("[proxy]\nlisten = \"[::]:5999\"\n" + kDb);
  ASSERT_EQ(config.listen.size(), 1u);
  EXPECT_EQ(config.listen[0].host, "::");
  EXPECT_EQ(config.listen[0].port, 5999);
}

TEST_F(ConfigLoaderTest, DatabasesKeepFileOrder) {
  Config config = load(
      "[databases.zeta]\ntarget = \"postgres://u@h/z\"\n"
      "[databases.alpha]\ntarget = \"postgres://u@h/a\"\n"
      "[databases.mid]\ntarget = \"mysql://u@h/m\"\n");
  ASSERT_EQ(config.databases.size(), 3u);
  EXPECT_EQ(config.databases[0].name, "zeta");
  EXPECT_EQ(config.databases[1].name, "alpha");
  EXPECT_EQ(config.databases[2].name, "mid");
  EXPECT_EQ(config.databases[2].target.scheme, "mysql");
  EXPECT_EQ(config.databases[2].target.port, 3306);
}

TEST_F(ConfigLoaderTest, InlineTablesWork) {
  Config config = load("databases = { appdb = { target = \"postgres://u@h/d\", pool_size = 3 } }\n");
  ASSERT_EQ(config.databases.size(), 1u);
  EXPECT_EQ(config.databases[0].pool_size, 3);
}

TEST_F(ConfigLoaderTest, ScramSecretIsAccepted) {
  Config config = load(kDb + "[users.app]\npassword = \"" + kScramSecret + "\"\n");
  ASSERT_EQ(config.users.size(), 1u);
  EXPECT_EQ(config.users[0].password, kScramSecret);
}

TEST_F(ConfigLoaderTest, LoadConfigStringUsesTheSourceName) {
  Config config = load_config_string(kDb, "inline.toml");
  EXPECT_EQ(config.source, "inline.toml");
  try {
    load_config_string("[proxy]\nworkerz = 1\n" + kDb, "inline.toml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("inline.toml:2:1: unknown key 'workerz'", 0), 0u) << e.what();
  }
}

// -------------------------------------------------------------------------------------------------
// Lookups

TEST(ConfigLookupTest, FindDatabasePrefersExactNameThenWildcard) {
  Config config;
  DatabaseConfig wildcard;
  wildcard.name = "*";
  wildcard.pool_size = 1;
  DatabaseConfig exact;
  exact.name = "appdb";
  exact.pool_size = 2;
  config.databases = {wildcard, exact};
  ASSERT_NE(config.find_database("appdb"), nullptr);
  EXPECT_EQ(config.find_database("appdb")->pool_size, 2);
  ASSERT_NE(config.find_database("other"), nullptr);
  EXPECT_EQ(config.find_database("other")->name, "*");

  config.databases = {exact};
  EXPECT_EQ(config.find_database("other"), nullptr);
}

TEST(ConfigLookupTest, FindUser) {
  Config config;
  config.users = {UserConfig{"a", "pa", false}, UserConfig{"b", "pb", true}};
  ASSERT_NE(config.find_user("b"), nullptr);
  EXPECT_EQ(config.find_user("b")->password, "pb");
  EXPECT_TRUE(config.find_user("b")->admin);
  EXPECT_EQ(config.find_user("c"), nullptr);
  EXPECT_EQ(config.find_user("A"), nullptr);  // names are case-sensitive
}

// -------------------------------------------------------------------------------------------------
// Errors with file:line:column

TEST_F(ConfigLoaderTest, UnknownTopLevelKey) {
  expect_error_at("verbose = true\n" + kDb, 1, 1, "unknown section 'verbose'");
}

TEST_F(ConfigLoaderTest, UnknownTopLevelSectionSuggestsTheRightOne) {
  expect_error_at(kDb + "[proxxy]\nworkers = 1\n", 3, 2, "unknown section 'proxxy' (did you mean 'proxy'?)");
}

TEST_F(ConfigLoaderTest, UnknownKeyInProxy) {
  expect_error_at("[proxy]\nworkers = 2\nlisten_addr = \"x\"\n" + kDb, 3, 1, "unknown key 'listen_addr' in [proxy]");
}

TEST_F(ConfigLoaderTest, UnknownKeyInAuth) {
  expect_error_at("[auth]\ntpye = \"md5\"\n" + kDb, 2, 1, "unknown key 'tpye' in [auth] (did you mean 'type'?)");
}

TEST_F(ConfigLoaderTest, UnknownKeyInTimeouts) {
  expect_error_at("[timeouts]\nidle_timeout = 5\n" + kDb, 2, 1, "unknown key 'idle_timeout' in [timeouts]");
}

TEST_F(ConfigLoaderTest, UnknownKeyInTls) {
  expect_error_at("[tls]\n  client_certificate = \"x\"\n" + kDb, 2, 3, "unknown key 'client_certificate' in [tls]");
}

TEST_F(ConfigLoaderTest, UnknownKeyInDatabase) {
  expect_error_at(kDb + "pool_sise = 5\n", 3, 1, "unknown key 'pool_sise' in [databases.appdb] (did you mean 'pool_size'?)");
}

TEST_F(ConfigLoaderTest, UnknownKeyInUser) {
  expect_error_at(kDb + "[users.app]\npasword = \"x\"\n", 4, 1, "unknown key 'pasword' in [users.app] (did you mean 'password'?)");
}

TEST_F(ConfigLoaderTest, UnknownKeyListsTheKnownOnesWhenNothingIsClose) {
  std::string message = error_of("[auth]\ncompletely_different = 1\n" + kDb);
  EXPECT_NE(message.find("expected one of: type, file, query"), std::string::npos) << message;
}

TEST_F(ConfigLoaderTest, IoBackend) {
  EXPECT_EQ(load(kDb).io, sluice::common::IoBackend::Auto);
  EXPECT_EQ(load("[proxy]\nio = \"io_uring\"\n" + kDb).io, sluice::common::IoBackend::IoUring);
  EXPECT_EQ(load("[proxy]\nio = \"libuv\"\n" + kDb).io, sluice::common::IoBackend::Libuv);
  expect_error_at("[proxy]\nio = \"epoll\"\n" + kDb, 2, 6,
                  "proxy.io must be one of auto, io_uring, libuv (got 'epoll')");
}

TEST_F(ConfigLoaderTest, WrongTypeInteger) {
  expect_error_at("[proxy]\nworkers = \"4\"\n" + kDb, 2, 11, "proxy.workers must be an integer, not a string");
}

TEST_F(ConfigLoaderTest, WrongTypeFloatForPoolSize) {
  expect_error_at(kDb + "pool_size = 1.5\n", 3, 13, "databases.appdb.pool_size must be an integer, not a float");
}

TEST_F(ConfigLoaderTest, WrongTypeBoolean) {
  expect_error_at(kDb + "force_user = \"yes\"\n", 3, 14, "databases.appdb.force_user must be true or false, not a string");
}

TEST_F(ConfigLoaderTest, WrongTypeString) {
  expect_error_at("[auth]\ntype = 5\n" + kDb, 2, 8, "auth.type must be a string, not an integer");
}

TEST_F(ConfigLoaderTest, WrongTypeTimeout) {
  expect_error_at("[timeouts]\nserver_lifetime = \"1h\"\n" + kDb, 2, 19,
                  "timeouts.server_lifetime must be a number of seconds, not a string");
}

TEST_F(ConfigLoaderTest, WrongTypeListen) {
  expect_error_at("[proxy]\nlisten = 6432\n" + kDb, 2, 10, "proxy.listen must be a string or an array of strings");
  expect_error_at("[proxy]\nlisten = [\"127.0.0.1:1\", 2]\n" + kDb, 2, 26, "proxy.listen entry must be a string, not an integer");
}

TEST_F(ConfigLoaderTest, WrongTypeForASection) {
  expect_error_at("proxy = 1\n" + kDb, 1, 9, "'proxy' must be a table");
  expect_error_at("databases = [1]\n", 1, 13, "'databases' must be a table");
  expect_error_at("[databases]\nappdb = \"postgres://u@h/d\"\n", 2, 9, "databases.appdb must be a table");
  expect_error_at(kDb + "[users]\napp = \"secret\"\n", 4, 7, "users.app must be a table");
}

TEST_F(ConfigLoaderTest, BadEnumValues) {
  expect_error_at("[proxy]\nlog_level = \"verbose\"\n" + kDb, 2, 13,
                  "proxy.log_level must be one of trace, debug, info, warn, error, off (got 'verbose')");
  expect_error_at(kDb + "pool_mode = \"statement\"\n", 3, 13,
                  "databases.appdb.pool_mode must be one of session, transaction (got 'statement')");
  expect_error_at("[auth]\ntype = \"password\"\n" + kDb, 2, 8,
                  "auth.type must be one of trust, md5, scram-sha-256 (got 'password')");
  expect_error_at("[tls]\nclient_mode = \"always\"\n" + kDb, 2, 15,
                  "tls.client_mode must be one of disable, prefer, require (got 'always')");
  expect_error_at("[tls]\nserver_mode = \"verify-full\"\n" + kDb, 2, 15,
                  "tls.server_mode must be one of disable, prefer, require (got 'verify-full')");
}

TEST_F(ConfigLoaderTest, OutOfRangeValues) {
  expect_error_at(kDb + "pool_size = 0\n", 3, 13, "databases.appdb.pool_size must be between 1 and 10000 (got 0)");
  expect_error_at(kDb + "pool_size = 10001\n", 3, 13, "must be between 1 and 10000 (got 10001)");
  expect_error_at("[proxy]\nworkers = -1\n" + kDb, 2, 11, "proxy.workers must be between 0 and 1024 (got -1)");
  expect_error_at("[proxy]\nmax_client_conn = 0\n" + kDb, 2, 19, "proxy.max_client_conn must be at least 1 (got 0)");
  expect_error_at("[proxy]\nmax_message_size = 100\n" + kDb, 2, 20, "proxy.max_message_size must be at least 1024 (got 100)");
  expect_error_at("[proxy]\nmax_message_size = 4294967296\n" + kDb, 2, 20,
                  "proxy.max_message_size must be between 1024 and 2147483647");
  expect_error_at("[timeouts]\nquery_wait_timeout = -1\n" + kDb, 2, 22, "timeouts.query_wait_timeout must be >= 0");
  expect_error_at("[timeouts]\nquery_wait_timeout = inf\n" + kDb, 2, 22, "must be a finite number");
}

TEST_F(ConfigLoaderTest, MissingTarget) {
  expect_error_at("[databases.appdb]\npool_size = 5\n", 1, 1, "databases.appdb: missing required key 'target'");
}

TEST_F(ConfigLoaderTest, NoDatabases) {
  std::string message = error_of("[proxy]\nworkers = 1\n");
  EXPECT_EQ(message, config_path_ + ": no databases configured (add a [databases.<name>] table with a target)");
}

TEST_F(ConfigLoaderTest, EmptyDatabasesTablePointsAtIt) {
  expect_error_at("[proxy]\nworkers = 1\n[databases]\n", 3, 1, "no databases configured");
}

TEST_F(ConfigLoaderTest, AdminDatabaseNameIsReserved) {
  expect_error_at("[databases.sluice]\ntarget = \"postgres://u@h/d\"\n", 1, 12, "'sluice' is reserved for the admin console");
}

TEST_F(ConfigLoaderTest, TomlSyntaxError) {
  std::string message = error_of("[proxy]\nworkers = \n" + kDb);
  EXPECT_EQ(message.rfind(config_path_ + ":2:", 0), 0u) << message;
  // Something after "file:line:column: " from the parser.
  std::size_t third_colon = message.find(": ", config_path_.size() + 1);
  ASSERT_NE(third_colon, std::string::npos) << message;
  EXPECT_GT(message.size(), third_colon + 2) << message;

  message = error_of(kDb + "[databases.appdb]\ntarget = \"postgres://x@y/z\"\n");  // redefined table
  EXPECT_EQ(message.rfind(config_path_ + ":3:", 0), 0u) << message;

  message = error_of(kDb + "pool_size = 5\npool_size = 6\n");  // duplicate key
  EXPECT_EQ(message.rfind(config_path_ + ":4:", 0), 0u) << message;

  message = error_of("[proxy\n" + kDb);
  EXPECT_EQ(message.rfind(config_path_ + ":1:", 0), 0u) << message;
}

TEST_F(ConfigLoaderTest, BadTargetUrl) {
  expect_error_at(
      "[databases.appdb]\ntarget = \"postgres://app:hunter2@db:notaport/appdb\"\n", 2, 10,
      "databases.appdb.target: invalid target URL 'postgres://app:****@db:notaport/appdb': invalid port 'notaport'");
  std::string message = error_of("[databases.appdb]\ntarget = \"postgres://app:hunter2@db:notaport/appdb\"\n");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  expect_error_at("[databases.appdb]\ntarget = \"redis://h/d\"\n", 2, 10, "unsupported scheme 'redis'");
  expect_error_at("[databases.appdb]\ntarget = \"postgres://h\"\n", 2, 10, "names no database and no user");
}

TEST_F(ConfigLoaderTest, BadListenAddresses) {
  expect_error_at("[proxy]\nlisten = [\"localhost\"]\n" + kDb, 2, 11, "proxy.listen: invalid address 'localhost': expected host:port");
  expect_error_at("[proxy]\nlisten = \"::1:6432\"\n" + kDb, 2, 10, "must be written in brackets");
  expect_error_at("[proxy]\nlisten = \"127.0.0.1:99999\"\n" + kDb, 2, 10, "invalid port '99999'");
  expect_error_at("[proxy]\nlisten = [\"127.0.0.1:1\", \"127.0.0.1:1\"]\n" + kDb, 2, 26, "duplicate address '127.0.0.1:1'");
  expect_error_at("[proxy]\nlisten = []\n" + kDb, 2, 10, "proxy.listen must list at least one address");
}

TEST_F(ConfigLoaderTest, BadPasswords) {
  expect_error_at(kDb + "[users.app]\npassword = \"md5abc123\"\n", 4, 12, "looks like an md5 secret but has 6 hex digits");
  expect_error_at(kDb + "[users.app]\npassword = \"SCRAM-SHA-256$4096:salt\"\n", 4, 12, "malformed SCRAM-SHA-256 secret");
  expect_error_at(kDb + "[users.app]\npassword = \"SCRAM-SHA-256$0:c2FsdA==$AAAA:AAAA\"\n", 4, 12, "bad iteration count '0'");
  expect_error_at(kDb + "[users.app]\npassword = \"SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA\"\n", 4, 12,
                  "StoredKey and ServerKey must be base64 of 32 bytes");
  // Plain passwords that merely start with "md5" are fine.
  Config config = load(kDb + "[users.app]\npassword = \"md5 is broken\"\n");
  EXPECT_EQ(config.users[0].password, "md5 is broken");
}

TEST_F(ConfigLoaderTest, TlsRequireNeedsCertAndKey) {
  expect_error_at("[tls]\nclient_mode = \"require\"\n" + kDb, 2, 15,
                  "tls.client_mode = \"require\" needs both tls.client_cert and tls.client_key");
  write("c.crt", "x");
  expect_error_at("[tls]\nclient_cert = \"c.crt\"\n" + kDb, 2, 15, "tls.client_cert is set but tls.client_key is not");
}

TEST_F(ConfigLoaderTest, TlsFilesMustExist) {
  expect_error_at("[tls]\nclient_cert = \"missing.crt\"\nclient_key = \"missing.key\"\n" + kDb, 2, 15,
                  "tls.client_cert: cannot read '" + (fs::path(dir_) / "missing.crt").string() +
                      "': No such file or directory");
  expect_error_at("[tls]\nserver_ca = \"/nonexistent/ca.pem\"\n" + kDb, 2, 13,
                  "tls.server_ca: cannot read '/nonexistent/ca.pem'");
}

TEST_F(ConfigLoaderTest, MissingFile) {
  std::string path = (fs::path(dir_) / "nope.toml").string();
  try {
    load_config_file(path);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot read: No such file or directory");
  }
}

TEST_F(ConfigLoaderTest, DirectoryInsteadOfFile) {
  try {
    load_config_file(dir_);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir_ + ": cannot read: Is a directory");
  }
}

// -------------------------------------------------------------------------------------------------
// The auth file

TEST_F(ConfigLoaderTest, AuthFileAddsUsers) {
  std::string userlist = write("userlist.txt",
                               "; PgBouncer userlist\n"
                               "# another comment\n"
                               "\n"
                               "\"alice\" \"plain secret\"\n"
                               "  \"bob\"\t\"md5" + std::string(32, '0') + "\"  ; trailing comment\r\n"
                               "\"quo\"\"te\" \"pa\"\"ss\"\n"
                               "\"carol\" \"" + kScramSecret + "\"\n"
                               "\"admin\" \"adminpw\"\n");
  Config config = load(kDb + "[auth]\nfile = \"" + userlist + "\"\n[users.admin]\nadmin = true\n");
  ASSERT_EQ(config.users.size(), 5u);
  // [users.admin] (no password in the TOML) gets its password from the file and keeps admin.
  const UserConfig* admin = config.find_user("admin");
  ASSERT_NE(admin, nullptr);
  EXPECT_TRUE(admin->admin);
  EXPECT_EQ(admin->password, "adminpw");
  ASSERT_NE(config.find_user("alice"), nullptr);
  EXPECT_EQ(config.find_user("alice")->password, "plain secret");
  EXPECT_FALSE(config.find_user("alice")->admin);
  ASSERT_NE(config.find_user("bob"), nullptr);
  EXPECT_EQ(config.find_user("bob")->password, "md5" + std::string(32, '0'));
  ASSERT_NE(config.find_user("quo\"te"), nullptr);
  EXPECT_EQ(config.find_user("quo\"te")->password, "pa\"ss");
  ASSERT_NE(config.find_user("carol"), nullptr);
  EXPECT_EQ(config.find_user("carol")->password, kScramSecret);
}

TEST_F(ConfigLoaderTest, AuthFileIsRelativeToTheConfigFile) {
  write("users.txt", "\"u\" \"p\"\n");
  Config config = load(kDb + "[auth]\nfile = \"users.txt\"\n");
  EXPECT_EQ(config.auth_file, (fs::path(dir_) / "users.txt").string());
  ASSERT_NE(config.find_user("u"), nullptr);
}

TEST_F(ConfigLoaderTest, LoadAuthFileTwiceIsHarmless) {
  write("users.txt", "\"u\" \"p\"\n");
  Config config = load(kDb + "[auth]\nfile = \"users.txt\"\n");
  load_auth_file(config);
  EXPECT_EQ(config.users.size(), 1u);
}

struct BadUserlist {
  const char* content;
  int line;
  const char* reason;
};

class AuthFileErrorTest : public ConfigLoaderTest, public ::testing::WithParamInterface<BadUserlist> {};

TEST_P(AuthFileErrorTest, ReportsFileAndLine) {
  const BadUserlist& bad = GetParam();
  std::string userlist = write("userlist.txt", bad.content);
  Config config;
  config.source = "test";
  config.auth_file = userlist;
  try {
    load_auth_file(config);
    FAIL() << "expected a ConfigError for:\n" << bad.content;
  } catch (const ConfigError& e) {
    std::string message = e.what();
    std::string prefix = userlist + ":" + std::to_string(bad.line) + ": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    EXPECT_NE(message.find(bad.reason), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, AuthFileErrorTest,
    ::testing::Values(BadUserlist{"\"a\" \"b\"\nalice secret\n", 2, "expected a quoted user name"},
                      BadUserlist{"\"alice \"secret\"\n", 1, "expected a quoted password"},
                      BadUserlist{"\"alice\" \"secret\n", 1, "missing closing quote in password"},
                      BadUserlist{"\"alice\n", 1, "missing closing quote in user name"},
                      BadUserlist{"\"alice\"\n", 1, "missing password after user 'alice'"},
                      BadUserlist{"\"alice\" \"x\" \"extra\"\n", 1, "unexpected text after the password"},
                      BadUserlist{"\"\" \"x\"\n", 1, "empty user name"},
                      BadUserlist{"\"a\" \"x\"\n; c\n\"a\" \"y\"\n", 3, "duplicate user 'a' (first on line 1)"},
                      BadUserlist{"\"a\" \"md5abcdef\"\n", 1, "user 'a': looks like an md5 secret"}));

TEST_F(ConfigLoaderTest, AuthFileConflictingWithConfiguredPassword) {
  std::string userlist = write("userlist.txt", "\"app\" \"other\"\n");
  std::string message = error_of(kDb + "[auth]\nfile = \"userlist.txt\"\n[users.app]\npassword = \"secret\"\n");
  EXPECT_EQ(message, userlist + ":1: user 'app' already has a password in " + config_path_);
}

TEST_F(ConfigLoaderTest, MissingAuthFile) {
  std::string message = error_of(kDb + "[auth]\nfile = \"absent.txt\"\n");
  EXPECT_EQ(message, (fs::path(dir_) / "absent.txt").string() + ": cannot read: No such file or directory");
}

// -------------------------------------------------------------------------------------------------
// The command line

TEST(CommandLineConfigTest, RegistersTheTargetAndAWildcard) {
  CommandLineOptions options;
  options.target = "postgresql://app:secret@10.1.1.1:5433/appdb";
  options.pool_mode = "session";
  options.pool_size = 7;
  Config config = config_from_command_line(options);
  EXPECT_EQ(config.source, "command line");
  ASSERT_EQ(config.databases.size(), 2u);
  EXPECT_EQ(config.databases[0].name, "appdb");
  EXPECT_EQ(config.databases[1].name, "*");
  for (const DatabaseConfig& db : config.databases) {
    EXPECT_EQ(db.target.scheme, "postgres");
    EXPECT_EQ(db.target.user, "app");
    EXPECT_EQ(db.target.password, "secret");
    EXPECT_EQ(db.target.host, "10.1.1.1");
    EXPECT_EQ(db.target.port, 5433);
    EXPECT_EQ(db.target.dbname, "appdb");
    EXPECT_EQ(db.pool_mode, PoolMode::Session);
    EXPECT_EQ(db.pool_size, 7);
  }
  EXPECT_EQ(config.find_database("appdb"), &config.databases[0]);
  EXPECT_EQ(config.find_database("otherdb"), &config.databases[1]);
  // No users: SCRAM through auth_query.
  EXPECT_TRUE(config.users.empty());
  EXPECT_EQ(config.auth_type, AuthType::ScramSha256);
  EXPECT_FALSE(config.auth_query.empty());
  // Defaults.
  ASSERT_EQ(config.listen.size(), 1u);
  EXPECT_EQ(config.listen[0].port, 6432);
  EXPECT_DOUBLE_EQ(config.timeouts.query_wait_timeout, 120);
  EXPECT_EQ(config.limits.max_client_conn, 10000);
  EXPECT_EQ(config.log_level, "info");
}

TEST(CommandLineConfigTest, AppliesEveryOption) {
  std::string dir = ::testing::TempDir() + "sluice_cli_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::string users = dir + "/users.txt";
  std::string cert = dir + "/c.crt";
  std::string key = dir + "/c.key";
  std::ofstream(users) << "\"alice\" \"pw\"\n";
  std::ofstream(cert) << "x";
  std::ofstream(key) << "y";

  CommandLineOptions options;
  options.target = "mysql://root@db/shop";
  options.listen = {"0.0.0.0:3307", "[::]:3307"};
  options.workers = 3;
  options.io = "libuv";
  options.auth_type = "md5";
  options.users_file = users;
  options.log_level = "warn";
  options.data_dir = "/tmp/sluice-data";
  options.admin_http = "127.0.0.1:8080";
  options.query_wait_timeout = 2.5;
  options.max_client_conn = 99;
  options.tls_cert = cert;
  options.tls_key = key;
  options.client_tls = "require";
  options.server_tls = "prefer";
  Config config = config_from_command_line(options);
  std::filesystem::remove_all(dir);

  ASSERT_EQ(config.listen.size(), 2u);
  EXPECT_EQ(config.listen[0].host, "0.0.0.0");
  EXPECT_EQ(config.listen[1].host, "::");
  EXPECT_EQ(config.listen[1].port, 3307);
  EXPECT_EQ(config.workers, 3);
  EXPECT_EQ(config.io, sluice::common::IoBackend::Libuv);
  EXPECT_EQ(config.auth_type, AuthType::Md5);
  EXPECT_EQ(config.auth_file, users);
  ASSERT_EQ(config.users.size(), 1u);
  EXPECT_EQ(config.users[0].name, "alice");
  EXPECT_EQ(config.log_level, "warn");
  EXPECT_EQ(config.data_dir, "/tmp/sluice-data");
  EXPECT_DOUBLE_EQ(config.timeouts.query_wait_timeout, 2.5);
  EXPECT_EQ(config.limits.max_client_conn, 99);
  EXPECT_EQ(config.tls.client_cert_file, cert);
  EXPECT_EQ(config.tls.client_key_file, key);
  EXPECT_EQ(config.tls.client_mode, TlsMode::Require);
  EXPECT_EQ(config.tls.server_mode, TlsMode::Prefer);
  ASSERT_EQ(config.databases.size(), 2u);
  EXPECT_EQ(config.databases[0].name, "shop");
  EXPECT_EQ(config.databases[0].target.port, 3306);
  EXPECT_EQ(config.databases[1].name, "*");
}

TEST(CommandLineConfigTest, DatabaseDefaultsToTheTargetUser) {
  CommandLineOptions options;
  options.target = "postgres://alice@localhost";
  Config config = config_from_command_line(options);
  ASSERT_EQ(config.databases.size(), 2u);
  EXPECT_EQ(config.databases[0].name, "alice");
}

struct BadOptions {
  const char* name;
  void (*change)(CommandLineOptions&);
  const char* reason;
};

class CommandLineErrorTest : public ::testing::TestWithParam<BadOptions> {};

TEST_P(CommandLineErrorTest, Rejects) {
  CommandLineOptions options;
  options.target = "postgres://app:pw@127.0.0.1/appdb";
  GetParam().change(options);
  try {
    config_from_command_line(options);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind("command line: ", 0), 0u) << message;
    EXPECT_NE(message.find(GetParam().reason), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, CommandLineErrorTest,
    ::testing::Values(
        BadOptions{"NoTarget", [](CommandLineOptions& o) { o.target.clear(); }, "a target URL is required"},
        BadOptions{"BadTarget", [](CommandLineOptions& o) { o.target = "postgres://app:pw@h:x/d"; },
                   "--target: invalid target URL 'postgres://app:****@h:x/d'"},
        BadOptions{"TargetWithoutDatabase", [](CommandLineOptions& o) { o.target = "postgres://h"; }, "names no database"},
        BadOptions{"PoolMode", [](CommandLineOptions& o) { o.pool_mode = "statement"; },
                   "--pool-mode must be one of session, transaction (got 'statement')"},
        BadOptions{"PoolSize", [](CommandLineOptions& o) { o.pool_size = 0; }, "--pool-size must be between 1 and 10000"},
        BadOptions{"Workers", [](CommandLineOptions& o) { o.workers = -2; }, "--workers must be between 0 and 1024"},
        BadOptions{"Io", [](CommandLineOptions& o) { o.io = "uring"; }, "--io must be one of"},
        BadOptions{"Listen", [](CommandLineOptions& o) { o.listen = {"6432"}; }, "--listen '6432': expected host:port"},
        BadOptions{"DuplicateListen", [](CommandLineOptions& o) { o.listen = {"[::1]:1", "[::1]:1"}; },
                   "duplicate listen address '[::1]:1'"},
        BadOptions{"AuthType", [](CommandLineOptions& o) { o.auth_type = "plain"; }, "--auth-type must be one of"},
        BadOptions{"LogLevel", [](CommandLineOptions& o) { o.log_level = "loud"; }, "--log-level must be one of"},
        BadOptions{"AdminHttp", [](CommandLineOptions& o) { o.admin_http = "nowhere"; }, "--admin-http 'nowhere'"},
        BadOptions{"QueryWaitTimeout", [](CommandLineOptions& o) { o.query_wait_timeout = -3; },
                   "--query-wait-timeout must be >= 0"},
        BadOptions{"MaxClientConn", [](CommandLineOptions& o) { o.max_client_conn = 0; }, "--max-client-conn must be at least 1"},
        BadOptions{"ClientTls", [](CommandLineOptions& o) { o.client_tls = "on"; }, "--client-tls must be one of"},
        BadOptions{"ServerTls", [](CommandLineOptions& o) { o.server_tls = "yes"; }, "--server-tls must be one of"},
        BadOptions{"RequireWithoutCert", [](CommandLineOptions& o) { o.client_tls = "require"; },
                   "client TLS mode \"require\" needs a certificate and a key"},
        BadOptions{"MissingCert", [](CommandLineOptions& o) { o.tls_cert = "/nonexistent/c.crt"; o.tls_key = "/nonexistent/c.key"; },
                   "TLS certificate: cannot read '/nonexistent/c.crt'"},
        BadOptions{"CertWithoutKey", [](CommandLineOptions& o) { o.tls_cert = "/etc/hostname"; },
                   "certificate and key must be given together"},
        BadOptions{"ReservedName", [](CommandLineOptions& o) { o.target = "postgres://u@h/sluice"; },
                   "'sluice' is reserved"}),
    [](const ::testing::TestParamInfo<BadOptions>& info) { return std::string(info.param.name); });

TEST(CommandLineConfigTest, MissingUsersFileNamesTheFile) {
  CommandLineOptions options;
  options.target = "postgres://app:pw@127.0.0.1/appdb";
  options.users_file = "/nonexistent/users.txt";
  try {
    config_from_command_line(options);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/users.txt: cannot read: No such file or directory");
  }
}

// -------------------------------------------------------------------------------------------------
// Helpers

TEST(ValidateConfigTest, RejectsDuplicateNames) {
  Config config;
  config.source = "built";
  DatabaseConfig db;
  db.name = "a";
  db.target.dbname = "a";
  config.databases = {db, db};
  try {
    validate_config(config);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "built: duplicate database 'a'");
  }
  config.databases = {db};
  config.users = {UserConfig{"u", "", false}, UserConfig{"u", "", true}};
  try {
    validate_config(config);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "built: duplicate user 'u'");
  }
  config.users.clear();
  EXPECT_NO_THROW(validate_config(config));
  config.databases.clear();
  EXPECT_THROW(validate_config(config), ConfigError);
}

TEST(ListenAddressTest, ParsesAndPrints) {
  Endpoint v4 = parse_listen_address("10.0.0.1:6432");
  EXPECT_EQ(v4.host, "10.0.0.1");
  EXPECT_EQ(v4.port, 6432);
  EXPECT_EQ(to_string(v4), "10.0.0.1:6432");
  Endpoint v6 = parse_listen_address("[fe80::1]:1");
  EXPECT_EQ(v6.host, "fe80::1");
  EXPECT_EQ(v6.port, 1);
  EXPECT_EQ(to_string(v6), "[fe80::1]:1");
  Endpoint name = parse_listen_address("localhost:65535");
  EXPECT_EQ(name.host, "localhost");
  EXPECT_EQ(name.port, 65535);
  EXPECT_THROW(parse_listen_address(":6432"), ConfigError);
  EXPECT_THROW(parse_listen_address("[::1]"), ConfigError);
  EXPECT_THROW(parse_listen_address("[]:1"), ConfigError);
  EXPECT_THROW(parse_listen_address("h:0"), ConfigError);
  EXPECT_THROW(parse_listen_address("h:-1"), ConfigError);
}

TEST(EnumNamesTest, RoundTrip) {
  for (PoolMode m : {PoolMode::Session, PoolMode::Transaction}) EXPECT_EQ(parse_pool_mode(to_string(m)), m);
  for (TlsMode m : {TlsMode::Disable, TlsMode::Prefer, TlsMode::Require}) EXPECT_EQ(parse_tls_mode(to_string(m)), m);
  for (AuthType t : {AuthType::Trust, AuthType::Md5, AuthType::ScramSha256}) EXPECT_EQ(parse_auth_type(to_string(t)), t);
  EXPECT_EQ(to_string(AuthType::ScramSha256), "scram-sha-256");
  EXPECT_FALSE(parse_pool_mode("Session").has_value());
  EXPECT_TRUE(is_valid_log_level("off"));
  EXPECT_FALSE(is_valid_log_level("warning"));
}

}  // namespace
}  // namespace sluice::common
