// The workload store: with [proxy] data_dir set, the merged statistics are written to RocksDB
// each flush interval and loaded again at start, so a restart keeps the all-time totals: after
// SIGTERM (the last flush happens on the way out) and after SIGKILL (at most the last interval
// is lost; nothing when the last query is older than that). A data dir that cannot be used
// stops the proxy at start with an error naming it.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/temp_dir.h"
#include "tests/integration/observe_helpers.h"

namespace sluice::testing::observe {
namespace {

using wire::Clock;
using wire::contains;

class ObservePersistenceTest : public ObserveProxyTest {
 protected:
  void SetUp() override {
    ObserveProxyTest::SetUp();
    if (IsSkipped()) return;
    store_parent_ = std::make_unique<TempDir>("sluice-store");
    data_dir_ = store_parent_->file("data");
  }

  ProxyOptions options_with_store() const {
    ProxyOptions o;
    o.proxy["data_dir"] = toml_string(data_dir_);
    return o;
  }
  void start_with_store() { ASSERT_NO_FATAL_FAILURE(start_observed({}, PoolMode::Transaction, 4, options_with_store())); }

  // n prepared calls of one statement and m simple calls of another through one connection.
  void run_workload(int prepared_calls, int simple_calls) {
    auto c = connect();
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    for (int i = 0; i < prepared_calls; ++i) {
      auto r = pg_exec_params(c.get(), "SELECT $1::int + 1 AS persisted_prepared", {std::to_string(i)});
      ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK)) << proxy_log();
    }
    for (int i = 0; i < simple_calls; ++i) {
      ASSERT_TRUE(ResultIs(pg_exec(c, "SELECT " + std::to_string(i) + " AS persisted_simple"), PGRES_TUPLES_OK));
    }
    last_query_ = Clock::now();
  }

  // Waits until /api/v1/queries shows these call counts (5 s); returns the last body.
  json wait_calls(int64_t prepared, int64_t simple) {
    return poll_queries([&](const json& b) {
      return calls_of(b, "persisted_prepared") == prepared && calls_of(b, "persisted_simple") == simple;
    });
  }

  // Closes nothing itself: the caller drops its clients first. SIGTERM, then wait for exit 0.
  void sigterm_and_wait() {
    ASSERT_TRUE(proxy_->send_signal(SIGTERM));
    auto st = proxy_->wait_exit(std::chrono::seconds(20));
    ASSERT_TRUE(st.has_value()) << "no exit within 20 s of SIGTERM" << proxy_log();
    EXPECT_TRUE(st->success()) << st->describe() << proxy_log();
  }

  void sigkill_and_wait() {
    ASSERT_TRUE(proxy_->send_signal(SIGKILL));
    auto st = proxy_->wait_exit(std::chrono::seconds(10));
    ASSERT_TRUE(st.has_value()) << "still running after SIGKILL";
    EXPECT_FALSE(st->exited);
    EXPECT_EQ(st->signal, SIGKILL);
  }

  // A new proxy process (new ports) on the same data dir; the old one must have ended.
  void restart() {
    last_log_ = proxy_ ? proxy_->log() : "";
    stop_proxy();  // it has ended already: only the log is checked
    ASSERT_NO_FATAL_FAILURE(start_with_store());
  }

  std::unique_ptr<TempDir> store_parent_;
  std::string data_dir_;
  Clock::time_point last_query_;
  std::string last_log_;
};

TEST_F(ObservePersistenceTest, TotalsSurviveSigterm) {
  ASSERT_NO_FATAL_FAILURE(start_with_store());
  ASSERT_NO_FATAL_FAILURE(run_workload(300, 40));
  json before = wait_calls(300, 40);
  ASSERT_EQ(calls_of(before, "persisted_prepared"), 300) << before.dump(2) << proxy_log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // at least one store write since
  // More queries right before the signal: the last flush on the way out must write them too.
  ASSERT_NO_FATAL_FAILURE(run_workload(25, 5));
  auto q_before = find_query(before["queries"], "query", "persisted_prepared");
  ASSERT_TRUE(q_before.has_value()) << before.dump(2);
  const std::string fp_before = q_before->value("fingerprint", "");
  ASSERT_NO_FATAL_FAILURE(sigterm_and_wait());
  EXPECT_TRUE(std::filesystem::exists(data_dir_)) << "no store folder at " << data_dir_;

  ASSERT_NO_FATAL_FAILURE(restart());
  json after = get_json("/api/v1/queries?order_by=calls&limit=100");
  EXPECT_EQ(calls_of(after, "persisted_prepared"), 325)
      << "300 calls were flushed before SIGTERM and 25 more were made just before it:\n"
      << after.dump(2) << "\nlog of the first run:\n" << last_log_ << proxy_log();
  EXPECT_EQ(calls_of(after, "persisted_simple"), 45) << after.dump(2);
  auto q = find_query(after["queries"], "query", "persisted_prepared");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->value("fingerprint", ""), fp_before);
  EXPECT_EQ(q->value("database", ""), "testdb");
  EXPECT_EQ(q->value("user", ""), "scram_user");
  EXPECT_GT(jnum(*q, "p50_ms"), 0.0) << "the latency histogram was not kept";
  EXPECT_GT(jnum(*q, "total_ms"), 0.0);

  // The admin console reads the same totals, and new calls add to them.
  auto adm = admin();
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();
  Table t = admin_query(adm, "SHOW QUERIES ORDER BY calls LIMIT 10");
  ASSERT_TRUE(t.ok()) << t.describe();
  auto rows = t.where({{"fingerprint", fp_before}});
  ASSERT_EQ(rows.size(), 1u) << t.describe();
  EXPECT_EQ(integer(rows[0].at("calls")), 325);
  ASSERT_NO_FATAL_FAILURE(run_workload(10, 0));
  json more = wait_calls(335, 45);
  EXPECT_EQ(calls_of(more, "persisted_prepared"), 335) << more.dump(2);
  // The minute series came back too: the workload since 0 counts every call.
  json wl = get_json("/api/v1/workload?since=0");
  auto wq = find_query(wl["summary"].value("queries", json::array()), "text", "persisted_prepared");
  ASSERT_TRUE(wq.has_value()) << wl.dump(2).substr(0, 4000);
  EXPECT_EQ(wq->value("calls", -1), 335);
}

TEST_F(ObservePersistenceTest, TotalsSurviveSigkillAfterAFlush) {
  ASSERT_NO_FATAL_FAILURE(start_with_store());
  ASSERT_NO_FATAL_FAILURE(run_workload(400, 60));
  json before = wait_calls(400, 60);
  ASSERT_EQ(calls_of(before, "persisted_prepared"), 400) << before.dump(2) << proxy_log();
  // flush_interval is 1 s: 1.5 s after the last query its calls are merged and written.
  auto since_last = Clock::now() - last_query_;
  if (since_last < std::chrono::milliseconds(1600)) std::this_thread::sleep_for(std::chrono::milliseconds(1600) - since_last);
  PromParse m = get_metrics();
  auto writes = m.value("sluice_store_writes_total");
  EXPECT_TRUE(writes && *writes > 0) << "no store write reported before the kill";
  ASSERT_NO_FATAL_FAILURE(sigkill_and_wait());

  ASSERT_NO_FATAL_FAILURE(restart());
  json after = get_json("/api/v1/queries?order_by=calls&limit=100");
  EXPECT_EQ(calls_of(after, "persisted_prepared"), 400)
      << "all calls were flushed before kill -9:\n" << after.dump(2) << "\nlog of the first run:\n"
      << last_log_ << proxy_log();
  EXPECT_EQ(calls_of(after, "persisted_simple"), 60) << after.dump(2);
  EXPECT_EQ(after.value("total_calls", int64_t(-1)), 460) << after.dump(2);
  PromParse m2 = get_metrics();
  EXPECT_EQ(m2.value("sluice_queries_total"), std::optional<double>(460));
}

TEST_F(ObservePersistenceTest, LockedDataDirStopsTheSecondProxy) {
  ASSERT_NO_FATAL_FAILURE(start_with_store());
  ASSERT_NO_FATAL_FAILURE(run_workload(5, 0));
  // A second proxy on the same data dir while the first runs: the store is locked.
  ProxyProcess second;
  uint16_t listen = free_port();
  ProxyOptions o = options_with_store();
  o.extra = observe_toml({});
  auto started = second.start(proxy_toml(pg(), PoolMode::Transaction, 4, listen, o), listen);
  ASSERT_FALSE(started) << "a second proxy started on a data dir in use";
  auto st = second.wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(st.has_value()) << "the second proxy neither listened nor exited";
  EXPECT_FALSE(st->success()) << st->describe();
  std::string log = second.log();
  EXPECT_TRUE(contains(log, data_dir_)) << "the error does not name the data dir " << data_dir_ << ":\n" << log;
  EXPECT_FALSE(port_accepts(listen));
  // The first one is unharmed.
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  EXPECT_EQ(query_value(c, "SELECT 'first still serves'"), "first still serves");
}

TEST_F(ObservePersistenceTest, UnusableDataDirStopsTheProxy) {
  // A path below a regular file can never be created, not even by root.
  std::string file = store_parent_->write_file("not_a_directory", "x");
  data_dir_ = file + "/store";
  ProxyProcess p;
  uint16_t listen = free_port();
  ProxyOptions o = options_with_store();
  o.extra = observe_toml({});
  auto t0 = Clock::now();
  auto started = p.start(proxy_toml(pg(), PoolMode::Transaction, 4, listen, o), listen);
  ASSERT_FALSE(started) << "the proxy started with data_dir " << data_dir_;
  auto st = p.wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->exited && st->code != 0) << st->describe();
  EXPECT_LT(wire::seconds_since(t0), 10.0);
  std::string log = p.log();
  EXPECT_TRUE(contains(log, data_dir_)) << "the error does not name the data dir " << data_dir_ << ":\n" << log;
  EXPECT_FALSE(port_accepts(listen));
}

}  // namespace
}  // namespace sluice::testing::observe
