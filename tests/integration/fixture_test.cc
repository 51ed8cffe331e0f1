// Checks of the test fixtures themselves against the real PostgreSQL they start: if these fail,
// every other integration test result is suspect.
#include <signal.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/pg_client.h"
#include "tests/fixtures/pg_server.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/fixtures/subprocess.h"

namespace sluice::testing {
namespace {

TEST(FixtureSubprocess, CapturesOutputAndExitCode) {
  RunResult r = run_command({"sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.status.exited);
  EXPECT_EQ(r.status.code, 7);
  EXPECT_NE(r.output.find("out"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("err"), std::string::npos) << r.output;
}

TEST(FixtureSubprocess, FeedsStdin) {
  RunOptions o;
  o.stdin_data = std::string(300000, 'x');  // more than a pipe buffer
  RunResult r = run_command({"wc", "-c"}, o);
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(std::stol(r.output), 300000);
}

TEST(FixtureSubprocess, KillsOnTimeout) {
  RunOptions o;
  o.timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  RunResult r = run_command({"sleep", "30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(FixtureFreePort, PortsAreDistinctAndClosed) {
  uint16_t a = free_port();
  uint16_t b = free_port();
  EXPECT_NE(a, b);
  EXPECT_FALSE(port_accepts(a));
}

TEST(FixtureSharedPg, RolesAndAuthMethods) {
  PgServer& pg = shared_pg();
  {
    auto c = pg_connect(pg.conninfo("scram_user", "scram_pass"));
    ASSERT_TRUE(ConnectionOk(c));
    EXPECT_EQ(query_value(c, "SELECT current_user"), "scram_user");
  }
  EXPECT_EQ(pg.query_value("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'scram_user'"),
            "SCRAM-SHA-256$");
  EXPECT_EQ(pg.query_value("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'md5_user'"), "md5");
  {
    auto c = pg_connect(pg.conninfo("md5_user", "md5_pass"));
    ASSERT_TRUE(ConnectionOk(c));
  }
  {
    auto c = pg_connect(pg.conninfo("trust_user", ""));
    ASSERT_TRUE(ConnectionOk(c));
    EXPECT_EQ(query_value(c, "SELECT current_user"), "trust_user");
    // trust_user may create tables in public.
    auto r = pg_exec(c, "CREATE TABLE " + std::string("fixture_trust_tbl") + " (a int); DROP TABLE fixture_trust_tbl");
    EXPECT_TRUE(ResultIs(r, PGRES_COMMAND_OK));
  }
  {
    auto c = pg_connect(pg.conninfo("scram_user", "wrong"));
    EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(c.get())).find("password authentication failed"), std::string::npos)
        << PQerrorMessage(c.get());
    EXPECT_EQ(login_sqlstate(c.get()), "28P01") << PQerrorMessage(c.get());
    auto nodb = pg_connect(pg.conninfo("postgres", "postgres", "no_such_db"));
    EXPECT_EQ(login_sqlstate(nodb.get()), "3D000") << PQerrorMessage(nodb.get());
  }
  EXPECT_EQ(pg.query_value("SHOW max_connections"), "600");
  EXPECT_EQ(pg.query_value("SHOW fsync"), "off");
}

TEST(FixtureSharedPg, TlsWithServerCertAsCa) {
  PgServer& pg = shared_pg();
  auto c = pg_connect(pg.conninfo("scram_user", "scram_pass", "testdb",
                                  "sslmode=verify-full sslrootcert=" + conninfo_quote(pg.cert_path())));
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  EXPECT_EQ(query_value(c, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
}

TEST(FixturePgServer, Kill9AndRestartOnSamePort) {
  PgServerOptions small;
  small.max_connections = 20;
  small.shared_buffers = "16MB";
  PgServer pg(small);
  ASSERT_TRUE(pg.start());
  uint16_t port = pg.port();
  pg.exec("CREATE TABLE survives (v int); INSERT INTO survives VALUES (42)");
  auto held = pg_connect(pg.conninfo());
  ASSERT_TRUE(ConnectionOk(held));
  pg.kill9();
  EXPECT_FALSE(pg.running());
  // The held connection is dead now.
  auto dead = pg_exec(held, "SELECT 1");
  EXPECT_NE(PQresultStatus(dead.get()), PGRES_TUPLES_OK);
  ASSERT_TRUE(pg.restart_on_same_port());
  EXPECT_EQ(pg.port(), port);
  EXPECT_EQ(pg.query_value("SELECT v FROM survives"), "42");
  ASSERT_TRUE(pg.stop());
  EXPECT_FALSE(port_accepts(port));
  ASSERT_TRUE(pg.restart_on_same_port());
  EXPECT_EQ(pg.query_value("SELECT count(*) FROM survives"), "1");
}

TEST(FixtureProxyToml, HasEverySection) {
  PgServer& pg = shared_pg();
  ProxyOptions o;
  o.timeouts["query_wait_timeout"] = "5";
  o.users.emplace_back("extra_user", "p\"w");
  std::string t = proxy_toml(pg, PoolMode::Transaction, 7, 12345, o);
  for (const char* s : {"[proxy]", "listen = [\"127.0.0.1:12345\"]", "[auth]", "type = \"scram-sha-256\"",
                        "[timeouts]", "query_wait_timeout = 5\n", "[tls]", "[databases.testdb]",
                        "pool_mode = \"transaction\"", "pool_size = 7", "[users.scram_user]",
                        "password = \"p\\\"w\""}) {
    EXPECT_NE(t.find(s), std::string::npos) << "missing " << s << " in\n" << t;
  }
  EXPECT_NE(t.find("postgres://postgres:postgres@127.0.0.1:" + std::to_string(pg.port()) + "/testdb"),
            std::string::npos)
      << t;
}

}  // namespace
}  // namespace sluice::testing
