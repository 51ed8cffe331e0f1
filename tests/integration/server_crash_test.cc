// PostgreSQL going away under the proxy: a backend terminated or SIGKILLed in the middle of a
// transaction, and the postmaster SIGKILLed and restarted on the same port. Clients whose server
// died get an error (SQLSTATE class 08) and are closed; new clients work once the server is back.
// Uses its own PostgreSQL so that the shared one is never crashed.
#include <signal.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

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

// What a client saw when its server went away: the result of the query it was running (or sent
// next), notices received meanwhile, and the connection state afterwards.
struct Outcome {
  bool timed_out = false;
  ExecStatusType status = PGRES_EMPTY_QUERY;
  std::vector<std::string> sqlstates;
  std::string text;
  ConnStatusType conn_status = CONNECTION_OK;

  bool saw_class_08() const {
    for (const auto& s : sqlstates)
      if (s.rfind("08", 0) == 0) return true;
    return false;
  }
  std::string describe() const {
    std::string s = std::string("status=") + PQresStatus(status) + " conn=" +
                    (conn_status == CONNECTION_OK ? "OK" : "BAD") + " sqlstates=";
    for (const auto& st : sqlstates) s += st + " ";
    return s + (timed_out ? "TIMED OUT " : "") + "text: " + text;
  }
};

Outcome collect(PGconn* c, const wire::NoticeLog& notices, bool timed_out, std::vector<PgResultPtr> results) {
  Outcome o;
  o.timed_out = timed_out;
  for (auto& r : results) {
    ExecStatusType st = PQresultStatus(r.get());
    if (o.status == PGRES_EMPTY_QUERY || st == PGRES_FATAL_ERROR) o.status = st;
    std::string state = sqlstate_of(r.get());
    if (!state.empty()) o.sqlstates.push_back(state);
    o.text += describe_result(r.get()) + " | ";
  }
  for (std::size_t i = 0; i < notices.messages.size(); ++i) {
    if (!notices.sqlstates[i].empty()) o.sqlstates.push_back(notices.sqlstates[i]);
    o.text += "notice: " + notices.messages[i] + " | ";
  }
  o.text += std::string("conn error: ") + PQerrorMessage(c);
  o.conn_status = PQstatus(c);
  return o;
}

class ServerCrashTest : public ProxyTest, public ::testing::WithParamInterface<PoolMode> {
 protected:
  static void SetUpTestSuite() {
    if (direct_mode()) return;
    crash_pg_ = new PgServer({.max_connections = 60, .shared_buffers = "16MB", .ssl = true, .extra_conf = ""});
    auto r = crash_pg_->start();
    if (!r) {
      delete crash_pg_;
      crash_pg_ = nullptr;
      FAIL() << r.message();
    }
  }
  static void TearDownTestSuite() {
    if (crash_pg_ != nullptr) {
      EXPECT_TRUE(crash_pg_->stop());
      delete crash_pg_;
      crash_pg_ = nullptr;
    }
  }
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "needs the proxy between the client and a server it can crash";
    ASSERT_NE(crash_pg_, nullptr) << "the crash test PostgreSQL did not start";
    // A previous test may have left it down.
    if (!crash_pg_->running()) {
      ASSERT_TRUE(crash_pg_->restart_on_same_port());
    }
    ASSERT_TRUE(wire::eventually(30s, [] { return server_accepts(); })) << crash_pg_->log();
    mode_ = GetParam();
    pool_size_ = 4;
    proxy_ = std::make_unique<ProxyProcess>();
    uint16_t listen = free_port();
    ASSERT_TRUE(proxy_->start(proxy_toml(*crash_pg_, mode_, pool_size_, listen), listen));
  }
  void TearDown() override {
    ProxyTest::TearDown();
    // Leave the server up for the next test.
    if (crash_pg_ != nullptr && !crash_pg_->running()) {
      EXPECT_TRUE(crash_pg_->restart_on_same_port());
    }
  }

  static bool server_accepts() {
    auto c = pg_connect(crash_pg_->conninfo());
    return PQstatus(c.get()) == CONNECTION_OK && PQresultStatus(pg_exec(c, "SELECT 1").get()) == PGRES_TUPLES_OK;
  }
  // A new client through the proxy runs a query.
  bool new_client_works() const {
    auto c = connect();
    if (PQstatus(c.get()) != CONNECTION_OK) return false;
    bool timed_out = false;
    auto r = wire::exec_bounded(c.get(), "SELECT 'back'", 10s, &timed_out);
    return !timed_out && r && PQresultStatus(r.get()) == PGRES_TUPLES_OK && std::string(PQgetvalue(r.get(), 0, 0)) == "back";
  }
  // After recovery: one client works within the time, then every later one works at once.
  void expect_recovered(std::chrono::seconds within) {
    auto t0 = Clock::now();
    bool ok = wire::eventually(within, [&] { return new_client_works(); });
    ASSERT_TRUE(ok) << "no working client through the proxy within " << within.count() << " s" << proxy_log()
                    << "\n--- PostgreSQL log ---\n" << crash_pg_->log();
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(new_client_works()) << "client " << i << " after recovery (" << seconds_since(t0) << " s)"
                                      << proxy_log();
    }
  }
  static std::string backend_state(const std::string& pid) {
    auto rows = crash_pg_->query("SELECT state FROM pg_stat_activity WHERE pid = " + pid);
    return rows.empty() ? "<gone>" : rows[0][0];
  }

  static PgServer* crash_pg_;
};

PgServer* ServerCrashTest::crash_pg_ = nullptr;

TEST_P(ServerCrashTest, BackendTerminatedInsideTransaction) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  wire::NoticeLog notices;
  notices.attach(c.get());
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  ASSERT_TRUE(ResultIs(pg_exec(c, "CREATE TEMP TABLE doomed (v int)"), PGRES_COMMAND_OK));
  EXPECT_EQ(crash_pg_->query_value("SELECT pg_terminate_backend(" + pid + ")"), "t");
  ASSERT_TRUE(wire::eventually(10s, [&] { return backend_state(pid) == "<gone>"; }));

  bool timed_out = false;
  PQsendQuery(c.get(), "INSERT INTO doomed VALUES (1)");
  auto results = get_all_results(c.get(), 15s, &timed_out);
  Outcome o = collect(c.get(), notices, timed_out, std::move(results));
  ASSERT_FALSE(o.timed_out) << o.describe() << proxy_log();
  EXPECT_EQ(o.status, PGRES_FATAL_ERROR) << o.describe();
  EXPECT_TRUE(o.saw_class_08()) << o.describe();
  EXPECT_TRUE(contains(o.text, "server connection lost")) << o.describe();
  EXPECT_EQ(o.conn_status, CONNECTION_BAD) << "the proxy closes a client whose server died: " << o.describe();

  ASSERT_NO_FATAL_FAILURE(expect_recovered(15s));
  auto again = connect();
  ASSERT_TRUE(ConnectionOk(again));
  EXPECT_NE(query_value(again, "SELECT pg_backend_pid()"), pid);
}

TEST_P(ServerCrashTest, BackendKilledMidQuery) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  wire::NoticeLog notices;
  notices.attach(c.get());
  // Another client idle between transactions: in transaction mode it holds no server.
  auto bystander = connect();
  ASSERT_TRUE(ConnectionOk(bystander));
  EXPECT_EQ(query_value(bystander, "SELECT 1"), "1");

  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(30)"), 1);
  ASSERT_TRUE(wire::eventually(10s, [&] { return backend_state(pid) == "active"; }));
  auto t0 = Clock::now();
  ASSERT_EQ(::kill(std::stoi(pid), SIGKILL), 0) << "kill " << pid;

  bool timed_out = false;
  auto results = get_all_results(c.get(), 20s, &timed_out);
  double waited = seconds_since(t0);
  Outcome o = collect(c.get(), notices, timed_out, std::move(results));
  ASSERT_FALSE(o.timed_out) << o.describe() << proxy_log();
  EXPECT_LT(waited, 10.0);
  EXPECT_EQ(o.status, PGRES_FATAL_ERROR) << o.describe();
  EXPECT_TRUE(o.saw_class_08()) << o.describe();
  EXPECT_EQ(o.conn_status, CONNECTION_BAD) << o.describe();

  // PostgreSQL restarts all backends after a crash (crash recovery); then new clients work.
  ASSERT_NO_FATAL_FAILURE(expect_recovered(40s));
  if (GetParam() == PoolMode::Transaction) {
    // The bystander had no server of its own: it carries on.
    ASSERT_EQ(PQstatus(bystander.get()), CONNECTION_OK);
    bool to = false;
    auto r = wire::exec_bounded(bystander.get(), "SELECT 'survived'", 10s, &to);
    ASSERT_FALSE(to);
    EXPECT_TRUE(ResultIs(r, PGRES_TUPLES_OK)) << proxy_log();
  }
}

TEST_P(ServerCrashTest, PostmasterKilledAndRestarted) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  wire::NoticeLog notices;
  notices.attach(c.get());
  auto bystander = connect();
  ASSERT_TRUE(ConnectionOk(bystander));
  EXPECT_EQ(query_value(bystander, "SELECT 1"), "1");
  uint16_t pg_port = crash_pg_->port();

  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  ASSERT_EQ(PQsendQuery(c.get(), "SELECT pg_sleep(30)"), 1);
  ASSERT_TRUE(wire::eventually(10s, [&] { return backend_state(pid) == "active"; }));
  crash_pg_->kill9();
  ASSERT_FALSE(crash_pg_->running());

  bool timed_out = false;
  auto results = get_all_results(c.get(), 20s, &timed_out);
  Outcome o = collect(c.get(), notices, timed_out, std::move(results));
  ASSERT_FALSE(o.timed_out) << o.describe() << proxy_log();
  EXPECT_EQ(o.status, PGRES_FATAL_ERROR) << o.describe();
  EXPECT_TRUE(o.saw_class_08()) << o.describe();
  EXPECT_EQ(o.conn_status, CONNECTION_BAD) << o.describe();

  // While the server is down, new clients fail (at login or at their first query), promptly.
  ASSERT_TRUE(wire::eventually(10s, [&] { return !port_accepts(pg_port); }));
  {
    auto t0 = Clock::now();
    auto d = wire::connect_verbose(conninfo(), 20s);
    bool failed = PQstatus(d.get()) != CONNECTION_OK;
    if (!failed) {
      bool to = false;
      auto r = wire::exec_bounded(d.get(), "SELECT 1", 20s, &to);
      EXPECT_FALSE(to) << "a query while the server is down hung" << proxy_log();
      failed = !r || PQresultStatus(r.get()) != PGRES_TUPLES_OK;
      if (r) {
        EXPECT_EQ(sqlstate_of(r.get()).substr(0, 2), "08") << describe_result(r.get());
      }
    } else {
      EXPECT_TRUE(contains(wire::error_text(d), "08")) << wire::error_text(d);
    }
    EXPECT_TRUE(failed);
    EXPECT_LT(seconds_since(t0), 20.0);
  }

  ASSERT_TRUE(crash_pg_->restart_on_same_port());
  ASSERT_EQ(crash_pg_->port(), pg_port);
  ASSERT_NO_FATAL_FAILURE(expect_recovered(30s));
  if (GetParam() == PoolMode::Transaction) {
    // Idle between transactions when the server died: its next query simply works.
    ASSERT_EQ(PQstatus(bystander.get()), CONNECTION_OK);
    bool to = false;
    auto r = wire::exec_bounded(bystander.get(), "SELECT 'survived'", 10s, &to);
    ASSERT_FALSE(to);
    EXPECT_TRUE(ResultIs(r, PGRES_TUPLES_OK)) << proxy_log();
  }
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(ServerCrashTest);

}  // namespace
}  // namespace sluice::testing
