// The [timeouts] settings, with 1 s values: query_wait_timeout, client_idle_timeout,
// server_idle_timeout, server_lifetime and client_login_timeout.
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;
using wire::Clock;
using wire::contains;
using wire::seconds_since;

class TimeoutsTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "proxy timeouts";
  }
  // Backends of this role on PostgreSQL (counted directly, not through the proxy).
  static int backends_of(const std::string& role) {
    return std::stoi(pg().query_value("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role + "'"));
  }
  static bool backend_alive(const std::string& pid) {
    return pg().query_value("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) == "1";
  }
};

// ---- query_wait_timeout -----------------------------------------------------------------------

TEST_F(TimeoutsTest, QueryWaitTimeoutFailsTheWaitingClient) {
  ProxyOptions o;
  o.timeouts["query_wait_timeout"] = "1";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 1, o));
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(ConnectionOk(a)) << proxy_log();
  ASSERT_TRUE(ConnectionOk(b)) << proxy_log();
  EXPECT_EQ(query_value(b, "SELECT 'b ready'"), "b ready");
  // A holds the only server connection inside a transaction.
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(a, "SELECT 1"), "1");

  auto t0 = Clock::now();
  bool timed_out = false;
  auto r = wire::exec_bounded(b.get(), "SELECT 2", 15s, &timed_out);
  double waited = seconds_since(t0);
  ASSERT_FALSE(timed_out) << "no answer within 15 s although query_wait_timeout is 1 s" << proxy_log();
  ASSERT_TRUE(r);
  EXPECT_TRUE(ResultHasSqlstate(r, "08P01"));
  EXPECT_TRUE(contains(PQresultErrorMessage(r.get()), "query_wait_timeout")) << describe_result(r.get());
  EXPECT_GE(waited, 0.9);
  EXPECT_LE(waited, 5.0);
  EXPECT_EQ(PQstatus(b.get()), CONNECTION_BAD) << "the proxy closes the client after the error";

  // A was not disturbed, and once it commits the server is free for others.
  EXPECT_EQ(query_value(a, "SELECT 'still in tx'"), "still in tx");
  EXPECT_EQ(PQtransactionStatus(a.get()), PQTRANS_INTRANS);
  ASSERT_TRUE(ResultIs(pg_exec(a, "COMMIT"), PGRES_COMMAND_OK));
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(query_value(c, "SELECT 3"), "3");
}

TEST_F(TimeoutsTest, QueryWaitTimeoutAtLoginInSessionMode) {
  ProxyOptions o;
  o.timeouts["query_wait_timeout"] = "1";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 1, o));
  auto a = connect();
  ASSERT_TRUE(ConnectionOk(a));
  EXPECT_EQ(query_value(a, "SELECT 1"), "1");
  // A's session owns the only server connection: B's login waits for one and gives up.
  auto t0 = Clock::now();
  auto b = wire::connect_verbose(conninfo(), 15s);
  double waited = seconds_since(t0);
  EXPECT_EQ(PQstatus(b.get()), CONNECTION_BAD);
  EXPECT_TRUE(contains(wire::error_text(b), "query_wait_timeout")) << wire::error_text(b);
  EXPECT_GE(waited, 0.9);
  EXPECT_LE(waited, 5.0);
  // Once A leaves, logins work again.
  a.reset();
  bool ok = wire::eventually(10s, [&] {
    auto c = connect();
    return PQstatus(c.get()) == CONNECTION_OK && query_value(c, "SELECT 4") == "4";
  });
  EXPECT_TRUE(ok) << proxy_log();
}

// ---- client_idle_timeout ----------------------------------------------------------------------

TEST_F(TimeoutsTest, ClientIdleTimeoutDisconnectsIdleClients) {
  ProxyOptions o;
  o.timeouts["client_idle_timeout"] = "1";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 3, o));
  auto idle = connect();
  auto busy = connect();
  auto in_tx = connect();
  ASSERT_TRUE(ConnectionOk(idle));
  ASSERT_TRUE(ConnectionOk(busy));
  ASSERT_TRUE(ConnectionOk(in_tx));
  wire::NoticeLog notices;
  notices.attach(idle.get());
  EXPECT_EQ(query_value(idle, "SELECT 1"), "1");
  ASSERT_TRUE(ResultIs(pg_exec(in_tx, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(in_tx, "SELECT 'tx'"), "tx");

  auto t0 = Clock::now();
  bool closed = false;
  while (seconds_since(t0) < 8.0) {
    EXPECT_EQ(query_value(busy, "SELECT 'busy'"), "busy");  // keeps itself active
    if (wait_readable(idle.get(), 200ms)) {
      // The FATAL message (shown as a notice while idle) and then the close.
      if (PQconsumeInput(idle.get()) == 0 || PQstatus(idle.get()) == CONNECTION_BAD) {
        closed = true;
        break;
      }
      PQisBusy(idle.get());  // parses what arrived: the error goes to the notice receiver
    }
  }
  double waited = seconds_since(t0);
  ASSERT_TRUE(closed) << "the idle client was not disconnected within 8 s" << proxy_log();
  EXPECT_GE(waited, 0.8);
  EXPECT_LE(waited, 5.0);
  EXPECT_TRUE(notices.any_contains("client_idle_timeout")) << "notices: " << notices.all();
  auto r = pg_exec(idle, "SELECT 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_EQ(PQstatus(idle.get()), CONNECTION_BAD);

  // Wait past the timeout once more: the active client and the one inside a transaction stay.
  auto t1 = Clock::now();
  while (seconds_since(t1) < 1.5) {
    EXPECT_EQ(query_value(busy, "SELECT 'busy'"), "busy");
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(PQstatus(busy.get()), CONNECTION_OK);
  ASSERT_EQ(PQstatus(in_tx.get()), CONNECTION_OK);
  EXPECT_EQ(query_value(in_tx, "SELECT 'still tx'"), "still tx");
  EXPECT_TRUE(ResultIs(pg_exec(in_tx, "COMMIT"), PGRES_COMMAND_OK));
}

TEST_F(TimeoutsTest, ClientIdleTimeoutOnTheWire) {
  ProxyOptions o;
  o.auth_type = "trust";
  o.timeouts["client_idle_timeout"] = "1";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  wire::RawConn c(port());
  ASSERT_TRUE(wire::raw_trust_login(c, "scram_user", "testdb"));
  ASSERT_TRUE(c.send_all(wire::query_message("SELECT 1")));
  auto msgs = c.read_until('Z', 10s);
  ASSERT_FALSE(msgs.empty());
  ASSERT_EQ(msgs.back().type, 'Z') << wire::describe_messages(msgs);
  auto t0 = Clock::now();
  wire::ReadResult r = c.read_until_closed(8s);
  double waited = seconds_since(t0);
  EXPECT_TRUE(r.closed) << r.describe();
  EXPECT_GE(waited, 0.8);
  EXPECT_LE(waited, 5.0);
  auto err = wire::first_error(r.messages());
  ASSERT_TRUE(err) << "closed without an ErrorResponse: " << r.describe();
  EXPECT_EQ(err->severity, "FATAL");
  EXPECT_TRUE(contains(err->message, "client_idle_timeout")) << r.describe();
}

// ---- server_idle_timeout ----------------------------------------------------------------------

TEST_F(TimeoutsTest, ServerIdleTimeoutClosesIdleServerConnections) {
  const std::string role = "sluice_idle_role";
  wire::ensure_role(pg(), role, "idle_pw");
  ASSERT_TRUE(wire::eventually(10s, [&] { return backends_of(role) == 0; }));
  ProxyOptions o;
  o.users = {{role, "idle_pw"}};
  o.timeouts["server_idle_timeout"] = "1";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 3, o));
  std::vector<PgConnPtr> clients;
  std::set<std::string> pids;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(connect(role, "idle_pw"));
    ASSERT_TRUE(ConnectionOk(clients.back())) << proxy_log();
  }
  for (auto& c : clients) ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  for (auto& c : clients) pids.insert(query_value(c, "SELECT pg_backend_pid()"));
  EXPECT_EQ(pids.size(), 3u);
  for (auto& c : clients) ASSERT_TRUE(ResultIs(pg_exec(c, "COMMIT"), PGRES_COMMAND_OK));
  auto t0 = Clock::now();
  EXPECT_EQ(backends_of(role), 3);
  bool dropped = wire::eventually(8s, [&] { return backends_of(role) == 0; });
  double waited = seconds_since(t0);
  EXPECT_TRUE(dropped) << "still " << backends_of(role) << " backends" << proxy_log();
  EXPECT_GE(waited, 0.8);
  // The clients stay connected and get a fresh server connection when they need one.
  for (auto& c : clients) {
    ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK);
    std::string pid = query_value(c, "SELECT pg_backend_pid()");
    EXPECT_EQ(pids.count(pid), 0u) << "an old backend was reused: " << pid;
  }
}

// ---- server_lifetime --------------------------------------------------------------------------

TEST_F(TimeoutsTest, ServerLifetimeReplacesOldServerConnections) {
  const std::string role = "sluice_lifetime_role";
  wire::ensure_role(pg(), role, "life_pw");
  ASSERT_TRUE(wire::eventually(10s, [&] { return backends_of(role) == 0; }));
  ProxyOptions o;
  o.users = {{role, "life_pw"}};
  o.timeouts["server_lifetime"] = "1";
  o.timeouts["server_idle_timeout"] = "600";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 1, o));
  auto c = connect(role, "life_pw");
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();

  // Inside a transaction the server connection is never taken away, even past its lifetime.
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  std::string first = query_value(c, "SELECT pg_backend_pid()");
  auto t0 = Clock::now();
  while (seconds_since(t0) < 2.0) {
    EXPECT_EQ(query_value(c, "SELECT pg_backend_pid()"), first);
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(ResultIs(pg_exec(c, "COMMIT"), PGRES_COMMAND_OK));

  // Released, it is older than server_lifetime: the proxy closes it and the next query gets a
  // new backend, although the connection was used all the time (server_idle_timeout is 600 s).
  std::string next = first;
  bool replaced = wire::eventually(8s, [&] {
    next = query_value(c, "SELECT pg_backend_pid()");
    return next != first;
  });
  EXPECT_TRUE(replaced) << proxy_log();
  EXPECT_TRUE(wire::eventually(5s, [&] { return !backend_alive(first); })) << "backend " << first << " still there";
  // The replacement is itself replaced once it is older than a second.
  std::string third = next;
  EXPECT_TRUE(wire::eventually(8s, [&] {
    third = query_value(c, "SELECT pg_backend_pid()");
    return third != next;
  }));
  EXPECT_TRUE(wire::eventually(5s, [&] { return backends_of(role) <= 1; })) << "pool_size is 1";
}

// ---- client_login_timeout ---------------------------------------------------------------------

class LoginTimeoutTest : public TimeoutsTest {
 protected:
  void SetUp() override {
    TimeoutsTest::SetUp();
    if (IsSkipped()) return;
    ProxyOptions o;
    o.timeouts["client_login_timeout"] = "1";
    ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  }
  // Time until the proxy closes the raw connection; fails the test when it stays open 10 s.
  double time_to_close(wire::RawConn& raw, wire::ReadResult* out, Clock::time_point t0) {
    wire::ReadResult r = raw.read_until_closed(10s);
    double t = seconds_since(t0);
    EXPECT_TRUE(r.closed) << "still open after 10 s: " << r.describe();
    if (out != nullptr) *out = r;
    return t;
  }
};

TEST_F(LoginTimeoutTest, SilentConnectionIsClosed) {
  auto t0 = Clock::now();
  wire::RawConn raw(port());
  ASSERT_TRUE(raw.ok()) << raw.error();
  double t = time_to_close(raw, nullptr, t0);
  EXPECT_GE(t, 0.8);
  EXPECT_LE(t, 4.0);
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(query_value(c, "SELECT 1"), "1");
}

TEST_F(LoginTimeoutTest, HalfStartupPacketIsClosed) {
  auto t0 = Clock::now();
  wire::RawConn raw(port());
  ASSERT_TRUE(raw.ok());
  std::string startup = wire::startup_packet({{"user", "scram_user"}, {"database", "testdb"}});
  ASSERT_TRUE(raw.send_all(startup.substr(0, 10)));
  double t = time_to_close(raw, nullptr, t0);
  EXPECT_GE(t, 0.8);
  EXPECT_LE(t, 4.0);
}

TEST_F(LoginTimeoutTest, UnansweredPasswordRequestIsClosed) {
  auto t0 = Clock::now();
  wire::RawConn raw(port());
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(raw.send_all(wire::startup_packet({{"user", "scram_user"}, {"database", "testdb"}})));
  auto msgs = raw.read_until('R', 5s);
  ASSERT_FALSE(msgs.empty());
  ASSERT_EQ(msgs.back().type, 'R') << wire::describe_messages(msgs);
  wire::ReadResult r;
  double t = time_to_close(raw, &r, t0);
  EXPECT_GE(t, 0.8);
  EXPECT_LE(t, 4.0);
  auto err = wire::first_error(r.messages());
  ASSERT_TRUE(err) << r.describe();
  EXPECT_TRUE(contains(err->message, "client_login_timeout")) << r.describe();
  EXPECT_EQ(err->severity, "FATAL");
}

TEST_F(LoginTimeoutTest, LoggedInClientsAreNotAffected) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::this_thread::sleep_for(2000ms);
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK);
  EXPECT_EQ(query_value(c, "SELECT 'alive'"), "alive");
}

}  // namespace
}  // namespace sluice::testing
