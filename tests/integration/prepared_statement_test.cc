// Named prepared statements (PQprepare / PQexecPrepared / PQdescribePrepared) through the proxy.
// In transaction mode a client's statements must work on whichever server connection its next
// transaction lands on, and must never leak to other clients.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/backend_monitor.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

PgResultPtr prepare(PGconn* c, const std::string& name, const std::string& sql, int nparams = 0,
                    const Oid* types = nullptr) {
  return PgResultPtr(PQprepare(c, name.c_str(), sql.c_str(), nparams, types));
}

PgResultPtr exec_prepared(PGconn* c, const std::string& name, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  return PgResultPtr(PQexecPrepared(c, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                    nullptr, 0));
}

class PreparedStatementTest : public PoolModeTest {
 protected:
  // Session mode needs a server connection per client (20 clients below); transaction mode shares 4.
  int pool_size_for(PoolMode mode) const override { return mode == PoolMode::Session ? 25 : 4; }
};

TEST_P(PreparedStatementTest, DescribePrepared) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  Oid types[2] = {kInt4Oid, 0};
  ASSERT_TRUE(ResultIs(prepare(c.get(), "desc_stmt", "SELECT $1 + 1 AS next, upper($2::text) AS up, now() AS t", 2,
                               types),
                       PGRES_COMMAND_OK));
  // Another transaction in between, so in transaction mode the describe may land elsewhere.
  EXPECT_EQ(query_value(c, "SELECT 1"), "1");
  PgResultPtr d(PQdescribePrepared(c.get(), "desc_stmt"));
  ASSERT_TRUE(ResultIs(d, PGRES_COMMAND_OK));
  ASSERT_EQ(PQnparams(d.get()), 2);
  EXPECT_EQ(PQparamtype(d.get(), 0), kInt4Oid);
  EXPECT_EQ(PQparamtype(d.get(), 1), kTextOid);
  ASSERT_EQ(PQnfields(d.get()), 3);
  EXPECT_STREQ(PQfname(d.get(), 0), "next");
  EXPECT_STREQ(PQfname(d.get(), 1), "up");
  EXPECT_STREQ(PQfname(d.get(), 2), "t");
  EXPECT_EQ(PQftype(d.get(), 0), kInt4Oid);
  auto r = exec_prepared(c.get(), "desc_stmt", {"41", "abc"});
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "42");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "ABC");
  // The unnamed statement, too.
  ASSERT_TRUE(ResultIs(prepare(c.get(), "", "SELECT $1::int8 AS big"), PGRES_COMMAND_OK));
  PgResultPtr du(PQdescribePrepared(c.get(), ""));
  ASSERT_TRUE(ResultIs(du, PGRES_COMMAND_OK));
  EXPECT_EQ(PQnparams(du.get()), 1);
  EXPECT_STREQ(PQfname(du.get(), 0), "big");
  // Describing a statement that does not exist.
  PgResultPtr missing(PQdescribePrepared(c.get(), "no_such_stmt"));
  EXPECT_TRUE(ResultHasSqlstate(missing, "26000"));
  EXPECT_EQ(query_value(c, "SELECT 'usable'"), "usable");
}

TEST_P(PreparedStatementTest, ManyClientsReuseStatementsAcrossTransactions) {
  constexpr int kClients = 20;
  constexpr int kExecutions = 50;
  BackendMonitor monitor(pg(), "scram_user");
  std::vector<PgConnPtr> conns;
  for (int i = 0; i < kClients; ++i) {
    conns.push_back(connect());
    ASSERT_TRUE(ConnectionOk(conns.back())) << "client " << i;
    // Same names on every client, SQL that differs per client (the constant is the client id).
    ASSERT_TRUE(ResultIs(prepare(conns.back().get(), "add",
                                 "SELECT $1::int + $2::int AS sum, " + std::to_string(i) + " AS client, pg_backend_pid()"),
                         PGRES_COMMAND_OK))
        << "client " << i;
    ASSERT_TRUE(ResultIs(prepare(conns.back().get(), "echo", "SELECT $1::text || '/' || " + std::to_string(i)),
                         PGRES_COMMAND_OK));
  }
  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<int> moved_clients{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      PGconn* c = conns[i].get();
      std::set<std::string> pids;
      auto fail = [&](const std::string& what) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back("client " + std::to_string(i) + ": " + what);
      };
      for (int n = 0; n < kExecutions; ++n) {
        if (std::chrono::steady_clock::now() > deadline) return fail("out of time");
        bool in_block = n % 10 == 5;
        if (in_block && PQresultStatus(pg_exec(c, "BEGIN").get()) != PGRES_COMMAND_OK) return fail("BEGIN");
        auto r = exec_prepared(c, "add", {std::to_string(n), std::to_string(i * 1000)});
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return fail("add #" + std::to_string(n) + ": " + describe_result(r.get()));
        if (std::string(PQgetvalue(r.get(), 0, 0)) != std::to_string(n + i * 1000) ||
            std::string(PQgetvalue(r.get(), 0, 1)) != std::to_string(i)) {
          return fail("add #" + std::to_string(n) + " returned " + PQgetvalue(r.get(), 0, 0) + "," + PQgetvalue(r.get(), 0, 1));
        }
        pids.insert(PQgetvalue(r.get(), 0, 2));
        auto e = exec_prepared(c, "echo", {"n" + std::to_string(n)});
        if (PQresultStatus(e.get()) != PGRES_TUPLES_OK) return fail("echo: " + describe_result(e.get()));
        if (std::string(PQgetvalue(e.get(), 0, 0)) != "n" + std::to_string(n) + "/" + std::to_string(i)) {
          return fail(std::string("echo returned ") + PQgetvalue(e.get(), 0, 0));
        }
        if (in_block && PQresultStatus(pg_exec(c, "COMMIT").get()) != PGRES_COMMAND_OK) return fail("COMMIT");
      }
      if (pids.size() > 1) ++moved_clients;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  ASSERT_TRUE(failures.empty());
  monitor.stop();
  ASSERT_EQ(monitor.error(), "");
  if (!direct() && mode() == PoolMode::Transaction) {
    EXPECT_LE(monitor.max_seen(), pool_size()) << "more server connections at once than the pool size";
    // With 20 busy clients on 4 server connections, clients must have moved between them, or
    // this test proved nothing about statements following a client.
    EXPECT_GT(moved_clients.load(), 0);
  }
}

TEST_P(PreparedStatementTest, SameNameDifferentSqlOnClientsSharingServerConnections) {
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  ASSERT_TRUE(ResultIs(prepare(a.get(), "stmt", "SELECT 'A:' || $1::text AS a_col"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(prepare(b.get(), "stmt", "SELECT $1::int * 2 AS doubled, 'B' AS b_col"), PGRES_COMMAND_OK));
  for (int round = 0; round < 10; ++round) {
    // One client holds a server connection in a transaction while the other runs its statement,
    // so the two are certain to use different server connections; then swap roles.
    PGconn* holder = round % 2 == 0 ? a.get() : b.get();
    ASSERT_TRUE(ResultIs(pg_exec(holder, "BEGIN"), PGRES_COMMAND_OK));
    auto ra = exec_prepared(a.get(), "stmt", {"r" + std::to_string(round)});
    ASSERT_TRUE(ResultIs(ra, PGRES_TUPLES_OK)) << "round " << round;
    ASSERT_EQ(PQnfields(ra.get()), 1);
    EXPECT_EQ(std::string(PQgetvalue(ra.get(), 0, 0)), "A:r" + std::to_string(round));
    auto rb = exec_prepared(b.get(), "stmt", {std::to_string(round)});
    ASSERT_TRUE(ResultIs(rb, PGRES_TUPLES_OK)) << "round " << round;
    ASSERT_EQ(PQnfields(rb.get()), 2);
    EXPECT_EQ(std::string(PQgetvalue(rb.get(), 0, 0)), std::to_string(round * 2));
    EXPECT_STREQ(PQgetvalue(rb.get(), 0, 1), "B");
    // While the holder is inside its transaction the two clients cannot share a server connection.
    EXPECT_NE(query_value(a, "SELECT pg_backend_pid()"), query_value(b, "SELECT pg_backend_pid()"));
    ASSERT_TRUE(ResultIs(pg_exec(holder, "COMMIT"), PGRES_COMMAND_OK));
  }
  PgResultPtr da(PQdescribePrepared(a.get(), "stmt"));
  PgResultPtr db(PQdescribePrepared(b.get(), "stmt"));
  ASSERT_TRUE(ResultIs(da, PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(db, PGRES_COMMAND_OK));
  EXPECT_EQ(PQparamtype(da.get(), 0), kTextOid);
  EXPECT_EQ(PQparamtype(db.get(), 0), kInt4Oid);
  EXPECT_STREQ(PQfname(da.get(), 0), "a_col");
  EXPECT_STREQ(PQfname(db.get(), 0), "doubled");
  // A third client never prepared "stmt".
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_TRUE(ResultHasSqlstate(exec_prepared(c.get(), "stmt", {"1"}), "26000"));
  EXPECT_EQ(query_value(c, "SELECT 3"), "3");
}

TEST_P(PreparedStatementTest, ErrorsAroundPreparedStatements) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_TRUE(ResultHasSqlstate(prepare(c.get(), "bad", "SELEC 1"), "42601"));
  EXPECT_TRUE(ResultHasSqlstate(exec_prepared(c.get(), "bad", {}), "26000"));
  EXPECT_TRUE(ResultHasSqlstate(exec_prepared(c.get(), "never_prepared", {}), "26000"));
  ASSERT_TRUE(ResultIs(prepare(c.get(), "twice", "SELECT 1"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(prepare(c.get(), "twice", "SELECT 2"), "42P05"));
  auto r = exec_prepared(c.get(), "twice", {});
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "1");  // the first definition stays
  // A statement whose execution fails stays prepared.
  ASSERT_TRUE(ResultIs(prepare(c.get(), "div", "SELECT 10 / $1::int"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(exec_prepared(c.get(), "div", {"0"}), "22012"));
  auto ok = exec_prepared(c.get(), "div", {"5"});
  ASSERT_TRUE(ResultIs(ok, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(ok.get(), 0, 0), "2");
  // Protocol-level statements are not transactional: one prepared in a rolled-back block stays.
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(prepare(c.get(), "in_txn", "SELECT 'in_txn'"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(c, "ROLLBACK"), PGRES_COMMAND_OK));
  auto it = exec_prepared(c.get(), "in_txn", {});
  ASSERT_TRUE(ResultIs(it, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(it.get(), 0, 0), "in_txn");
  // Inside a failed transaction block, executing is refused until ROLLBACK.
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 1/0"), "22012"));
  EXPECT_TRUE(ResultHasSqlstate(exec_prepared(c.get(), "div", {"1"}), "25P02"));
  ASSERT_TRUE(ResultIs(pg_exec(c, "ROLLBACK"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultIs(exec_prepared(c.get(), "div", {"1"}), PGRES_TUPLES_OK));
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(PreparedStatementTest);

// With one server connection, every client uses the same one in turn: statements of a client that
// left must not be visible to the next one, and the next one may reuse the name with other SQL.
// One worker, so that the pool of 1 is one server connection (the proxy hands capacity between
// workers by closing and reopening server connections).
class PreparedStatementReconnectTest : public ProxyTest, public ::testing::WithParamInterface<PoolMode> {};

TEST_P(PreparedStatementReconnectTest, RePrepareAfterNewConnection) {
  ProxyOptions one_worker;
  one_worker.workers = 1;
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 1, one_worker));
  std::set<std::string> pids;
  for (int i = 0; i < 6; ++i) {
    auto c = connect();
    ASSERT_TRUE(ConnectionOk(c)) << "connection " << i;
    EXPECT_TRUE(ResultHasSqlstate(exec_prepared(c.get(), "st", {}), "26000"))
        << "connection " << i << " sees a statement it never prepared";
    auto p = prepare(c.get(), "st", "SELECT " + std::to_string(i * 11) + " AS v, pg_backend_pid()");
    ASSERT_TRUE(ResultIs(p, PGRES_COMMAND_OK)) << "connection " << i;
    for (int k = 0; k < 3; ++k) {
      auto r = exec_prepared(c.get(), "st", {});
      ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
      EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)), std::to_string(i * 11));
      pids.insert(PQgetvalue(r.get(), 0, 1));
    }
  }
  if (!direct()) {
    EXPECT_EQ(pids.size(), 1u) << "pool of 1 should reuse one server connection";
  }
}

INSTANTIATE_TEST_SUITE_P(PoolModes, PreparedStatementReconnectTest,
                         ::testing::Values(PoolMode::Session, PoolMode::Transaction), PoolModeParamName());

// SQL-level PREPARE / EXECUTE / DEALLOCATE: session state, so session mode only.
class SqlPrepareSessionTest : public ProxyTest {};

TEST_F(SqlPrepareSessionTest, PrepareExecuteDeallocate) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 4));
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(ResultIs(pg_exec(c, "PREPARE sq(int) AS SELECT $1 * 10"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(c, "EXECUTE sq(4)"), "40");
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM pg_prepared_statements WHERE name = 'sq'"), "1");
  ASSERT_TRUE(ResultIs(pg_exec(c, "DEALLOCATE sq"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "EXECUTE sq(4)"), "26000"));
  ASSERT_TRUE(ResultIs(pg_exec(c, "PREPARE sq(text) AS SELECT upper($1)"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(c, "EXECUTE sq('x')"), "X");
  c.reset();
  // The next client (maybe on the same server connection) starts without it.
  auto d = connect();
  ASSERT_TRUE(ConnectionOk(d));
  EXPECT_EQ(query_value(d, "SELECT count(*) FROM pg_prepared_statements"), "0");
}

}  // namespace
}  // namespace sluice::testing
