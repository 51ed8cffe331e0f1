// The SQL admin console: database "sluice", admin users only, PgBouncer-style SHOW commands over
// the simple query protocol, RELOAD, PAUSE and RESUME; through libpq and through psql.
#include <chrono>
#include <future>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/integration/observe_helpers.h"

namespace sluice::testing::observe {
namespace {

using wire::Clock;
using wire::contains;

bool has_columns(const Table& t, const std::vector<std::string>& names, std::string* missing) {
  for (const auto& n : names) {
    if (!t.has_column(n)) *missing += n + " ";
  }
  return missing->empty();
}

class AdminConsoleTest : public ObserveProxyTest {
 protected:
  // The one row of SHOW POOLS for (testdb, scram_user); empty when there is not exactly one.
  std::map<std::string, std::string> pool_row(PGconn* adm, Table* all = nullptr) {
    Table t = admin_query(adm, "SHOW POOLS");
    if (all) *all = t;
    auto rows = t.where({{"database", "testdb"}, {"user", "scram_user"}});
    return rows.size() == 1 ? rows[0] : std::map<std::string, std::string>{};
  }
  // Polls SHOW POOLS until pred holds for the pool row (3 s).
  bool pool_eventually(PGconn* adm, const std::function<bool(const std::map<std::string, std::string>&)>& pred,
                       Table* last) {
    return wire::eventually(3s, [&] {
      auto row = pool_row(adm, last);
      return !row.empty() && pred(row);
    });
  }
  std::map<std::string, std::string> database_row(PGconn* adm, const std::string& name = "testdb") {
    Table t = admin_query(adm, "SHOW DATABASES");
    auto rows = t.where({{"name", name}});
    return rows.size() == 1 ? rows[0] : std::map<std::string, std::string>{};
  }
};

// ---- who may log in ------------------------------------------------------------------------------

TEST_F(AdminConsoleTest, OnlyAdminUsersMayConnect) {
  ProxyOptions o;
  o.auth_type = "md5";
  o.extra = "[users.ops_admin]\npassword = \"ops_pw\"\nadmin = true\n\n";
  ASSERT_NO_FATAL_FAILURE(start_observed({}, PoolMode::Transaction, 4, o));

  for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
           {"scram_user", "scram_pass"}, {"md5_user", "md5_pass"}, {"no_such_user", "whatever"}}) {
    auto c = admin(user, password);
    EXPECT_NE(PQstatus(c.get()), CONNECTION_OK) << user << " opened the admin console";
    EXPECT_EQ(login_sqlstate(c.get()), "28000") << user << ": " << PQerrorMessage(c.get());
    EXPECT_TRUE(contains(PQerrorMessage(c.get()), "admin")) << "the refusal does not say why: "
                                                             << PQerrorMessage(c.get());
  }
  // Admin users: postgres (admin = true from the fixture) and ops_admin, which has no role on the
  // server at all: the console needs none.
  for (const auto& [user, password] :
       std::vector<std::pair<std::string, std::string>>{{"postgres", "postgres"}, {"ops_admin", "ops_pw"}}) {
    auto c = admin(user, password);
    ASSERT_TRUE(ConnectionOk(c)) << user << proxy_log();
    Table v = admin_query(c, "SHOW VERSION");
    ASSERT_TRUE(v.ok()) << v.describe();
    ASSERT_EQ(v.rows.size(), 1u);
    EXPECT_TRUE(contains(v.rows[0].at("version"), "Sluice")) << v.describe();
  }
  // An admin user with the wrong password is still refused, as a wrong password.
  auto wrong = admin("ops_admin", "not_the_password");
  EXPECT_NE(PQstatus(wrong.get()), CONNECTION_OK);
  EXPECT_EQ(login_sqlstate(wrong.get()), "28P01") << PQerrorMessage(wrong.get());
  // Refused console users keep their normal access.
  auto normal = connect("md5_user", "md5_pass");
  ASSERT_TRUE(ConnectionOk(normal)) << proxy_log();
  EXPECT_EQ(query_value(normal, "SELECT current_user"), "md5_user");
}

// ---- SHOW commands -------------------------------------------------------------------------------

TEST_F(AdminConsoleTest, ShowPoolsClientsServersDatabasesFollowLiveState) {
  ASSERT_NO_FATAL_FAILURE(start_observed({}, PoolMode::Transaction, 4));
  auto a = connect("scram_user", "scram_pass", "application_name=console_a");
  auto b = connect("scram_user", "scram_pass", "application_name=console_b");
  ASSERT_TRUE(ConnectionOk(a)) << proxy_log();
  ASSERT_TRUE(ConnectionOk(b)) << proxy_log();
  // A holds a server in an open transaction; B then needs a second one, which goes back idle.
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  const std::string pid_a = query_value(a, "SELECT pg_backend_pid()");
  EXPECT_EQ(query_value(b, "SELECT 'b'"), "b");

  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();

  // SHOW POOLS
  Table pools;
  bool settled = pool_eventually(adm.get(), [](const auto& r) {
    return r.at("sv_active") == "1" && r.at("sv_idle") == "1";
  }, &pools);
  EXPECT_TRUE(settled) << "expected one active (A's transaction) and one idle server (B's):\n" << pools.describe();
  std::string missing;
  EXPECT_TRUE(has_columns(pools,
                          {"database", "user", "cl_active", "cl_waiting", "cl_active_cancel_req",
                           "cl_waiting_cancel_req", "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle",
                           "sv_used", "sv_tested", "sv_login", "maxwait", "maxwait_us", "pool_mode"},
                          &missing))
      << "SHOW POOLS lacks PgBouncer columns: " << missing << "\n" << pools.describe();
  auto pool = pool_row(adm.get());
  ASSERT_FALSE(pool.empty()) << pools.describe();
  EXPECT_EQ(pool.at("cl_active"), "1") << "A is linked to a server:\n" << pools.describe();
  EXPECT_EQ(pool.at("cl_waiting"), "0");
  EXPECT_EQ(pool.at("sv_login"), "0");
  EXPECT_EQ(pool.at("maxwait"), "0");
  EXPECT_EQ(pool.at("pool_mode"), "transaction");

  // SHOW CLIENTS: A and B with their user, database, address, port and application_name.
  Table clients = admin_query(adm, "SHOW CLIENTS");
  ASSERT_TRUE(clients.ok()) << clients.describe();
  missing.clear();
  EXPECT_TRUE(has_columns(clients,
                          {"type", "user", "database", "state", "addr", "port", "local_addr", "local_port",
                           "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link",
                           "remote_pid", "tls", "application_name"},
                          &missing))
      << "SHOW CLIENTS lacks PgBouncer columns: " << missing;
  auto rows_a = clients.where({{"application_name", "console_a"}});
  auto rows_b = clients.where({{"application_name", "console_b"}});
  ASSERT_EQ(rows_a.size(), 1u) << clients.describe();
  ASSERT_EQ(rows_b.size(), 1u) << clients.describe();
  const auto& ca = rows_a[0];
  const auto& cb = rows_b[0];
  EXPECT_EQ(ca.at("type"), "C");
  EXPECT_EQ(ca.at("user"), "scram_user");
  EXPECT_EQ(ca.at("database"), "testdb");
  EXPECT_EQ(ca.at("addr"), "127.0.0.1");
  EXPECT_EQ(integer(ca.at("port")), local_port(a.get())) << "port is the client's own TCP port";
  EXPECT_EQ(integer(cb.at("port")), local_port(b.get()));
  EXPECT_EQ(ca.at("state"), "active") << "A is in a transaction:\n" << clients.describe();
  EXPECT_EQ(cb.at("state"), "idle") << clients.describe();
  EXPECT_NE(ca.at("link"), "") << "A is linked to a server";
  EXPECT_TRUE(cb.at("link") == "" || cb.at("link") == "<NULL>") << cb.at("link");
  EXPECT_TRUE(std::regex_match(ca.at("ptr"), std::regex("^0x[0-9a-f]+$"))) << ca.at("ptr");
  EXPECT_NE(ca.at("ptr"), cb.at("ptr"));
  EXPECT_TRUE(std::regex_match(ca.at("connect_time"), std::regex(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$)")))
      << ca.at("connect_time");

  // SHOW SERVERS: A's server is the one linked to A, with A's backend pid.
  Table servers = admin_query(adm, "SHOW SERVERS");
  ASSERT_TRUE(servers.ok()) << servers.describe();
  auto linked = servers.where({{"ptr", ca.at("link")}});
  ASSERT_EQ(linked.size(), 1u) << "no server with ptr " << ca.at("link") << ":\n" << servers.describe();
  const auto& sa = linked[0];
  EXPECT_EQ(sa.at("type"), "S");
  EXPECT_EQ(sa.at("remote_pid"), pid_a) << servers.describe();
  EXPECT_EQ(sa.at("link"), ca.at("ptr"));
  EXPECT_EQ(sa.at("state"), "active");
  EXPECT_EQ(sa.at("database"), "testdb");
  EXPECT_EQ(sa.at("user"), "scram_user");
  EXPECT_EQ(sa.at("addr"), "127.0.0.1");
  EXPECT_EQ(integer(sa.at("port")), pg().port());
  auto idle_servers = servers.where({{"state", "idle"}, {"database", "testdb"}});
  EXPECT_EQ(idle_servers.size(), 1u) << servers.describe();

  // SHOW DATABASES
  Table dbs = admin_query(adm, "SHOW DATABASES");
  ASSERT_TRUE(dbs.ok()) << dbs.describe();
  missing.clear();
  EXPECT_TRUE(has_columns(dbs,
                          {"name", "host", "port", "database", "force_user", "pool_size", "min_pool_size",
                           "reserve_pool", "pool_mode", "max_connections", "current_connections", "paused",
                           "disabled"},
                          &missing))
      << "SHOW DATABASES lacks PgBouncer columns: " << missing;
  auto db = database_row(adm.get());
  ASSERT_FALSE(db.empty()) << dbs.describe();
  EXPECT_EQ(db.at("host"), "127.0.0.1");
  EXPECT_EQ(integer(db.at("port")), pg().port());
  EXPECT_EQ(db.at("database"), "testdb");
  EXPECT_EQ(db.at("pool_size"), "4");
  EXPECT_EQ(db.at("pool_mode"), "transaction");
  EXPECT_EQ(db.at("current_connections"), "2") << dbs.describe();
  EXPECT_EQ(db.at("paused"), "0");

  // A commits: both servers idle, nobody active.
  ASSERT_TRUE(ResultIs(pg_exec(a, "COMMIT"), PGRES_COMMAND_OK));
  settled = pool_eventually(adm.get(), [](const auto& r) {
    return r.at("sv_active") == "0" && r.at("cl_active") == "0" && r.at("sv_idle") == "2";
  }, &pools);
  EXPECT_TRUE(settled) << "after COMMIT: expected 0 active, 2 idle servers:\n" << pools.describe();
  Table clients2 = admin_query(adm, "SHOW CLIENTS");
  auto a2 = clients2.where({{"application_name", "console_a"}});
  ASSERT_EQ(a2.size(), 1u);
  EXPECT_EQ(a2[0].at("state"), "idle") << clients2.describe();

  // A client that leaves disappears from SHOW CLIENTS.
  b.reset();
  EXPECT_TRUE(wire::eventually(3s, [&] {
    return admin_query(adm, "SHOW CLIENTS").where({{"application_name", "console_b"}}).empty();
  })) << admin_query(adm, "SHOW CLIENTS").describe();
}

TEST_F(AdminConsoleTest, ShowStatsCountsQueriesAndTransactions) {
  ASSERT_NO_FATAL_FAILURE(start_observed(ObserveToml().with_flush_interval(0.2), PoolMode::Transaction, 4));
  {
    auto c = connect();
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(query_value(c, "SELECT " + std::to_string(i)), std::to_string(i));
    ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
    EXPECT_EQ(query_value(c, "SELECT 'in tx'"), "in tx");
    ASSERT_TRUE(ResultIs(pg_exec(c, "COMMIT"), PGRES_COMMAND_OK));
  }
  // 8 queries in 6 transactions (5 single statements and one block of 3).
  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();
  Table stats;
  std::map<std::string, std::string> row;
  bool counted = wire::eventually(5s, [&] {
    stats = admin_query(adm, "SHOW STATS");
    auto rows = stats.where({{"database", "testdb"}});
    if (rows.size() != 1) return false;
    row = rows[0];
    return integer(row.at("total_query_count")) >= 8;
  });
  ASSERT_TRUE(counted) << stats.describe() << proxy_log();
  std::string missing;
  EXPECT_TRUE(has_columns(stats,
                          {"database", "total_xact_count", "total_query_count", "total_received", "total_sent",
                           "total_xact_time", "total_query_time", "total_wait_time", "avg_xact_count",
                           "avg_query_count", "avg_recv", "avg_sent", "avg_xact_time", "avg_query_time",
                           "avg_wait_time"},
                          &missing))
      << "SHOW STATS lacks PgBouncer columns: " << missing;
  EXPECT_EQ(integer(row.at("total_query_count")), 8) << stats.describe();
  EXPECT_EQ(integer(row.at("total_xact_count")), 6) << stats.describe();
  EXPECT_GT(integer(row.at("total_received")), 0);
  EXPECT_GT(integer(row.at("total_sent")), 0);
  EXPECT_GT(integer(row.at("total_query_time")), 0) << "µs spent on the server";
  EXPECT_GE(integer(row.at("total_wait_time")), 0);
  EXPECT_GT(integer(row.at("avg_query_time")), 0);
  EXPECT_LE(integer(row.at("avg_query_time")), integer(row.at("total_query_time")));
}

TEST_F(AdminConsoleTest, ShowConfigListsSettingsWithoutSecrets) {
  ASSERT_NO_FATAL_FAILURE(start_observed(ObserveToml().with_token("cfg-token-123"), PoolMode::Transaction, 4));
  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();
  Table t = admin_query(adm, "SHOW CONFIG");
  ASSERT_TRUE(t.ok()) << t.describe();
  EXPECT_EQ(t.columns, (std::vector<std::string>{"key", "value", "default", "changeable"}));
  auto value_of = [&](const std::string& key) -> std::map<std::string, std::string> {
    auto rows = t.where({{"key", key}});
    return rows.size() == 1 ? rows[0] : std::map<std::string, std::string>{{"value", "<missing>"}};
  };
  EXPECT_EQ(value_of("proxy.workers")["value"], "2");
  EXPECT_EQ(value_of("proxy.workers")["changeable"], "no");
  EXPECT_EQ(value_of("proxy.io")["value"], test_io_backend());
  EXPECT_EQ(value_of("proxy.io")["default"], "auto");
  EXPECT_EQ(value_of("proxy.listen")["value"], "127.0.0.1:" + std::to_string(port()));
  EXPECT_EQ(value_of("timeouts.query_wait_timeout")["value"], "30");
  EXPECT_EQ(value_of("timeouts.query_wait_timeout")["default"], "120");
  EXPECT_EQ(value_of("timeouts.query_wait_timeout")["changeable"], "yes");
  EXPECT_EQ(value_of("auth.type")["value"], "scram-sha-256");
  EXPECT_EQ(value_of("observe.max_fingerprints")["value"], "10000");
  EXPECT_EQ(value_of("observe.samples")["value"], "on");
  EXPECT_EQ(value_of("admin.http_listen")["value"], "127.0.0.1:" + std::to_string(http_port()));
  EXPECT_EQ(value_of("admin.http_token")["value"], "********");
  EXPECT_EQ(value_of("config_file")["value"], proxy_->config_path());
  const std::string all = t.describe();
  for (const char* secret : {"cfg-token-123", "scram_pass", "md5_pass"}) {
    EXPECT_FALSE(contains(all, secret)) << "SHOW CONFIG shows a secret: " << secret;
  }
}

// ---- errors --------------------------------------------------------------------------------------

TEST_F(AdminConsoleTest, UnknownCommandGivesHelpfulErrorAndSessionStaysUsable) {
  ASSERT_NO_FATAL_FAILURE(start_observed());
  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();
  Table bad = admin_query(adm, "SHOW FOO");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.sqlstate, "42601") << bad.error;
  EXPECT_TRUE(contains(bad.error, "HELP")) << "the error does not point to SHOW HELP: " << bad.error;
  EXPECT_TRUE(contains(bad.error, "FOO") || contains(bad.error, "foo")) << bad.error;
  EXPECT_EQ(PQstatus(adm.get()), CONNECTION_OK);
  EXPECT_EQ(PQtransactionStatus(adm.get()), PQTRANS_IDLE);

  Table v = admin_query(adm, "SHOW VERSION");
  EXPECT_TRUE(v.ok()) << "session unusable after an error: " << v.describe();

  Table sql = admin_query(adm, "SELECT 1");
  EXPECT_FALSE(sql.ok()) << "the console ran SQL: " << sql.describe();
  EXPECT_FALSE(sql.sqlstate.empty());
  Table bad_order = admin_query(adm, "SHOW QUERIES ORDER BY bogus");
  EXPECT_FALSE(bad_order.ok());
  EXPECT_TRUE(contains(bad_order.error, "total_time")) << "the error does not list the orders: " << bad_order.error;
  Table bad_limit = admin_query(adm, "SHOW QUERIES LIMIT -3");
  EXPECT_FALSE(bad_limit.ok()) << bad_limit.describe();

  PgResultPtr empty = pg_exec(adm, "  ;  -- nothing");
  EXPECT_EQ(PQresultStatus(empty.get()), PGRES_EMPTY_QUERY) << describe_result(empty.get());

  Table help = admin_query(adm, "show help");
  ASSERT_TRUE(help.ok()) << help.describe();
  bool lists_queries = false;
  for (const auto& r : help.rows)
    for (const auto& [column, value] : r) lists_queries = lists_queries || contains(value, "SHOW QUERIES");
  EXPECT_TRUE(lists_queries) << help.describe();

  Table pools = admin_query(adm, "show pools;");
  EXPECT_TRUE(pools.ok()) << pools.describe();
  EXPECT_EQ(pools.command_tag, "SHOW");
}

// ---- PAUSE / RESUME ------------------------------------------------------------------------------

TEST_F(AdminConsoleTest, PauseHoldsNewQueriesUntilResume) {
  ASSERT_NO_FATAL_FAILURE(start_observed({}, PoolMode::Transaction, 4));
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  EXPECT_EQ(query_value(c, "SELECT 'before pause'"), "before pause");
  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();

  Table paused = admin_query(adm, "PAUSE testdb");
  ASSERT_TRUE(paused.ok()) << paused.describe() << proxy_log();
  EXPECT_EQ(paused.command_tag, "PAUSE");
  Table pools;
  EXPECT_TRUE(pool_eventually(adm.get(), [](const auto& r) { return r.count("paused") && r.at("paused") == "1"; }, &pools))
      << pools.describe();
  EXPECT_EQ(database_row(adm.get())["paused"], "1");

  // A query sent while paused waits (on another thread, bounded) ...
  auto sent = Clock::now();
  auto done = std::async(std::launch::async, [&]() -> std::pair<std::string, Clock::time_point> {
    if (PQsendQuery(c.get(), "SELECT 'after resume'") != 1) return {"send failed", Clock::now()};
    bool timed_out = false;
    PgResultPtr r = get_result_within(c.get(), std::chrono::seconds(20), &timed_out);
    auto at = Clock::now();
    std::string out = timed_out ? "timed out" : (PQresultStatus(r.get()) == PGRES_TUPLES_OK ? PQgetvalue(r.get(), 0, 0)
                                                                                             : describe_result(r.get()));
    while (!timed_out && get_result_within(c.get(), std::chrono::seconds(5), &timed_out)) {
    }
    return {out, at};
  });
  if (done.wait_for(std::chrono::milliseconds(1200)) == std::future_status::ready) {
    FAIL() << "the query ran while the database was paused: " << done.get().first << proxy_log();
  }
  EXPECT_TRUE(pool_eventually(adm.get(), [](const auto& r) { return r.at("cl_waiting") == "1"; }, &pools))
      << "the held client is not shown as waiting:\n" << pools.describe();

  // ... until RESUME.
  auto resumed_at = Clock::now();
  Table resumed = admin_query(adm, "RESUME testdb");
  ASSERT_TRUE(resumed.ok()) << resumed.describe();
  EXPECT_EQ(resumed.command_tag, "RESUME");
  ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "still waiting 10 s after RESUME"
                                                                                << proxy_log();
  auto [value, finished_at] = done.get();
  EXPECT_EQ(value, "after resume");
  EXPECT_GE(finished_at, resumed_at) << "answered before RESUME";
  EXPECT_GE(std::chrono::duration<double>(finished_at - sent).count(), 1.2);
  EXPECT_LT(std::chrono::duration<double>(finished_at - resumed_at).count(), 2.0) << "slow to resume";
  EXPECT_EQ(pool_row(adm.get())["paused"], "0");
  EXPECT_EQ(query_value(c, "SELECT 'normal again'"), "normal again");

  // PAUSE without a database pauses every database; RESUME without one resumes them.
  ASSERT_TRUE(admin_query(adm, "PAUSE").ok());
  EXPECT_EQ(database_row(adm.get())["paused"], "1");
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT 'held again'"), 1);
  bool timed_out = false;
  auto early = get_result_within(c.get(), std::chrono::milliseconds(800), &timed_out);
  EXPECT_TRUE(timed_out) << "answered while everything was paused: " << describe_result(early.get());
  ASSERT_TRUE(admin_query(adm, "RESUME").ok());
  auto late = get_result_within(c.get(), std::chrono::seconds(10), &timed_out);
  ASSERT_FALSE(timed_out) << proxy_log();
  ASSERT_TRUE(ResultIs(late, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(late.get(), 0, 0), "held again");
  while (get_result_within(c.get(), std::chrono::seconds(5), &timed_out)) {
  }
}

// ---- RELOAD --------------------------------------------------------------------------------------

TEST_F(AdminConsoleTest, ReloadAppliesChangedPoolSize) {
  ASSERT_NO_FATAL_FAILURE(start_observed({}, PoolMode::Transaction, 4));
  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();
  EXPECT_EQ(database_row(adm.get())["pool_size"], "4");

  write_text_file(proxy_->config_path(), toml_with_pool_size(7), 0600);  // no SIGHUP: RELOAD does it
  Table r = admin_query(adm, "RELOAD");
  ASSERT_TRUE(r.ok()) << r.describe() << proxy_log();
  EXPECT_EQ(r.command_tag, "RELOAD");
  std::map<std::string, std::string> db;
  EXPECT_TRUE(wire::eventually(5s, [&] {
    db = database_row(adm.get());
    return db["pool_size"] == "7";
  })) << "pool_size after RELOAD: " << db["pool_size"] << proxy_log();
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(query_value(c, "SELECT 1"), "1");
  Table pools = admin_query(adm, "SHOW POOLS");
  auto pool = pools.where({{"database", "testdb"}, {"user", "scram_user"}});
  ASSERT_EQ(pool.size(), 1u) << pools.describe();

  // A broken file: RELOAD reports the error, the running configuration stays, the session works.
  write_text_file(proxy_->config_path(), "[proxy\nthis is not toml\n", 0600);
  Table broken = admin_query(adm, "RELOAD");
  EXPECT_FALSE(broken.ok()) << "RELOAD of a broken file succeeded";
  EXPECT_TRUE(contains(broken.error, "reload failed") || contains(broken.error, "keeping")) << broken.error;
  EXPECT_EQ(database_row(adm.get())["pool_size"], "7");
  EXPECT_TRUE(admin_query(adm, "SHOW VERSION").ok());
  EXPECT_EQ(query_value(c, "SELECT 2"), "2");
  write_text_file(proxy_->config_path(), toml_with_pool_size(7), 0600);
}

// ---- psql ----------------------------------------------------------------------------------------

TEST_F(AdminConsoleTest, PsqlShowPools) {
  ASSERT_NO_FATAL_FAILURE(start_observed({}, PoolMode::Transaction, 4));
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(query_value(c, "SELECT 1"), "1");
  TempDir dir("sluice-psql-admin");
  RunOptions o;
  o.timeout = std::chrono::seconds(30);
  o.cwd = dir.path();
  o.unset_env = {"PGSERVICE", "PGOPTIONS", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"};
  o.env = {"PGPASSWORD=postgres"};
  const std::vector<std::string> base{pg().bin("psql"), "-X", "-A", "-F", "|", "-h", "127.0.0.1", "-p",
                                      std::to_string(port()), "-U", "postgres", "sluice"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  RunResult r = run_command(with({"-c", "SHOW POOLS"}), o);
  ASSERT_TRUE(r.ok()) << r.describe() << proxy_log();
  std::istringstream lines(r.output);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("database|user|cl_active|cl_waiting|", 0), 0u) << r.output;
  bool found = false;
  while (std::getline(lines, line)) found = found || line.rfind("testdb|scram_user|", 0) == 0;
  EXPECT_TRUE(found) << "no testdb|scram_user row:\n" << r.output;
  EXPECT_TRUE(contains(r.output, "(1 row)")) << r.output;

  RunResult bad = run_command(with({"-v", "ON_ERROR_STOP=1", "-c", "SHOW FOO"}), o);
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.output, "HELP")) << bad.output;

  // A non-admin user through psql: refused at login.
  o.env = {"PGPASSWORD=scram_pass"};
  std::vector<std::string> as_user{pg().bin("psql"), "-X", "-h", "127.0.0.1", "-p", std::to_string(port()),
                                   "-U", "scram_user", "-c", "SHOW POOLS", "sluice"};
  RunResult refused = run_command(as_user, o);
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.output, "admin")) << refused.output;
}

}  // namespace
}  // namespace sluice::testing::observe
