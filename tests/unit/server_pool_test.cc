// The protocol-agnostic pool: handing out, waiting, limits shared across workers, timeouts.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "proxy/pool/server_pool.h"

namespace sluice::proxy::pool {
namespace {

struct FakeServer : PooledServer {
  bool started = false;
  bool closed = false;
  std::string close_reason;
  void start() override { started = true; }
  void close_server(std::string_view reason) override {
    if (closed) return;
    closed = true;
    close_reason = std::string(reason);
    pool->on_server_gone(this);
  }
};

struct FakeWaiter : PoolWaiter {
  PooledServer* got = nullptr;
  std::string error;
  void on_server_assigned(PooledServer* s) override { got = s; }
  void on_pool_error(std::string_view, std::string_view message, bool) override { error = std::string(message); }
};

struct PoolHarness {
  uint64_t now = 1000;
  std::vector<std::unique_ptr<FakeServer>> servers;
  std::vector<std::string> freed;
  std::shared_ptr<PoolCapacity> capacity = std::make_shared<PoolCapacity>();
  std::unique_ptr<ServerPool> pool;

  explicit PoolHarness(int max, PoolSettings settings = {}) {
    capacity->max = max;
    pool = std::make_unique<ServerPool>(
        "db/user", capacity, settings,
        [this](ServerPool&) -> PooledServer* {
          servers.push_back(std::make_unique<FakeServer>());
          return servers.back().get();
        },
        [this](const std::string& key) { freed.push_back(key); }, [this] { return now; });
  }
};

TEST(ServerPool, OpensForWaitersUpToTheLimitAndHandsOutInOrder) {
  PoolHarness h(2);
  FakeWaiter a, b, c;
  EXPECT_EQ(h.pool->acquire(&a), nullptr);
  EXPECT_EQ(h.pool->acquire(&b), nullptr);
  EXPECT_EQ(h.pool->acquire(&c), nullptr);
  ASSERT_EQ(h.servers.size(), 2u);  // the limit
  EXPECT_TRUE(h.servers[0]->started);
  EXPECT_EQ(h.capacity->open.load(), 2);
  EXPECT_EQ(h.capacity->waiting.load(), 3);
  h.pool->on_server_ready(h.servers[0].get());
  EXPECT_EQ(a.got, h.servers[0].get());
  h.pool->on_server_ready(h.servers[1].get());
  EXPECT_EQ(b.got, h.servers[1].get());
  EXPECT_EQ(c.got, nullptr);
  h.pool->release(h.servers[0].get());  // back from a: goes to c
  EXPECT_EQ(c.got, h.servers[0].get());
  EXPECT_EQ(h.capacity->waiting.load(), 0);
  h.pool->release(h.servers[0].get());
  FakeWaiter d;
  EXPECT_EQ(h.pool->acquire(&d), h.servers[0].get());  // idle one, no new server
  EXPECT_EQ(h.servers.size(), 2u);
}

TEST(ServerPool, QueryWaitTimeoutFailsTheWaiter) {
  PoolSettings s;
  s.query_wait_timeout = 1;
  PoolHarness h(1, s);
  FakeWaiter a, b;
  h.pool->acquire(&a);
  h.pool->on_server_ready(h.servers[0].get());
  ASSERT_NE(a.got, nullptr);
  EXPECT_EQ(h.pool->acquire(&b), nullptr);
  h.now += 500;
  h.pool->janitor();
  EXPECT_TRUE(b.error.empty());
  h.now += 600;
  h.pool->janitor();
  EXPECT_NE(b.error.find("query_wait_timeout"), std::string::npos);
  EXPECT_EQ(h.capacity->waiting.load(), 0);
}

TEST(ServerPool, FailedConnectFailsWaitersWhenNothingElseCanServeThem) {
  PoolHarness h(3);
  FakeWaiter a;
  h.pool->acquire(&a);
  h.pool->on_server_failed(h.servers[0].get(), "08001", "connection refused");
  EXPECT_EQ(a.error, "connection refused");
  EXPECT_EQ(h.capacity->open.load(), 0);
}

TEST(ServerPool, IdleTimeoutAndLifetimeCloseServers) {
  PoolSettings s;
  s.server_idle_timeout = 10;
  s.server_lifetime = 100;
  PoolHarness h(2, s);
  FakeWaiter a;
  h.pool->acquire(&a);
  h.pool->on_server_ready(h.servers[0].get());
  h.pool->release(h.servers[0].get());
  h.now += 5000;
  h.pool->janitor();
  EXPECT_FALSE(h.servers[0]->closed);
  h.now += 6000;
  h.pool->janitor();
  EXPECT_TRUE(h.servers[0]->closed);
  EXPECT_EQ(h.capacity->open.load(), 0);
}

TEST(ServerPool, GivesIdleCapacityToAnotherWorkerThatWaits) {
  PoolSettings s;
  s.workers = 2;
  PoolHarness h(1, s);
  FakeWaiter a;
  h.pool->acquire(&a);
  h.pool->on_server_ready(h.servers[0].get());
  h.pool->release(h.servers[0].get());
  EXPECT_FALSE(h.servers[0]->closed);  // no churn at release time
  h.capacity->waiting = 1;             // a client on another worker waits
  h.pool->janitor();
  EXPECT_TRUE(h.servers[0]->closed);
  ASSERT_FALSE(h.freed.empty());
  EXPECT_EQ(h.freed.back(), "db/user");
}

}  // namespace
}  // namespace sluice::proxy::pool
