// Signals: SIGHUP reloads the TOML file (pool size, passwords; a broken file is refused and the
// old configuration kept), SIGTERM drains (clients finish their transactions, new ones are
// refused, then exit 0), SIGINT stops at once.
#include <signal.h>

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;
using wire::Clock;
using wire::contains;
using wire::seconds_since;

class SignalsTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "signals to the proxy process";
  }
  int count_in_log(const std::string& text) const {
    std::string log = proxy_->log();
    int n = 0;
    for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1)) ++n;
    return n;
  }
  bool wait_log(const std::string& text, int at_least = 1, std::chrono::milliseconds timeout = 10s) const {
    return wire::eventually(timeout, [&] { return count_in_log(text) >= at_least; });
  }
};

// ---- SIGHUP -------------------------------------------------------------------------------------

TEST_F(SignalsTest, SighupReloadsPoolSizeAndPasswords) {
  const std::string role = "sluice_reload_role";
  wire::ensure_role(pg(), role, "old_pw");
  ProxyOptions o;
  o.users = {{role, "old_pw"}};
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 1, o));
  auto a = connect(role, "old_pw");
  auto b = connect(role, "old_pw");
  ASSERT_TRUE(ConnectionOk(a)) << proxy_log();
  ASSERT_TRUE(ConnectionOk(b)) << proxy_log();
  EXPECT_EQ(query_value(b, "SELECT 'b'"), "b");

  // pool_size 1: while A holds the server in a transaction, B's query waits.
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  std::string pid_a = query_value(a, "SELECT pg_backend_pid()");
  ASSERT_EQ(PQsendQuery(b.get(), "SELECT pg_backend_pid()"), 1);
  bool timed_out = false;
  auto early = get_result_within(b.get(), 1500ms, &timed_out);
  ASSERT_TRUE(timed_out) << "B got an answer although the pool is full: " << describe_result(early.get());

  // The administrator changes the role's password on the server and in sluice.toml, and raises
  // the pool size.
  pg().exec("ALTER ROLE " + role + " PASSWORD 'new_pw'", "postgres");
  ProxyOptions o2 = o;
  o2.users = {{role, "new_pw"}};
  ASSERT_TRUE(proxy_->reload_with(proxy_toml(pg(), PoolMode::Transaction, 2, port(), o2)));
  EXPECT_TRUE(wait_log("configuration reloaded")) << proxy_log();

  // B's waiting query gets the second server connection (opened with the new password).
  auto r = get_result_within(b.get(), 10s, &timed_out);
  ASSERT_FALSE(timed_out) << "B still waits after pool_size went to 2" << proxy_log();
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK)) << proxy_log();
  std::string pid_b = PQgetvalue(r.get(), 0, 0);
  EXPECT_NE(pid_b, pid_a);
  while (auto more = get_result_within(b.get(), 5s, &timed_out)) {
  }
  EXPECT_TRUE(wire::eventually(5s, [&] {
    return pg().query_value("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role + "'") == "2";
  })) << "expected the two server connections of A and B";

  // The existing connections were never dropped.
  EXPECT_EQ(query_value(a, "SELECT 'a in tx'"), "a in tx");
  EXPECT_EQ(query_value(a, "SELECT pg_backend_pid()"), pid_a);
  ASSERT_TRUE(ResultIs(pg_exec(a, "COMMIT"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(a, "SELECT 'a after'"), "a after");
  EXPECT_EQ(query_value(b, "SELECT 'b after'"), "b after");

  // New logins: the new password works, the old one no longer does.
  auto fresh = wire::connect_verbose(conninfo(role, "new_pw"));
  ASSERT_TRUE(ConnectionOk(fresh)) << proxy_log();
  EXPECT_EQ(query_value(fresh, "SELECT current_user"), role);
  auto stale = wire::connect_verbose(conninfo(role, "old_pw"));
  EXPECT_EQ(PQstatus(stale.get()), CONNECTION_BAD);
  EXPECT_TRUE(contains(wire::error_text(stale), "28P01")) << wire::error_text(stale);
  pg().exec("ALTER ROLE " + role + " PASSWORD 'old_pw'", "postgres");
}

TEST_F(SignalsTest, SighupWithBrokenFileKeepsRunning) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2));
  auto a = connect();
  ASSERT_TRUE(ConnectionOk(a));
  EXPECT_EQ(query_value(a, "SELECT 1"), "1");

  ASSERT_TRUE(proxy_->reload_with("[proxy\nlisten = this is not toml\n"));
  EXPECT_TRUE(wait_log("reload failed", 1)) << proxy_log();
  ASSERT_TRUE(proxy_->running());
  EXPECT_EQ(query_value(a, "SELECT 'kept'"), "kept");
  auto b = connect();
  ASSERT_TRUE(ConnectionOk(b)) << proxy_log();
  EXPECT_EQ(query_value(b, "SELECT 2"), "2");

  // Valid TOML, invalid value: refused as well.
  ProxyOptions bad;
  bad.pool["pool_size"] = "-3";
  ASSERT_TRUE(proxy_->reload_with(proxy_toml(pg(), PoolMode::Transaction, 2, port(), bad)));
  EXPECT_TRUE(wait_log("reload failed", 2)) << proxy_log();
  ASSERT_TRUE(proxy_->running());
  EXPECT_EQ(query_value(a, "SELECT 'still kept'"), "still kept");
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));

  // A good file afterwards is taken.
  ASSERT_TRUE(proxy_->reload_with(proxy_toml(pg(), PoolMode::Transaction, 3, port())));
  EXPECT_TRUE(wait_log("configuration reloaded")) << proxy_log();
  EXPECT_EQ(query_value(a, "SELECT 3"), "3");
}

// ---- SIGTERM ------------------------------------------------------------------------------------

class SigtermTest : public SignalsTest, public ::testing::WithParamInterface<PoolMode> {};

TEST_P(SigtermTest, DrainLetsTransactionsFinishThenExits) {
  std::string table = unique_name("drain");
  pg().exec("CREATE TABLE " + table + " (v int); GRANT ALL ON " + table + " TO scram_user");
  ProxyOptions o;
  o.timeouts["shutdown_timeout"] = "30";
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 4, o));
  const bool transaction_mode = GetParam() == PoolMode::Transaction;
  auto a = connect();
  ASSERT_TRUE(ConnectionOk(a));
  wire::NoticeLog a_notices;
  a_notices.attach(a.get());
  PgConnPtr idle;
  wire::NoticeLog idle_notices;
  if (transaction_mode) {
    idle = connect();
    ASSERT_TRUE(ConnectionOk(idle));
    idle_notices.attach(idle.get());
    EXPECT_EQ(query_value(idle, "SELECT 1"), "1");
  }
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(a, "INSERT INTO " + table + " VALUES (1)"), PGRES_COMMAND_OK));

  auto t0 = Clock::now();
  ASSERT_TRUE(proxy_->send_signal(SIGTERM));

  // New clients are turned away: refused at TCP level once the listeners are closed, or 57P03 at
  // login. (A connection that was still in the kernel's accept queue when the listener closed is
  // reset instead; that can happen once, right after the signal.)
  std::string refusals;
  bool refused = wire::eventually(5s, [&] {
    auto n = wire::connect_verbose(conninfo(), 5s);
    if (PQstatus(n.get()) == CONNECTION_OK) return false;
    std::string why = wire::error_text(n);
    refusals += why;
    return contains(why, "refused") || contains(why, "57P03") || contains(why, "shutting down");
  });
  EXPECT_TRUE(refused) << "new clients are not turned away while draining: " << refusals << proxy_log();
  ASSERT_TRUE(proxy_->running()) << "exited although a transaction was open" << proxy_log();

  // The open transaction finishes normally.
  ASSERT_TRUE(ResultIs(pg_exec(a, "INSERT INTO " + table + " VALUES (2)"), PGRES_COMMAND_OK)) << proxy_log();
  ASSERT_TRUE(ResultIs(pg_exec(a, "COMMIT"), PGRES_COMMAND_OK)) << proxy_log();
  EXPECT_EQ(pg().query_value("SELECT count(*) FROM " + table), "2");
  if (transaction_mode) {
    // Idle transaction-mode clients are sent away; so is A once its transaction is over.
    EXPECT_TRUE(wire::eventually(5s, [&] {
      if (wait_readable(idle.get(), 50ms) && PQconsumeInput(idle.get()) == 1) PQisBusy(idle.get());
      return PQstatus(idle.get()) == CONNECTION_BAD;
    })) << "the idle client was not disconnected";
    EXPECT_TRUE(idle_notices.any_contains("shutting down")) << idle_notices.all();
  } else {
    // A session client leaves by itself.
    a.reset();
  }
  auto st = proxy_->wait_exit(20s);
  ASSERT_TRUE(st.has_value()) << "no exit after the last client left" << proxy_log();
  EXPECT_TRUE(st->success()) << st->describe() << proxy_log();
  EXPECT_LT(seconds_since(t0), 25.0);
  EXPECT_TRUE(contains(proxy_->log(), "all clients gone")) << proxy_log();
  EXPECT_FALSE(port_accepts(port()));
  pg().exec("DROP TABLE " + table);
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(SigtermTest);

TEST_F(SignalsTest, SigtermShutdownTimeoutEndsStuckClients) {
  ProxyOptions o;
  o.timeouts["shutdown_timeout"] = "2";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  auto a = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(a, "SELECT 1"), "1");
  auto t0 = Clock::now();
  ASSERT_TRUE(proxy_->send_signal(SIGTERM));
  auto st = proxy_->wait_exit(15s);
  double waited = seconds_since(t0);
  ASSERT_TRUE(st.has_value()) << "still running 15 s after SIGTERM with shutdown_timeout 2" << proxy_log();
  EXPECT_TRUE(st->success()) << st->describe();
  EXPECT_GE(waited, 1.5);
  EXPECT_LE(waited, 8.0);
  EXPECT_TRUE(contains(proxy_->log(), "shutdown_timeout reached")) << proxy_log();
  auto r = pg_exec(a, "SELECT 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
}

TEST_F(SignalsTest, SecondSigtermStopsNow) {
  ProxyOptions o;
  o.timeouts["shutdown_timeout"] = "60";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 2, o));
  auto a = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(proxy_->send_signal(SIGTERM));
  EXPECT_FALSE(proxy_->wait_exit(1000ms).has_value()) << "exited with a transaction open";
  auto t0 = Clock::now();
  ASSERT_TRUE(proxy_->send_signal(SIGTERM));
  auto st = proxy_->wait_exit(10s);
  ASSERT_TRUE(st.has_value()) << proxy_log();
  EXPECT_TRUE(st->success()) << st->describe();
  EXPECT_LT(seconds_since(t0), 5.0);
}

// ---- SIGINT -------------------------------------------------------------------------------------

TEST_F(SignalsTest, SigintExitsQuickly) {
  ProxyOptions o;
  o.timeouts["shutdown_timeout"] = "60";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  ASSERT_TRUE(ResultIs(pg_exec(a, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(a, "SELECT 1"), "1");
  EXPECT_EQ(query_value(b, "SELECT 2"), "2");
  auto t0 = Clock::now();
  ASSERT_TRUE(proxy_->send_signal(SIGINT));
  auto st = proxy_->wait_exit(10s);
  double waited = seconds_since(t0);
  ASSERT_TRUE(st.has_value()) << "still running 10 s after SIGINT" << proxy_log();
  EXPECT_TRUE(st->success() || (!st->exited && st->signal == SIGINT)) << st->describe();
  EXPECT_LT(waited, 3.0);
  EXPECT_FALSE(port_accepts(port()));
  auto r = pg_exec(a, "SELECT 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  // The transaction died with the proxy's server connection; nothing is left open on PostgreSQL.
  EXPECT_TRUE(wire::eventually(10s, [] {
    return pg().query_value("SELECT count(*) FROM pg_stat_activity WHERE usename = 'scram_user'") == "0";
  }));
}

}  // namespace
}  // namespace sluice::testing
