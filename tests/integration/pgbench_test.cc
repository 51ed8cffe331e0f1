// pgbench through the proxy: 8 clients x 200 transactions of the built-in TPC-B-like script, with
// each query protocol (simple, extended, prepared), in both pool modes.
#include <regex>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"
#include "tests/fixtures/subprocess.h"

namespace sluice::testing {
namespace {

constexpr int kClients = 8;
constexpr int kTransactionsPerClient = 200;

class PgbenchTest : public ProxyTest, public ::testing::WithParamInterface<std::tuple<PoolMode, std::string>> {
 protected:
  // Initialize the pgbench tables once, directly on PostgreSQL.
  static void SetUpTestSuite() {
    PgServer& pg = shared_pg();
    RunOptions o;
    o.timeout = std::chrono::seconds(120);
    o.env = {"PGPASSWORD=" + std::string(PgServer::kSuperuserPassword), "PGSSLMODE=disable"};
    RunResult r = run_command({pg.bin("pgbench"), "-i", "-s", "1", "-q", "-h", pg.host(), "-p",
                               std::to_string(pg.port()), "-U", PgServer::kSuperuser, "testdb"},
                              o);
    ASSERT_TRUE(r.ok()) << r.describe();
    pg.exec("GRANT SELECT, INSERT, UPDATE, DELETE ON pgbench_accounts, pgbench_branches, pgbench_tellers, "
            "pgbench_history TO scram_user");
  }

  void SetUp() override {
    ProxyTest::SetUp();
    PoolMode mode = std::get<0>(GetParam());
    // Session mode needs a server connection per client; transaction mode shares 4.
    ASSERT_NO_FATAL_FAILURE(start_proxy(mode, mode == PoolMode::Session ? kClients + 2 : 4));
  }
};

TEST_P(PgbenchTest, RunsAllTransactionsWithoutFailures) {
  const std::string& protocol = std::get<1>(GetParam());
  long history_before = std::stol(pg().query_value("SELECT count(*) FROM pgbench_history"));
  RunOptions o;
  o.timeout = std::chrono::seconds(150);
  o.env = {"PGPASSWORD=scram_pass", "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=15"};
  o.unset_env = {"PGOPTIONS", "PGSERVICE"};
  RunResult r = run_command({pg().bin("pgbench"), "-n", "-c", std::to_string(kClients), "-j", "2", "-t",
                             std::to_string(kTransactionsPerClient), "-M", protocol, "-h", "127.0.0.1", "-p",
                             std::to_string(port()), "-U", "scram_user", "testdb"},
                            o);
  ASSERT_FALSE(r.timed_out) << r.describe() << proxy_log();
  EXPECT_TRUE(r.status.success()) << r.describe() << proxy_log();
  const int expected = kClients * kTransactionsPerClient;
  std::smatch m;
  std::regex processed(R"(number of transactions actually processed: (\d+)/(\d+))");
  ASSERT_TRUE(std::regex_search(r.output, m, processed)) << r.describe();
  EXPECT_EQ(std::stoi(m[1]), expected) << r.output;
  EXPECT_EQ(std::stoi(m[2]), expected) << r.output;
  std::regex failed(R"(number of failed transactions: (\d+))");
  if (std::regex_search(r.output, m, failed)) {
    EXPECT_EQ(std::stoi(m[1]), 0) << r.output;
  }
  EXPECT_EQ(r.output.find("aborted"), std::string::npos) << r.output;
  // Every TPC-B-like transaction inserts one history row: the work really reached PostgreSQL.
  long history_after = std::stol(pg().query_value("SELECT count(*) FROM pgbench_history"));
  EXPECT_EQ(history_after - history_before, expected);
  // And the balances stay consistent: the sums over branches, tellers and accounts agree.
  auto sums = pg().query(
      "SELECT (SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(tbalance) FROM pgbench_tellers), "
      "(SELECT sum(abalance) FROM pgbench_accounts)");
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0][0], sums[0][1]);
  EXPECT_EQ(sums[0][0], sums[0][2]);
}

std::string pgbench_param_name(const ::testing::TestParamInfo<std::tuple<PoolMode, std::string>>& info) {
  std::string proto = std::get<1>(info.param);
  proto[0] = static_cast<char>(std::toupper(proto[0]));
  return (std::get<0>(info.param) == PoolMode::Session ? "Session" : "Transaction") + proto;
}

INSTANTIATE_TEST_SUITE_P(Modes, PgbenchTest,
                         ::testing::Combine(::testing::Values(PoolMode::Session, PoolMode::Transaction),
                                            ::testing::Values("simple", "extended", "prepared")),
                         pgbench_param_name);

}  // namespace
}  // namespace sluice::testing
