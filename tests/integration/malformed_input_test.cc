// Bad bytes from clients, sent over raw TCP: broken startup packets, protocol violations after
// login, oversized messages and random noise. Each time the proxy answers with an ErrorResponse
// (08P01 for protocol violations), closes that connection and keeps serving everyone else.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;
using wire::contains;
using wire::RawConn;
using wire::ReadResult;

class MalformedInputTest : public ProxyTest, public ::testing::WithParamInterface<PoolMode> {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "checks the proxy's answers to malformed input";
    ProxyOptions o;
    o.auth_type = "trust";  // raw clients log in without a password exchange
    o.proxy["max_message_size"] = "4096";
    o.timeouts["client_login_timeout"] = "5";
    ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 4, o));
  }

  // Sends bytes on a fresh connection (nothing else) and returns what came back until close.
  ReadResult send_raw(const std::string& bytes) {
    RawConn c(port());
    EXPECT_TRUE(c.ok()) << c.error();
    c.send_all(bytes);
    return c.read_until_closed(10s);
  }

  // The proxy process is alive and a normal libpq client gets answers.
  void expect_proxy_serves() {
    ASSERT_TRUE(proxy()->running()) << proxy_log();
    auto c = connect("scram_user", "");
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    EXPECT_EQ(query_value(c, "SELECT 'still serving'"), "still serving");
  }

  // Logs in over raw TCP and checks a simple query works, ready for the bad message.
  void raw_login(RawConn& c) {
    ASSERT_TRUE(wire::raw_trust_login(c, "scram_user", "testdb"));
    ASSERT_TRUE(c.send_all(wire::query_message("SELECT 1")));
    auto msgs = c.read_until('Z', 10s);
    ASSERT_FALSE(msgs.empty());
    ASSERT_EQ(msgs.back().type, 'Z') << wire::describe_messages(msgs);
    ASSERT_FALSE(wire::first_error(msgs)) << wire::describe_messages(msgs);
  }
};

// ---- before login -------------------------------------------------------------------------------

TEST_P(MalformedInputTest, StartupLengthFour) {
  ReadResult r = send_raw(wire::be32(4));
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "protocol violation")) << proxy_log();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, StartupLengthZero) {
  ReadResult r = send_raw(wire::be32(0) + wire::be32(wire::kProtocol30));
  EXPECT_TRUE(wire::rejected_with(r, "08P01"));
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, StartupLengthOverTenThousand) {
  ReadResult r = send_raw(wire::be32(10001) + wire::be32(wire::kProtocol30) + std::string(100, 'a'));
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "protocol violation"));
  ReadResult huge = send_raw(wire::be32(0x7fffffff) + wire::be32(wire::kProtocol30));
  EXPECT_TRUE(wire::rejected_with(huge, "08P01"));
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, GarbageProtocolVersion) {
  ReadResult r = send_raw(wire::startup_packet({{"user", "scram_user"}}, 0x12345678));
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "protocol")) << r.describe();
  // Protocol 2.0, which PostgreSQL no longer speaks either.
  ReadResult v2 = send_raw(wire::startup_packet({{"user", "scram_user"}}, 0x00020000));
  EXPECT_TRUE(wire::rejected_with(v2, "08P01"));
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, UnterminatedStartupParameters) {
  std::string body = wire::be32(wire::kProtocol30) + "user" + std::string(1, '\0') + "scram_user";  // no NULs after
  ReadResult r = send_raw(wire::be32(uint32_t(body.size() + 4)) + body);
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "protocol violation"));
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, StartupWithoutUser) {
  ReadResult r = send_raw(wire::startup_packet({{"database", "testdb"}, {"application_name", "no_user"}}));
  EXPECT_TRUE(wire::rejected_with(r, "28000", "user")) << r.describe();
  ReadResult empty = send_raw(wire::startup_packet({{"user", ""}, {"database", "testdb"}}));
  EXPECT_TRUE(wire::rejected_with(empty, "28000")) << empty.describe();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, SslRequestFollowedByPlaintextInOnePacket) {
  ReadResult r = send_raw(wire::ssl_request() + wire::startup_packet({{"user", "scram_user"}, {"database", "testdb"}}));
  // No 'S'/'N' answer first: straight to the error.
  ASSERT_FALSE(r.data.empty()) << r.describe();
  EXPECT_EQ(r.data[0], 'E') << r.describe();
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "unencrypted data after SSL request"));
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, MalformedSslRequestLength) {
  ReadResult r = send_raw(wire::be32(12) + wire::be32(wire::kSslRequestCode) + wire::be32(0));
  EXPECT_TRUE(wire::rejected_with(r, "08P01"));
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

// ---- after login --------------------------------------------------------------------------------

TEST_P(MalformedInputTest, MessageLengthBelowFour) {
  RawConn c(port());
  ASSERT_NO_FATAL_FAILURE(raw_login(c));
  ASSERT_TRUE(c.send_all(std::string(1, 'Q') + wire::be32(2) + "xx"));
  ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "protocol violation")) << proxy_log();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, UnknownMessageType) {
  RawConn c(port());
  ASSERT_NO_FATAL_FAILURE(raw_login(c));
  ASSERT_TRUE(c.send_all(wire::message('y', "hello")));
  ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "protocol violation")) << proxy_log();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, BackendOnlyMessageTypeFromClient) {
  // 'Z' (ReadyForQuery) is something only servers send.
  RawConn c(port());
  ASSERT_NO_FATAL_FAILURE(raw_login(c));
  ASSERT_TRUE(c.send_all(wire::message('Z', "I")));
  ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "08P01")) << proxy_log();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, MalformedParseMessage) {
  RawConn c(port());
  ASSERT_NO_FATAL_FAILURE(raw_login(c));
  // A Parse body without its NUL terminators.
  ASSERT_TRUE(c.send_all(wire::message('P', "stmt_without_terminators")));
  ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "08P01")) << proxy_log();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, MessageLargerThanMaxMessageSize) {
  RawConn c(port());
  ASSERT_NO_FATAL_FAILURE(raw_login(c));
  // Below the limit (4096) a long query is fine.
  std::string literal(3000, 'a');
  ASSERT_TRUE(c.send_all(wire::query_message("SELECT length('" + literal + "')")));
  auto ok = c.read_until('Z', 10s);
  ASSERT_FALSE(wire::first_error(ok)) << wire::describe_messages(ok);
  bool saw_row = false;
  for (const auto& m : ok) saw_row = saw_row || (m.type == 'D' && contains(m.body, "3000"));
  EXPECT_TRUE(saw_row) << wire::describe_messages(ok);
  // 10 KB: refused. Sent in one go so that the proxy has read everything when it closes.
  std::string big = wire::query_message("SELECT '" + std::string(10 * 1024, 'b') + "'");
  ASSERT_TRUE(c.send_all(big));
  ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "08P01", "max_message_size")) << proxy_log();
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
}

TEST_P(MalformedInputTest, ProtocolErrorInsideTransactionRollsBack) {
  std::string table = unique_name("malformed_tx");
  pg().exec("CREATE TABLE " + table + " (v int); GRANT ALL ON " + table + " TO scram_user");
  RawConn c(port());
  ASSERT_NO_FATAL_FAILURE(raw_login(c));
  ASSERT_TRUE(c.send_all(wire::query_message("BEGIN; INSERT INTO " + table + " VALUES (1)")));
  auto msgs = c.read_until('Z', 10s);
  ASSERT_FALSE(msgs.empty());
  ASSERT_EQ(msgs.back().type, 'Z');
  ASSERT_EQ(msgs.back().body, "T") << "inside a transaction";
  ASSERT_TRUE(c.send_all(std::string(1, 'Q') + wire::be32(1)));
  ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "08P01"));
  // The server connection that held the transaction was not handed to anyone with it open:
  // the insert is gone and the table can be locked at once.
  EXPECT_TRUE(wire::eventually(10s, [&] {
    return pg().query_value("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
                            "AND usename = 'scram_user'") == "0";
  })) << proxy_log();
  auto d = connect("scram_user", "");
  ASSERT_TRUE(ConnectionOk(d));
  EXPECT_EQ(query_value(d, "SELECT count(*) FROM " + table), "0");
  ASSERT_TRUE(ResultIs(pg_exec(d, "BEGIN"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultIs(pg_exec(d, "LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE NOWAIT"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultIs(pg_exec(d, "ROLLBACK"), PGRES_COMMAND_OK));
  pg().exec("DROP TABLE " + table);
}

// ---- noise --------------------------------------------------------------------------------------

TEST_P(MalformedInputTest, RandomBytesDoNotHurtTheProxy) {
  std::mt19937 rng(20240611u + (GetParam() == PoolMode::Session ? 1u : 0u));
  auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& ch : s) ch = char(rng() & 0xff);
    return s;
  };
  auto pick = [&](uint32_t lo, uint32_t hi) { return lo + rng() % (hi - lo + 1); };
  int answered = 0;
  int closed = 0;
  for (int i = 0; i < 200; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i));
    RawConn c(port());
    ASSERT_TRUE(c.ok()) << c.error() << proxy_log();
    uint32_t variant = rng() % 5;
    std::string bytes;
    switch (variant) {
      case 0:  // pure noise
        bytes = random_bytes(pick(1, 300));
        break;
      case 1: {  // a plausible length, then noise
        uint32_t len = pick(8, 300);
        bytes = wire::be32(len) + random_bytes(pick(4, 300));
        break;
      }
      case 2: {  // protocol 3.0 with noise for parameters (consistent length)
        std::string body = wire::be32(wire::kProtocol30) + random_bytes(pick(0, 200));
        bytes = wire::be32(uint32_t(body.size() + 4)) + body;
        break;
      }
      case 3: {  // TLS requested, then noise instead of a ClientHello
        c.send_all(wire::ssl_request());
        c.read_byte(2000ms);
        bytes = random_bytes(pick(1, 400));
        break;
      }
      default: {  // logged in, then random frames
        if (!wire::raw_trust_login(c, "scram_user", "testdb")) {
          ADD_FAILURE() << "raw login failed at iteration " << i << proxy_log();
          break;
        }
        for (uint32_t f = pick(1, 4); f > 0; --f) {
          char type = char(rng() & 0xff);
          if (type == 'X' || type == 'Q' || type == 'P' || type == 'B' || type == 'E' || type == 'S' ||
              type == 'd' || type == 'c' || type == 'F' || type == 'H' || type == 'D' || type == 'C') {
            type = '~';  // keep to bytes that are not valid requests
          }
          bytes += std::string(1, type) + random_bytes(pick(0, 64));
        }
        break;
      }
    }
    c.send_all(bytes);
    ReadResult r = c.read_until_closed(150ms);
    if (!r.data.empty()) ++answered;
    if (r.closed) ++closed;
    if (i % 50 == 49) {
      ASSERT_TRUE(proxy()->running()) << "after iteration " << i << proxy_log();
    }
  }
  EXPECT_GT(closed, 50) << "the proxy closed few of the garbage connections (answered " << answered << ")";
  ASSERT_NO_FATAL_FAILURE(expect_proxy_serves());
  // Several clients at once, too (fewer than pool_size: session mode gives each its own server).
  std::vector<PgConnPtr> many;
  for (int i = 0; i < 3; ++i) {
    many.push_back(connect("scram_user", ""));
    ASSERT_TRUE(ConnectionOk(many.back()));
  }
  for (auto& m : many) EXPECT_EQ(query_value(m, "SELECT 2 + 2"), "4");
  EXPECT_TRUE(proxy()->log_is_clean());
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(MalformedInputTest);

}  // namespace
}  // namespace sluice::testing
