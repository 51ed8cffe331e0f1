// 500 concurrent clients on a transaction-mode pool of 10: every client gets served, and PostgreSQL
// (watched directly through pg_stat_activity) never sees more than 10 connections from the proxy.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/backend_monitor.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

constexpr int kClients = 500;
constexpr int kThreads = 10;
constexpr int kPoolSize = 10;
constexpr const char* kUser = "many_user";
constexpr const char* kPassword = "many_pass";

class ManyClientsTest : public ProxyTest {
 protected:
  static void SetUpTestSuite() {
    PgServer& pg = shared_pg();
    pg.exec("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'many_user') THEN "
            "SET LOCAL password_encryption = 'scram-sha-256'; "
            "CREATE ROLE many_user LOGIN PASSWORD 'many_pass'; END IF; END $$",
            "postgres");
    pg.exec("GRANT CONNECT ON DATABASE testdb TO many_user", "postgres");
  }
};

TEST_F(ManyClientsTest, FiveHundredClientsOnPoolOfTen) {
  ProxyOptions opts;
  opts.users.emplace_back(kUser, kPassword);
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, kPoolSize, opts));

  // Watch the server side directly, as superuser, for the whole test.
  BackendMonitor monitor(pg(), kUser);
  std::vector<PgConnPtr> conns(kClients);
  std::atomic<int> connected{0};
  std::atomic<int> queries_ok{0};
  std::atomic<bool> all_connected_seen{false};
  std::atomic<int> at_barrier{0};
  std::mutex mu;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& f) {
    std::lock_guard<std::mutex> lock(mu);
    if (failures.size() < 20) failures.push_back(f);
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  const std::string info = conninfo(kUser, kPassword);
  int max_during_all_connected = -1;

  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      const int per = kClients / kThreads;
      for (int i = t * per; i < (t + 1) * per; ++i) {
        if (std::chrono::steady_clock::now() > deadline) return fail("out of time while connecting");
        conns[i] = pg_connect(info);
        if (PQstatus(conns[i].get()) != CONNECTION_OK) {
          fail("client " + std::to_string(i) + " did not connect: " + PQerrorMessage(conns[i].get()));
          continue;
        }
        ++connected;
      }
      // Wait (bounded) until every thread has opened its clients, so all 500 are open at once.
      ++at_barrier;
      while (at_barrier.load() < kThreads && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      for (int round = 0; round < 3; ++round) {
        for (int i = t * per; i < (t + 1) * per; ++i) {
          PGconn* c = conns[i].get();
          if (c == nullptr || PQstatus(c) != CONNECTION_OK) continue;
          if (std::chrono::steady_clock::now() > deadline) return fail("out of time while querying");
          std::string v = std::to_string(i * 10 + round);
          auto r = pg_exec(c, "SELECT " + v + "::int");
          if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || std::string(PQgetvalue(r.get(), 0, 0)) != v) {
            fail("client " + std::to_string(i) + " simple query: " + describe_result(r.get()));
            continue;
          }
          auto b = pg_exec(c, "BEGIN; SELECT pg_sleep(0.001); COMMIT");
          if (PQresultStatus(b.get()) != PGRES_COMMAND_OK) {
            fail("client " + std::to_string(i) + " transaction: " + describe_result(b.get()));
            continue;
          }
          const char* p[1] = {v.c_str()};
          PgResultPtr e(PQexecParams(c, "SELECT $1::int + 1", 1, nullptr, p, nullptr, nullptr, 0));
          if (PQresultStatus(e.get()) != PGRES_TUPLES_OK ||
              std::string(PQgetvalue(e.get(), 0, 0)) != std::to_string(i * 10 + round + 1)) {
            fail("client " + std::to_string(i) + " extended query: " + describe_result(e.get()));
            continue;
          }
          ++queries_ok;
        }
      }
    });
  }
  // While every client is connected, sample the server side once more from here.
  while (at_barrier.load() < kThreads && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (connected.load() == kClients) {
    all_connected_seen = true;
    max_during_all_connected = std::stoi(pg().query_value(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'many_user' AND backend_type = 'client backend'"));
  }
  for (auto& w : workers) w.join();
  monitor.stop();

  for (const auto& f : failures) ADD_FAILURE() << f;
  ASSERT_EQ(monitor.error(), "");
  EXPECT_EQ(connected.load(), kClients);
  EXPECT_TRUE(all_connected_seen.load());
  EXPECT_EQ(queries_ok.load(), kClients * 3);
  EXPECT_GT(monitor.samples(), 0);
  EXPECT_GT(monitor.max_seen(), 0) << "the monitor never saw a server connection";
  if (direct()) {
    // Without the proxy every client is its own backend: proves the monitor counts the right rows.
    EXPECT_GE(max_during_all_connected, kClients);
  } else {
    EXPECT_LE(monitor.max_seen(), kPoolSize) << "PostgreSQL saw more connections than the pool size";
    EXPECT_LE(max_during_all_connected, kPoolSize);
  }
  conns.clear();
}

}  // namespace
}  // namespace sluice::testing
