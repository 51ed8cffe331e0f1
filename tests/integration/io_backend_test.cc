// Each way a worker can do its sockets' I/O (proxy.io = "libuv" or "io_uring"), chosen
// explicitly: the proxy says which one it runs; a reader too slow for a big result makes the
// proxy stop reading the server and start again (on io_uring: cancel the receive, hold what it
// already took, deliver it first when reading resumes) without losing or reordering a row; and
// many clients on a small pool over two workers, which moves server connections between workers
// (on io_uring: cancel the receive and carry what it took to the other worker), each get their own
// answers.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;

// Whether this kernel lets a process set up an io_uring at all (seccomp and old kernels do not).
bool kernel_allows_io_uring() {
  io_uring_params params{};
  long fd = syscall(__NR_io_uring_setup, 4, &params);
  if (fd < 0) return false;
  close(int(fd));
  return true;
}

class IoBackendTest : public ProxyTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (GetParam() == "io_uring" && !kernel_allows_io_uring()) GTEST_SKIP() << "this kernel refuses io_uring";
  }
  // Starts the proxy with proxy.io set to the backend under test.
  void start(PoolMode mode, int pool_size, int workers) {
    ProxyOptions o;
    o.workers = workers;
    o.proxy["io"] = toml_string(GetParam());
    start_proxy(mode, pool_size, o);
  }
};

TEST_P(IoBackendTest, ProxySaysWhichBackendItRuns) {
  if (direct()) GTEST_SKIP() << "no proxy in direct mode";
  ASSERT_NO_FATAL_FAILURE(start(PoolMode::Transaction, 2, 2));
  EXPECT_NE(proxy_log().find("I/O on " + GetParam()), std::string::npos) << proxy_log();
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(query_value(c, "SELECT 40 + 2"), "42");
}

// About 53 MB of rows to a client that stops reading after the first row for 1.5 s: far more
// than the socket buffers and the proxy's 1 MiB high watermark, so the proxy pauses the server.
TEST_P(IoBackendTest, SlowReaderGetsEveryRowInOrder) {
  ASSERT_NO_FATAL_FAILURE(start(PoolMode::Transaction, 2, 2));
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  constexpr int kRows = 100000;
  ASSERT_EQ(PQsendQuery(c.get(), ("SELECT i, repeat(md5(i::text), 16) FROM generate_series(1, " +
                                  std::to_string(kRows) + ") i")
                                     .c_str()),
            1);
  ASSERT_EQ(PQsetSingleRowMode(c.get()), 1);
  int expected = 1;
  bool paused = false;
  std::string bad;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (true) {
    bool timed_out = false;
    PgResultPtr r = get_result_within(c.get(), 60s, &timed_out);
    ASSERT_FALSE(timed_out) << "no row after " << expected - 1 << proxy_log();
    if (!r) break;
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_TUPLES_OK) continue;  // the end of the rows
    ASSERT_EQ(st, PGRES_SINGLE_TUPLE) << describe_result(r.get());
    int i = std::atoi(PQgetvalue(r.get(), 0, 0));
    if (i != expected && bad.empty()) bad = "row " + std::to_string(expected) + " came as " + std::to_string(i);
    if (PQgetlength(r.get(), 0, 1) != 512 && bad.empty()) bad = "row " + std::to_string(i) + " has a cut value";
    ++expected;
    if (!paused) {
      paused = true;
      std::this_thread::sleep_for(1500ms);
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "reading took too long" << proxy_log();
  }
  EXPECT_EQ(bad, "");
  EXPECT_EQ(expected - 1, kRows);
  // The connection is still in step with its server afterwards.
  EXPECT_EQ(query_value(c, "SELECT 'after'"), "after");
}

// 24 clients on a pool of 3 over 2 workers, 150 transactions each, every answer checked against
// the value the client sent.
TEST_P(IoBackendTest, ClientsOnASmallPoolAcrossWorkersGetTheirOwnAnswers) {
  ASSERT_NO_FATAL_FAILURE(start(PoolMode::Transaction, 3, 2));
  constexpr int kClients = 24;
  constexpr int kQueries = 150;
  std::atomic<int> ok{0};
  std::mutex mu;
  std::vector<std::string> failures;
  const std::string info = conninfo();
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto fail = [&](const std::string& f) {
        std::lock_guard<std::mutex> lock(mu);
        if (failures.size() < 10) failures.push_back(f);
      };
      PgConnPtr c = pg_connect(info);
      if (PQstatus(c.get()) != CONNECTION_OK) return fail("client " + std::to_string(t) + ": " + PQerrorMessage(c.get()));
      for (int q = 0; q < kQueries; ++q) {
        if (std::chrono::steady_clock::now() > deadline) return fail("out of time");
        std::string v = std::to_string(t) + ":" + std::to_string(q);
        PgResultPtr r = pg_exec_params(c.get(), "SELECT $1::text || '!'", {v});
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return fail(v + ": " + describe_result(r.get()));
        std::string got = PQgetvalue(r.get(), 0, 0);
        if (got != v + "!") return fail(v + " got the answer " + got);
        ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(failures.empty()) << failures.front() << proxy_log();
  EXPECT_EQ(ok.load(), kClients * kQueries);
}

INSTANTIATE_TEST_SUITE_P(Io, IoBackendTest, ::testing::Values(std::string("libuv"), std::string("io_uring")),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sluice::testing
