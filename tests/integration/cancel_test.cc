// Query cancellation (PQcancel: a CancelRequest on a new connection to the proxy) in both pool
// modes: the right query is cancelled, only that one, and the connection stays usable.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

::testing::AssertionResult send_cancel(PGconn* c) {
  PGcancel* cancel = PQgetCancel(c);
  if (cancel == nullptr) return ::testing::AssertionFailure() << "PQgetCancel returned NULL";
  char err[256] = {0};
  int ok = PQcancel(cancel, err, sizeof(err));
  PQfreeCancel(cancel);
  if (ok != 1) return ::testing::AssertionFailure() << "PQcancel failed: " << err;
  return ::testing::AssertionSuccess();
}

// The single result of an async query, waiting at most `limit`.
PgResultPtr only_result(PGconn* c, milliseconds limit) {
  bool timed_out = false;
  auto results = get_all_results(c, limit, &timed_out);
  EXPECT_FALSE(timed_out) << "no result within " << limit.count() << " ms";
  EXPECT_EQ(results.size(), 1u);
  if (results.empty()) return nullptr;
  return std::move(results.front());
}

class CancelTest : public PoolModeTest {};

TEST_P(CancelTest, CancelsLongQuery) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(30)"), 1);
  std::this_thread::sleep_for(milliseconds(300));
  auto t0 = steady_clock::now();
  ASSERT_TRUE(send_cancel(c.get()));
  auto r = only_result(c.get(), seconds(10));
  EXPECT_TRUE(ResultHasSqlstate(r, "57014"));
  EXPECT_LT(steady_clock::now() - t0, seconds(5)) << "cancel took too long";
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c, "SELECT 'after cancel'"), "after cancel");

  // The same through the extended protocol, twice more on the same connection.
  for (int i = 0; i < 2; ++i) {
    const char* v[1] = {"30"};
    ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT pg_sleep($1::float8)", 1, nullptr, v, nullptr, nullptr, 0), 1);
    std::this_thread::sleep_for(milliseconds(300));
    ASSERT_TRUE(send_cancel(c.get()));
    EXPECT_TRUE(ResultHasSqlstate(only_result(c.get(), seconds(10)), "57014")) << "round " << i;
    EXPECT_EQ(query_value(c, "SELECT " + std::to_string(i)), std::to_string(i));
  }
}

TEST_P(CancelTest, CancelInsideTransactionBlock) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_EQ(query_value(c, "SELECT 1"), "1");
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(30)"), 1);
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(send_cancel(c.get()));
  EXPECT_TRUE(ResultHasSqlstate(only_result(c.get(), seconds(10)), "57014"));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INERROR);
  ASSERT_TRUE(ResultIs(pg_exec(c, "ROLLBACK"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(c, "SELECT 'ok'"), "ok");
}

TEST_P(CancelTest, OnlyTheTargetedClientIsCancelled) {
  auto a = connect();
  auto b = connect();
  auto d = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  ASSERT_TRUE(ConnectionOk(d));
  // Each client has its own cancel key.
  EXPECT_NE(PQbackendPID(a.get()), PQbackendPID(b.get()));
  EXPECT_NE(PQbackendPID(b.get()), PQbackendPID(d.get()));
  ASSERT_EQ(PQsendQuery(a.get(), "SELECT pg_sleep(30)"), 1);
  ASSERT_EQ(PQsendQuery(b.get(), "SELECT pg_sleep(1.5), 'b'"), 1);
  ASSERT_EQ(PQsendQuery(d.get(), "SELECT pg_sleep(1.5), 'd'"), 1);
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(send_cancel(a.get()));
  EXPECT_TRUE(ResultHasSqlstate(only_result(a.get(), seconds(10)), "57014"));
  auto rb = only_result(b.get(), seconds(10));
  auto rd = only_result(d.get(), seconds(10));
  ASSERT_TRUE(ResultIs(rb, PGRES_TUPLES_OK));
  ASSERT_TRUE(ResultIs(rd, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(rb.get(), 0, 1), "b");
  EXPECT_STREQ(PQgetvalue(rd.get(), 0, 1), "d");
}

TEST_P(CancelTest, CancelOfIdleConnectionIsHarmless) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(send_cancel(c.get()));
  // A cancel is asynchronous: give it time to arrive (and be ignored) before the next query.
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(query_value(c, "SELECT pg_sleep(0.2)::text || 'not cancelled'"), "not cancelled");
}

TEST_P(CancelTest, IdleClientsCancelDoesNotHitOthers) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_EQ(query_value(c, "SELECT 1"), "1");
  auto victim = connect();
  ASSERT_TRUE(ConnectionOk(victim));
  ASSERT_EQ(PQsendQuery(victim.get(), "SELECT pg_sleep(1), 'survived'"), 1);
  std::this_thread::sleep_for(milliseconds(200));
  // c's own cancel is fine to send: c is idle, so it must cancel nothing (in particular not the
  // victim, whatever server connection it is on).
  ASSERT_TRUE(send_cancel(c.get()));
  auto r = only_result(victim.get(), seconds(10));
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "survived");
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(CancelTest);

// Transaction mode, one server connection: a client that finished its query and sends a late
// cancel must not cancel another client's query that now runs on the same server connection.
class CancelSharedConnectionTest : public ProxyTest {};

TEST_F(CancelSharedConnectionTest, LateCancelDoesNotHitTheNextClient) {
  ProxyOptions one_worker;  // so that the pool of 1 is one server connection shared by a and b
  one_worker.workers = 1;
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 1, one_worker));
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  std::string pid_a = query_value(a, "SELECT pg_backend_pid()");
  ASSERT_EQ(PQsendQuery(b.get(), "SELECT pg_sleep(1.5), pg_backend_pid()"), 1);
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(send_cancel(a.get()));
  auto r = only_result(b.get(), seconds(10));
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK)) << "b was cancelled by a's cancel request";
  if (!direct()) {
    EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 1)), pid_a) << "pool of 1 should share the connection";
  }
  EXPECT_EQ(query_value(a, "SELECT 'a ok'"), "a ok");
}

}  // namespace
}  // namespace sluice::testing
