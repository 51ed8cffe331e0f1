// The one-line start (`sluice proxy --listen ... --target ... --pool-mode ... --pool-size ...`):
// with no [users], the proxy looks up each client's secret with auth_query as the target URL's user
// and passes the client's credentials through. (Authentication in depth: auth_test.cc.)
#include <string>

#include <gtest/gtest.h>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

::testing::AssertionResult PasswordRejected(const PgConnPtr& c, const std::string& user) {
  if (PQstatus(c.get()) == CONNECTION_OK) return ::testing::AssertionFailure() << "login succeeded";
  std::string msg = PQerrorMessage(c.get());
  if (login_sqlstate(c.get()) != "28P01") {
    return ::testing::AssertionFailure() << "expected SQLSTATE 28P01 for " << user << ", got: " << msg;
  }
  return ::testing::AssertionSuccess();
}

class OneLineStartTest : public ProxyTest {};

TEST_F(OneLineStartTest, ServesClientsWithPassThroughAuth) {
  if (direct()) GTEST_SKIP() << "needs the proxy";
  uint16_t listen = free_port();
  proxy_ = std::make_unique<ProxyProcess>();
  ASSERT_TRUE(proxy_->start_args({"--listen", "127.0.0.1:" + std::to_string(listen), "--target",
                                  pg().url("postgres", "postgres", "testdb"), "--pool-mode", "transaction",
                                  "--pool-size", "20"},
                                 listen));
  mode_ = PoolMode::Transaction;
  {
    auto c = connect("scram_user", "scram_pass");
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    EXPECT_EQ(query_value(c, "SELECT current_user"), "scram_user");
    EXPECT_EQ(query_value(c, "SELECT current_database()"), "testdb");
  }
  {
    auto c = connect("md5_user", "md5_pass");
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    EXPECT_EQ(query_value(c, "SELECT current_user"), "md5_user");
  }
  EXPECT_TRUE(PasswordRejected(connect("scram_user", "wrong_pass"), "scram_user"));
  EXPECT_TRUE(PasswordRejected(connect("md5_user", "wrong_pass"), "md5_user"));
  // After failed logins the proxy still serves.
  auto c = connect("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(query_value(c, "SELECT 1"), "1");
}

}  // namespace
}  // namespace sluice::testing
