// LISTEN/NOTIFY through the proxy in session mode (a listener keeps its server connection, and the
// proxy must forward notifications that arrive while the client is idle).
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

struct NotifyDeleter {
  void operator()(PGnotify* n) const { PQfreemem(n); }
};
using NotifyPtr = std::unique_ptr<PGnotify, NotifyDeleter>;

// Waits (bounded) for the next notification on an idle connection.
NotifyPtr wait_notify(PGconn* c, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (PQconsumeInput(c) != 1) {
      ADD_FAILURE() << "connection broke while waiting for a notification: " << PQerrorMessage(c);
      return nullptr;
    }
    if (PGnotify* n = PQnotifies(c)) return NotifyPtr(n);
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return nullptr;
    wait_readable(c, std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                              std::chrono::milliseconds(100)));
  }
}

class ListenNotifyTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 10));
  }
};

TEST_F(ListenNotifyTest, IdleListenerReceivesNotificationWithPayload) {
  auto listener = connect();
  auto notifier = connect();
  ASSERT_TRUE(ConnectionOk(listener));
  ASSERT_TRUE(ConnectionOk(notifier));
  ASSERT_TRUE(ResultIs(pg_exec(listener, "LISTEN sluice_chan"), PGRES_COMMAND_OK));
  std::string notifier_pid = query_value(notifier, "SELECT pg_backend_pid()");
  ASSERT_TRUE(ResultIs(pg_exec(notifier, "NOTIFY sluice_chan, 'hello payload'"), PGRES_COMMAND_OK));
  NotifyPtr n = wait_notify(listener.get(), std::chrono::seconds(5));
  ASSERT_NE(n, nullptr) << "no notification within 5 s";
  EXPECT_STREQ(n->relname, "sluice_chan");
  EXPECT_STREQ(n->extra, "hello payload");
  EXPECT_EQ(std::to_string(n->be_pid), notifier_pid);
  EXPECT_EQ(wait_notify(listener.get(), std::chrono::milliseconds(200)), nullptr) << "duplicate notification";
  // The listener still answers queries.
  EXPECT_EQ(query_value(listener, "SELECT 'alive'"), "alive");
}

TEST_F(ListenNotifyTest, NotificationsArriveInOrderAndOnlyAfterCommit) {
  auto listener = connect();
  auto notifier = connect();
  ASSERT_TRUE(ConnectionOk(listener));
  ASSERT_TRUE(ConnectionOk(notifier));
  ASSERT_TRUE(ResultIs(pg_exec(listener, "LISTEN ordered_chan"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(notifier, "BEGIN"), PGRES_COMMAND_OK));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ResultIs(pg_exec(notifier, "SELECT pg_notify('ordered_chan', 'msg " + std::to_string(i) + "')"),
                         PGRES_TUPLES_OK));
  }
  EXPECT_EQ(wait_notify(listener.get(), std::chrono::milliseconds(500)), nullptr) << "delivered before COMMIT";
  ASSERT_TRUE(ResultIs(pg_exec(notifier, "COMMIT"), PGRES_COMMAND_OK));
  for (int i = 0; i < 5; ++i) {
    NotifyPtr n = wait_notify(listener.get(), std::chrono::seconds(5));
    ASSERT_NE(n, nullptr) << "notification " << i << " missing";
    EXPECT_EQ(std::string(n->extra), "msg " + std::to_string(i));
  }
  // A rolled-back NOTIFY is never delivered.
  ASSERT_TRUE(ResultIs(pg_exec(notifier, "BEGIN; NOTIFY ordered_chan, 'rolled back'; ROLLBACK"), PGRES_COMMAND_OK));
  EXPECT_EQ(wait_notify(listener.get(), std::chrono::milliseconds(500)), nullptr);
}

TEST_F(ListenNotifyTest, NotificationDuringListenersQueryAndUnlisten) {
  auto listener = connect();
  auto notifier = connect();
  ASSERT_TRUE(ConnectionOk(listener));
  ASSERT_TRUE(ConnectionOk(notifier));
  ASSERT_TRUE(ResultIs(pg_exec(listener, "LISTEN busy_chan"), PGRES_COMMAND_OK));
  ASSERT_EQ(PQsendQuery(listener.get(), "SELECT pg_sleep(0.5), 'query result'"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(ResultIs(pg_exec(notifier, "NOTIFY busy_chan, 'while busy'"), PGRES_COMMAND_OK));
  bool timed_out = false;
  auto results = get_all_results(listener.get(), std::chrono::seconds(10), &timed_out);
  ASSERT_FALSE(timed_out);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(ResultIs(results[0], PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(results[0].get(), 0, 1), "query result");
  NotifyPtr n = wait_notify(listener.get(), std::chrono::seconds(5));
  ASSERT_NE(n, nullptr);
  EXPECT_STREQ(n->extra, "while busy");

  ASSERT_TRUE(ResultIs(pg_exec(listener, "UNLISTEN busy_chan"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(notifier, "NOTIFY busy_chan, 'after unlisten'"), PGRES_COMMAND_OK));
  EXPECT_EQ(wait_notify(listener.get(), std::chrono::milliseconds(500)), nullptr);
}

TEST_F(ListenNotifyTest, ListenDoesNotLeakToTheNextClient) {
  // With a pool of 1 (and one worker) the next client gets the same server connection; it must not
  // inherit LISTEN.
  ProxyOptions one_worker;
  one_worker.workers = 1;
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 1, one_worker));
  {
    auto first = connect();
    ASSERT_TRUE(ConnectionOk(first));
    ASSERT_TRUE(ResultIs(pg_exec(first, "LISTEN leak_chan"), PGRES_COMMAND_OK));
  }
  auto second = connect();
  ASSERT_TRUE(ConnectionOk(second));
  EXPECT_EQ(query_value(second, "SELECT count(*) FROM pg_listening_channels()"), "0");
  ASSERT_TRUE(ResultIs(pg_exec(second, "NOTIFY leak_chan, 'x'"), PGRES_COMMAND_OK));
  EXPECT_EQ(wait_notify(second.get(), std::chrono::milliseconds(500)), nullptr);
}

}  // namespace
}  // namespace sluice::testing
