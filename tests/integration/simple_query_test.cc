// Simple query protocol (PQexec) through the proxy, in both pool modes.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/backend_monitor.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

class SimpleQueryTest : public PoolModeTest {};

TEST_P(SimpleQueryTest, SelectReturnsRows) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  auto r = pg_exec(c, "SELECT i, 'row ' || i AS label FROM generate_series(1, 100) AS i");
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  ASSERT_EQ(PQntuples(r.get()), 100);
  ASSERT_EQ(PQnfields(r.get()), 2);
  EXPECT_STREQ(PQfname(r.get(), 0), "i");
  EXPECT_STREQ(PQfname(r.get(), 1), "label");
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(std::string(PQgetvalue(r.get(), i, 0)), std::to_string(i + 1));
    ASSERT_EQ(std::string(PQgetvalue(r.get(), i, 1)), "row " + std::to_string(i + 1));
  }
  EXPECT_EQ(query_value(c, "SELECT current_user"), "scram_user");
  EXPECT_EQ(query_value(c, "SELECT current_database()"), "testdb");
  auto n = pg_exec(c, "SELECT NULL::int AS n");
  ASSERT_TRUE(ResultIs(n, PGRES_TUPLES_OK));
  EXPECT_TRUE(PQgetisnull(n.get(), 0, 0));
}

TEST_P(SimpleQueryTest, InsertUpdateDeleteReportRowCounts) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::string t = unique_name("sq_counts");
  ASSERT_TRUE(ResultIs(pg_exec(c, "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)"), PGRES_COMMAND_OK));
  auto ins = pg_exec(c, "INSERT INTO " + t + " SELECT i, 'v' || i FROM generate_series(1, 25) i");
  ASSERT_TRUE(ResultIs(ins, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdTuples(ins.get()), "25");
  EXPECT_STREQ(PQcmdStatus(ins.get()), "INSERT 0 25");
  auto upd = pg_exec(c, "UPDATE " + t + " SET v = 'x' WHERE id <= 10");
  ASSERT_TRUE(ResultIs(upd, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdTuples(upd.get()), "10");
  auto del = pg_exec(c, "DELETE FROM " + t + " WHERE id > 20");
  ASSERT_TRUE(ResultIs(del, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdTuples(del.get()), "5");
  auto ret = pg_exec(c, "INSERT INTO " + t + " VALUES (100, 'r') RETURNING id * 2");
  ASSERT_TRUE(ResultIs(ret, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(ret.get(), 0, 0), "200");
  EXPECT_STREQ(PQcmdTuples(ret.get()), "1");
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t + " WHERE v = 'x'"), "10");
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "21");
  // A second client sees the committed rows (no transaction left open anywhere).
  auto other = connect();
  ASSERT_TRUE(ConnectionOk(other));
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "21");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(SimpleQueryTest, ErrorsCarrySqlstateAndConnectionStaysUsable) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 1/0"), "22012"));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT * FROM no_such_table_anywhere"), "42P01"));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELEC 1"), "42601"));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 'abc'::int"), "22P02"));
  auto r = pg_exec(c, "SELECT 1/0");
  ASSERT_TRUE(ResultHasSqlstate(r, "22012"));
  EXPECT_STREQ(PQresultErrorField(r.get(), PG_DIAG_SEVERITY_NONLOCALIZED), "ERROR");
  EXPECT_NE(std::string(PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)).find("division by zero"),
            std::string::npos);
  EXPECT_EQ(query_value(c, "SELECT 40 + 2"), "42");
  // A user-raised error with a custom SQLSTATE, detail and hint comes through field by field.
  auto custom = pg_exec(c,
                        "DO $$ BEGIN RAISE EXCEPTION 'custom failure' USING ERRCODE = 'P0042', "
                        "DETAIL = 'some detail', HINT = 'some hint'; END $$");
  ASSERT_TRUE(ResultHasSqlstate(custom, "P0042"));
  EXPECT_STREQ(PQresultErrorField(custom.get(), PG_DIAG_MESSAGE_DETAIL), "some detail");
  EXPECT_STREQ(PQresultErrorField(custom.get(), PG_DIAG_MESSAGE_HINT), "some hint");
  EXPECT_EQ(query_value(c, "SELECT 'still usable'"), "still usable");
}

TEST_P(SimpleQueryTest, ErrorInsideTransactionBlockAbortsUntilRollback) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 1/0"), "22012"));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 1"), "25P02"));
  auto rb = pg_exec(c, "ROLLBACK");
  ASSERT_TRUE(ResultIs(rb, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdStatus(rb.get()), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c, "SELECT 7"), "7");
  // COMMIT of a failed transaction reports ROLLBACK.
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 1/0"), "22012"));
  auto commit = pg_exec(c, "COMMIT");
  ASSERT_TRUE(ResultIs(commit, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdStatus(commit.get()), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST_P(SimpleQueryTest, TransactionBlockSpansSeveralQueries) {
  auto c = connect();
  auto other = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(ConnectionOk(other));
  std::string t = unique_name("sq_txn");
  ASSERT_TRUE(ResultIs(pg_exec(c, "CREATE TABLE " + t + " (v int)"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  ASSERT_TRUE(ResultIs(pg_exec(c, "INSERT INTO " + t + " VALUES (1), (2)"), PGRES_COMMAND_OK));
  // Other clients keep working while this transaction is open and do not see its rows.
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "0");
  // Every statement of the block runs on the same server connection and sees its own rows.
  EXPECT_EQ(query_value(c, "SELECT pg_backend_pid()"), pid);
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "2");
  ASSERT_TRUE(ResultIs(pg_exec(c, "ROLLBACK"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "0");
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN; INSERT INTO " + t + " VALUES (3)"), PGRES_COMMAND_OK));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  ASSERT_TRUE(ResultIs(pg_exec(c, "COMMIT"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "1");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(SimpleQueryTest, MultiStatementQueryReturnsEveryResult) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  // PQexec keeps only the last result.
  auto last = pg_exec(c, "SELECT 1; SELECT 2, 3");
  ASSERT_TRUE(ResultIs(last, PGRES_TUPLES_OK));
  EXPECT_EQ(PQnfields(last.get()), 2);
  EXPECT_STREQ(PQgetvalue(last.get(), 0, 1), "3");

  std::string t = unique_name("sq_multi");
  ASSERT_EQ(PQsendQuery(c.get(), ("CREATE TABLE " + t + " (v int); INSERT INTO " + t +
                                  " VALUES (1), (2), (3); SELECT sum(v) FROM " + t + "; SELECT 'done'")
                                     .c_str()),
            1)
      << PQerrorMessage(c.get());
  bool timed_out = false;
  auto results = get_all_results(c.get(), std::chrono::seconds(20), &timed_out);
  ASSERT_FALSE(timed_out);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(ResultIs(results[0], PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdStatus(results[0].get()), "CREATE TABLE");
  EXPECT_STREQ(PQcmdTuples(results[1].get()), "3");
  ASSERT_TRUE(ResultIs(results[2], PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(results[2].get(), 0, 0), "6");
  ASSERT_TRUE(ResultIs(results[3], PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(results[3].get(), 0, 0), "done");

  // An error in the middle stops the rest; the implicit transaction rolls back everything.
  ASSERT_EQ(PQsendQuery(c.get(), ("INSERT INTO " + t + " VALUES (10); SELECT 1/0; INSERT INTO " + t +
                                  " VALUES (20)")
                                     .c_str()),
            1);
  results = get_all_results(c.get(), std::chrono::seconds(20), &timed_out);
  ASSERT_FALSE(timed_out);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(ResultIs(results[0], PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(results[1], "22012"));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c, "SELECT sum(v) FROM " + t), "6");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(SimpleQueryTest, EmptyQuery) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_TRUE(ResultIs(pg_exec(c, ""), PGRES_EMPTY_QUERY));
  EXPECT_TRUE(ResultIs(pg_exec(c, "   "), PGRES_EMPTY_QUERY));
  EXPECT_TRUE(ResultIs(pg_exec(c, "-- only a comment"), PGRES_EMPTY_QUERY));
  EXPECT_EQ(query_value(c, "SELECT 'after empty'"), "after empty");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST_P(SimpleQueryTest, LargeRowsAndManyRows) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  // One 4 MB value each way.
  auto big = pg_exec(c, "SELECT repeat('x', 4 * 1024 * 1024) AS v, md5(repeat('x', 4 * 1024 * 1024)) AS h");
  ASSERT_TRUE(ResultIs(big, PGRES_TUPLES_OK));
  EXPECT_EQ(PQgetlength(big.get(), 0, 0), 4 * 1024 * 1024);
  std::string sent(2 * 1024 * 1024, 'y');
  sent[12345] = 'z';
  std::string back = query_value(c, "SELECT md5('" + sent + "') = md5(repeat('y', 12345) || 'z' || repeat('y', " +
                                        std::to_string(sent.size() - 12346) + "))");
  EXPECT_EQ(back, "t");
  // 200,000 rows.
  auto many = pg_exec(c, "SELECT i, md5(i::text) FROM generate_series(1, 200000) i");
  ASSERT_TRUE(ResultIs(many, PGRES_TUPLES_OK));
  ASSERT_EQ(PQntuples(many.get()), 200000);
  EXPECT_STREQ(PQgetvalue(many.get(), 199999, 0), "200000");
  EXPECT_EQ(std::string(PQgetvalue(many.get(), 0, 1)), query_value(c, "SELECT md5('1')"));
}

TEST_P(SimpleQueryTest, NoticesReachTheClient) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::vector<std::string> notices;
  PQsetNoticeReceiver(
      c.get(),
      [](void* arg, const PGresult* res) {
        auto* out = static_cast<std::vector<std::string>*>(arg);
        const char* m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        out->push_back(m != nullptr ? m : "");
      },
      &notices);
  auto r = pg_exec(c, "DO $$ BEGIN RAISE NOTICE 'first notice'; RAISE NOTICE 'second notice'; END $$");
  ASSERT_TRUE(ResultIs(r, PGRES_COMMAND_OK));
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0], "first notice");
  EXPECT_EQ(notices[1], "second notice");
}

TEST_P(SimpleQueryTest, MoreClientsThanServerConnections) {
  // Transaction mode: 12 clients on a pool of 4 take turns; session mode: each client keeps its own.
  const int clients = mode() == PoolMode::Transaction ? 12 : 8;
  BackendMonitor monitor(pg(), "scram_user");
  std::vector<PgConnPtr> conns;
  for (int i = 0; i < clients; ++i) {
    conns.push_back(connect());
    ASSERT_TRUE(ConnectionOk(conns.back())) << "client " << i;
  }
  std::set<std::string> all_pids;
  std::vector<std::set<std::string>> pids_of(clients);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < clients; ++i) {
      std::string v = std::to_string(round * 1000 + i);
      auto rows = query_rows(conns[i], "SELECT " + v + ", pg_backend_pid()");
      ASSERT_EQ(rows.size(), 1u);
      ASSERT_EQ(rows[0][0], v) << "client " << i << " round " << round;
      all_pids.insert(rows[0][1]);
      pids_of[i].insert(rows[0][1]);
    }
  }
  monitor.stop();
  ASSERT_EQ(monitor.error(), "");
  EXPECT_GT(monitor.max_seen(), 0);
  if (direct()) return;
  if (mode() == PoolMode::Transaction) {
    EXPECT_LE(monitor.max_seen(), pool_size()) << "more server connections at once than the pool size";
  } else {
    EXPECT_EQ(all_pids.size(), static_cast<size_t>(clients));
    for (int i = 0; i < clients; ++i) EXPECT_EQ(pids_of[i].size(), 1u) << "session client " << i << " moved";
  }
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(SimpleQueryTest);

}  // namespace
}  // namespace sluice::testing
