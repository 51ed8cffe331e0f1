// The admin console's SHOW tables (sums over workers, orders, limits, columns) and their
// encoding as RowDescription / DataRow / CommandComplete, decoded back from the wire bytes.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "proxy/admin/result_set.h"
#include "proxy/admin/show_tables.h"
#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/codec/protocol.h"

namespace sluice::proxy::admin {
namespace {

using observe::ClientLive;
using observe::LiveState;
using observe::PoolLive;
using observe::ServerLive;

// 2023-11-14 22:13:20 UTC
constexpr int64_t kT0 = 1'700'000'000'000;

std::vector<std::string> names(const ResultSet& rs) {
  std::vector<std::string> out;
  for (const Column& c : rs.columns) out.push_back(c.name);
  return out;
}

// The cell as text; "<null>" for NULL, "<missing>" for an unknown column.
std::string at(const ResultSet& rs, std::size_t row, std::string_view column) {
  if (rs.column_index(column) < 0) return "<missing>";
  Cell c = rs.cell(row, column);
  return c ? *c : "<null>";
}

void expect_rectangular(const ResultSet& rs) {
  for (std::size_t r = 0; r < rs.rows.size(); ++r) EXPECT_EQ(rs.rows[r].size(), rs.columns.size()) << "row " << r;
}

PoolLive pool(std::string db, std::string user, int cl_active, int cl_waiting, int sv_active, int sv_idle,
              int sv_login, double maxwait_ms, bool paused = false) {
  PoolLive p;
  p.database = std::move(db);
  p.user = std::move(user);
  p.pool_mode = "transaction";
  p.pool_size = 20;
  p.cl_active = cl_active;
  p.cl_waiting = cl_waiting;
  p.sv_active = sv_active;
  p.sv_idle = sv_idle;
  p.sv_login = sv_login;
  p.maxwait_ms = maxwait_ms;
  p.paused = paused;
  return p;
}

LiveState two_workers() {
  LiveState live;
  live.pools.push_back(pool("shop", "app", 3, 1, 3, 2, 0, 1500.25));        // worker 0
  live.pools.push_back(pool("crm", "app", 1, 0, 1, 0, 1, 0));               // worker 0
  live.pools.push_back(pool("shop", "app", 4, 2, 4, 1, 1, 250.0, true));    // worker 1
  live.pools.push_back(pool("shop", "admin", 0, 0, 0, 1, 0, 0));            // worker 1

  ClientLive c1;
  c1.id = 0x2a;
  c1.worker = 1;
  c1.user = "app";
  c1.database = "shop";
  c1.state = "waiting";
  c1.addr = "10.0.0.7";
  c1.port = 51234;
  c1.connect_time_ms = kT0;
  c1.request_time_ms = kT0 + 61'000;
  c1.wait_ms = 2003.5;
  c1.tls = true;
  c1.application_name = "psql";
  ClientLive c2;
  c2.id = 7;
  c2.user = "app";
  c2.database = "crm";
  c2.state = "active";
  c2.addr = "10.0.0.8";
  c2.port = 40000;
  c2.connect_time_ms = kT0;
  c2.server_id = 0x100;
  live.clients = {c1, c2};  // out of id order on purpose

  ServerLive s1;
  s1.id = 0x100;
  s1.user = "app";
  s1.database = "crm";
  s1.state = "active";
  s1.addr = "db.internal";
  s1.port = 5432;
  s1.connect_time_ms = kT0;
  s1.backend_pid = 4242;
  s1.client_id = 7;
  ServerLive s2 = s1;
  s2.id = 0x101;
  s2.database = "shop";
  s2.state = "idle";
  s2.client_id = 0;
  ServerLive s3 = s2;
  s3.id = 0x102;
  ServerLive s4 = s2;
  s4.id = 0x103;
  s4.database = "auto_db";  // only reachable through "*"
  live.servers = {s4, s3, s2, s1};
  return live;
}

TEST(ShowPoolsTest, AddsUpTheWorkersRowsOfOnePool) {
  ResultSet rs = show_pools(two_workers());
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), (std::vector<std::string>{"database", "user", "cl_active", "cl_waiting",
                                                 "cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active",
                                                 "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used",
                                                 "sv_tested", "sv_login", "maxwait", "maxwait_us", "pool_mode",
                                                 "paused"}));
  ASSERT_EQ(rs.rows.size(), 3u);
  // Sorted by database, then user.
  EXPECT_EQ(at(rs, 0, "database"), "crm");
  EXPECT_EQ(at(rs, 1, "database"), "shop");
  EXPECT_EQ(at(rs, 1, "user"), "admin");
  EXPECT_EQ(at(rs, 2, "database"), "shop");
  EXPECT_EQ(at(rs, 2, "user"), "app");
  // shop/app: the two workers' rows added up.
  EXPECT_EQ(at(rs, 2, "cl_active"), "7");
  EXPECT_EQ(at(rs, 2, "cl_waiting"), "3");
  EXPECT_EQ(at(rs, 2, "sv_active"), "7");
  EXPECT_EQ(at(rs, 2, "sv_idle"), "3");
  EXPECT_EQ(at(rs, 2, "sv_login"), "1");
  EXPECT_EQ(at(rs, 2, "maxwait"), "1");        // the larger wait, 1500.25 ms
  EXPECT_EQ(at(rs, 2, "maxwait_us"), "500250");
  EXPECT_EQ(at(rs, 2, "paused"), "1");
  EXPECT_EQ(at(rs, 2, "pool_mode"), "transaction");
  EXPECT_EQ(at(rs, 2, "cl_active_cancel_req"), "0");
  EXPECT_EQ(at(rs, 0, "sv_login"), "1");
  EXPECT_EQ(at(rs, 0, "maxwait"), "0");
  EXPECT_EQ(at(rs, 0, "maxwait_us"), "0");
  EXPECT_EQ(at(rs, 0, "paused"), "0");
  EXPECT_EQ(rs.columns[size_t(rs.column_index("cl_active"))].type_oid, kInt8Oid);
  EXPECT_EQ(rs.columns[size_t(rs.column_index("database"))].type_oid, kTextOid);
  EXPECT_EQ(rs.command_tag, "SHOW");
}

TEST(ShowPoolsTest, EmptyLiveStateGivesNoRows) {
  ResultSet rs = show_pools(LiveState{});
  EXPECT_EQ(rs.columns.size(), 17u);
  EXPECT_TRUE(rs.rows.empty());
}

const std::vector<std::string> kConnectionColumns = {
    "type", "user", "database", "state", "addr", "port", "local_addr", "local_port", "connect_time",
    "request_time", "wait", "wait_us", "close_needed", "ptr", "link", "remote_pid", "tls", "application_name"};

TEST(ShowClientsTest, OneRowPerClientSortedById) {
  ResultSet rs = show_clients(two_workers());
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), kConnectionColumns);
  ASSERT_EQ(rs.rows.size(), 2u);
  EXPECT_EQ(at(rs, 0, "ptr"), "0x7");
  EXPECT_EQ(at(rs, 0, "link"), "0x100");
  EXPECT_EQ(at(rs, 0, "state"), "active");
  EXPECT_EQ(at(rs, 0, "request_time"), "<null>");  // unknown
  EXPECT_EQ(at(rs, 0, "tls"), "");
  EXPECT_EQ(at(rs, 1, "type"), "C");
  EXPECT_EQ(at(rs, 1, "user"), "app");
  EXPECT_EQ(at(rs, 1, "database"), "shop");
  EXPECT_EQ(at(rs, 1, "state"), "waiting");
  EXPECT_EQ(at(rs, 1, "addr"), "10.0.0.7");
  EXPECT_EQ(at(rs, 1, "port"), "51234");
  EXPECT_EQ(at(rs, 1, "connect_time"), "2023-11-14 22:13:20");
  EXPECT_EQ(at(rs, 1, "request_time"), "2023-11-14 22:14:21");
  EXPECT_EQ(at(rs, 1, "wait"), "2");
  EXPECT_EQ(at(rs, 1, "wait_us"), "3500");
  EXPECT_EQ(at(rs, 1, "ptr"), "0x2a");
  EXPECT_EQ(at(rs, 1, "link"), "");
  EXPECT_EQ(at(rs, 1, "remote_pid"), "0");
  EXPECT_EQ(at(rs, 1, "tls"), "TLS");
  EXPECT_EQ(at(rs, 1, "application_name"), "psql");
}

TEST(ShowServersTest, OneRowPerServerWithBackendPid) {
  ResultSet rs = show_servers(two_workers());
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), kConnectionColumns);
  ASSERT_EQ(rs.rows.size(), 4u);
  EXPECT_EQ(at(rs, 0, "type"), "S");
  EXPECT_EQ(at(rs, 0, "ptr"), "0x100");
  EXPECT_EQ(at(rs, 0, "link"), "0x7");
  EXPECT_EQ(at(rs, 0, "remote_pid"), "4242");
  EXPECT_EQ(at(rs, 0, "addr"), "db.internal");
  EXPECT_EQ(at(rs, 0, "port"), "5432");
  EXPECT_EQ(at(rs, 1, "ptr"), "0x101");
  EXPECT_EQ(at(rs, 1, "link"), "");
  EXPECT_EQ(at(rs, 3, "ptr"), "0x103");
  EXPECT_EQ(at(rs, 3, "wait"), "0");
}

common::Config sample_config() {
  common::Config config;
  common::DatabaseConfig shop;
  shop.name = "shop";
  shop.target.host = "db.internal";
  shop.target.port = 5433;
  shop.target.dbname = "shop_prod";
  shop.target.user = "owner";
  shop.target.password = "target-secret";
  shop.pool_size = 30;
  shop.force_user = true;
  common::DatabaseConfig crm;
  crm.name = "crm";
  crm.target.dbname = "crm";
  crm.pool_mode = common::PoolMode::Session;
  common::DatabaseConfig any;
  any.name = "*";
  any.target.host = "fallback";
  any.pool_size = 5;
  config.databases = {shop, crm, any};
  common::UserConfig user;
  user.name = "app";
  user.password = "user-secret";
  config.users = {user};
  return config;
}

TEST(ShowDatabasesTest, ConfiguredAndWildcardDatabasesWithConnections) {
  ResultSet rs = show_databases(sample_config(), two_workers());
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), (std::vector<std::string>{"name", "host", "port", "database", "force_user", "pool_size",
                                                 "min_pool_size", "reserve_pool", "pool_mode", "max_connections",
                                                 "current_connections", "paused", "disabled"}));
  ASSERT_EQ(rs.rows.size(), 4u);  // "*", auto_db (through "*"), crm, shop
  EXPECT_EQ(at(rs, 0, "name"), "*");
  EXPECT_EQ(at(rs, 0, "current_connections"), "0");
  EXPECT_EQ(at(rs, 1, "name"), "auto_db");
  EXPECT_EQ(at(rs, 1, "host"), "fallback");
  EXPECT_EQ(at(rs, 1, "database"), "auto_db");
  EXPECT_EQ(at(rs, 1, "pool_size"), "5");
  EXPECT_EQ(at(rs, 1, "current_connections"), "1");
  EXPECT_EQ(at(rs, 2, "name"), "crm");
  EXPECT_EQ(at(rs, 2, "pool_mode"), "session");
  EXPECT_EQ(at(rs, 2, "force_user"), "<null>");
  EXPECT_EQ(at(rs, 2, "current_connections"), "1");
  EXPECT_EQ(at(rs, 2, "paused"), "0");
  EXPECT_EQ(at(rs, 3, "name"), "shop");
  EXPECT_EQ(at(rs, 3, "host"), "db.internal");
  EXPECT_EQ(at(rs, 3, "port"), "5433");
  EXPECT_EQ(at(rs, 3, "database"), "shop_prod");
  EXPECT_EQ(at(rs, 3, "force_user"), "owner");
  EXPECT_EQ(at(rs, 3, "pool_size"), "30");
  EXPECT_EQ(at(rs, 3, "pool_mode"), "transaction");
  EXPECT_EQ(at(rs, 3, "current_connections"), "2");
  EXPECT_EQ(at(rs, 3, "paused"), "1");
  EXPECT_EQ(at(rs, 3, "disabled"), "0");
}

TEST(ShowDatabasesTest, WithoutWildcardOnlyConfiguredNames) {
  common::Config config = sample_config();
  config.databases.pop_back();  // drop "*"
  ResultSet rs = show_databases(config, two_workers());
  ASSERT_EQ(rs.rows.size(), 2u);
  EXPECT_EQ(at(rs, 0, "name"), "crm");
  EXPECT_EQ(at(rs, 1, "name"), "shop");
}

workload::QueryEvent event(uint64_t fp, double total_ms, std::string_view sqlstate = {}, std::string_view db = "shop",
                           std::string_view user = "app", std::string_view text = "SELECT $1") {
  workload::QueryEvent e;
  e.key = workload::QueryKeyRef(fp, db, user);
  e.normalized_text = text;
  e.total_ms = total_ms;
  e.wait_ms = total_ms / 4;
  e.server_ms = total_ms - e.wait_ms;
  e.rows = 2;
  e.sqlstate = sqlstate;
  e.bytes_in = 10;
  e.bytes_out = 20;
  e.at_ms = kT0;
  return e;
}

TEST(ShowStatsTest, PerDatabaseTotalsAndAverages) {
  workload::WorkloadTable t;
  workload::PoolStats& shop_app = t.pool({"shop", "app"});
  workload::PoolStats& shop_admin = t.pool({"shop", "admin"});
  workload::PoolStats& crm_app = t.pool({"crm", "app"});
  for (int i = 0; i < 10; ++i) {
    shop_app.record_transaction(kT0);
    shop_app.record_acquire(i < 5 ? 2.0 : 0.0, kT0);
    shop_app.record_query(3.0, false, 100, 1000, kT0);
    shop_app.record_query(1.0, false, 50, 500, kT0);
  }
  shop_admin.record_transaction(kT0);
  shop_admin.record_acquire(10.0, kT0);
  shop_admin.record_query(20.0, true, 30, 40, kT0);
  crm_app.record_query(0.5, false, 1, 2, kT0);

  ResultSet rs = show_stats(t, 10.0);
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), (std::vector<std::string>{"database", "total_xact_count", "total_query_count",
                                                 "total_received", "total_sent", "total_xact_time",
                                                 "total_query_time", "total_wait_time", "avg_xact_count",
                                                 "avg_query_count", "avg_recv", "avg_sent", "avg_xact_time",
                                                 "avg_query_time", "avg_wait_time"}));
  ASSERT_EQ(rs.rows.size(), 2u);
  EXPECT_EQ(at(rs, 0, "database"), "crm");
  EXPECT_EQ(at(rs, 0, "total_query_count"), "1");
  EXPECT_EQ(at(rs, 0, "total_query_time"), "500");
  EXPECT_EQ(at(rs, 0, "avg_wait_time"), "0");  // no acquisitions: no division by zero
  EXPECT_EQ(at(rs, 1, "database"), "shop");
  EXPECT_EQ(at(rs, 1, "total_xact_count"), "11");
  EXPECT_EQ(at(rs, 1, "total_query_count"), "21");
  EXPECT_EQ(at(rs, 1, "total_received"), "1530");
  EXPECT_EQ(at(rs, 1, "total_sent"), "15040");
  EXPECT_EQ(at(rs, 1, "total_xact_time"), "<null>");
  EXPECT_EQ(at(rs, 1, "total_query_time"), "60000");  // 40 ms + 20 ms
  EXPECT_EQ(at(rs, 1, "total_wait_time"), "20000");   // 5 × 2 ms + 10 ms
  EXPECT_EQ(at(rs, 1, "avg_xact_count"), "1");        // 11 / 10 s
  EXPECT_EQ(at(rs, 1, "avg_query_count"), "2");
  EXPECT_EQ(at(rs, 1, "avg_recv"), "153");
  EXPECT_EQ(at(rs, 1, "avg_sent"), "1504");
  EXPECT_EQ(at(rs, 1, "avg_query_time"), "2857");  // 60000 / 21
  EXPECT_EQ(at(rs, 1, "avg_wait_time"), "1818");   // 20000 / 11 acquisitions

  ResultSet no_uptime = show_stats(t, 0);
  EXPECT_EQ(at(no_uptime, 1, "avg_query_count"), "0");
  EXPECT_EQ(at(no_uptime, 1, "total_query_count"), "21");
}

TEST(ShowQueriesTest, OrdersLimitsAndFormats) {
  workload::WorkloadTable t;
  for (int i = 0; i < 3; ++i) t.record(event(0xabc, 2.0));                       // 3 calls, 6 ms
  t.record(event(0xdef, 50.0, "23505", "shop", "app", "INSERT INTO t VALUES ($1)"));  // 1 call, 50 ms, error
  for (int i = 0; i < 5; ++i) t.record(event(0x123, 0.5, {}, "crm", "bob"));      // 5 calls, 2.5 ms
  t.record(event(0, 1000.0));                                                      // the other row: never shown

  ResultSet rs = show_queries(t, workload::OrderBy::TotalTime, 20);
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), (std::vector<std::string>{"fingerprint", "database", "user", "calls", "total_time",
                                                 "mean_time", "min_time", "max_time", "p50", "p95", "p99", "rows",
                                                 "errors", "wait_time", "query"}));
  ASSERT_EQ(rs.rows.size(), 3u);
  EXPECT_EQ(at(rs, 0, "fingerprint"), "0000000000000def");
  EXPECT_EQ(at(rs, 0, "query"), "INSERT INTO t VALUES ($1)");
  EXPECT_EQ(at(rs, 0, "errors"), "1");
  EXPECT_EQ(at(rs, 0, "total_time"), "50.000");
  EXPECT_EQ(at(rs, 1, "fingerprint"), "0000000000000abc");
  EXPECT_EQ(at(rs, 1, "calls"), "3");
  EXPECT_EQ(at(rs, 1, "total_time"), "6.000");
  EXPECT_EQ(at(rs, 1, "mean_time"), "2.000");
  EXPECT_EQ(at(rs, 1, "min_time"), "2.000");
  EXPECT_EQ(at(rs, 1, "max_time"), "2.000");
  EXPECT_EQ(at(rs, 1, "p50"), "2.000");  // quantiles are clamped to [min, max]
  EXPECT_EQ(at(rs, 1, "p99"), "2.000");
  EXPECT_EQ(at(rs, 1, "rows"), "6");
  EXPECT_EQ(at(rs, 1, "errors"), "0");
  EXPECT_EQ(at(rs, 1, "wait_time"), "1.500");
  EXPECT_EQ(at(rs, 2, "database"), "crm");
  EXPECT_EQ(at(rs, 2, "user"), "bob");
  EXPECT_EQ(at(rs, 2, "mean_time"), "0.500");
  EXPECT_EQ(rs.columns[size_t(rs.column_index("total_time"))].type_oid, kNumericOid);
  EXPECT_EQ(rs.columns[size_t(rs.column_index("calls"))].type_oid, kInt8Oid);

  ResultSet by_calls = show_queries(t, workload::OrderBy::Calls, 2);
  ASSERT_EQ(by_calls.rows.size(), 2u);
  EXPECT_EQ(at(by_calls, 0, "fingerprint"), "0000000000000123");
  EXPECT_EQ(at(by_calls, 1, "fingerprint"), "0000000000000abc");

  ResultSet by_errors = show_queries(t, workload::OrderBy::Errors, 1);
  ASSERT_EQ(by_errors.rows.size(), 1u);
  EXPECT_EQ(at(by_errors, 0, "fingerprint"), "0000000000000def");

  EXPECT_EQ(show_queries(t, workload::OrderBy::MeanTime).rows.size(), 3u);
  EXPECT_TRUE(show_queries(workload::WorkloadTable{}, workload::OrderBy::TotalTime).rows.empty());
}

TEST(ShowQueriesTest, DefaultLimitIsTwenty) {
  workload::WorkloadTable t;
  for (uint64_t fp = 1; fp <= 30; ++fp) t.record(event(fp, double(fp)));
  ResultSet rs = show_queries(t, workload::OrderBy::TotalTime);
  ASSERT_EQ(rs.rows.size(), 20u);
  EXPECT_EQ(at(rs, 0, "fingerprint"), "000000000000001e");
  EXPECT_EQ(at(rs, 19, "fingerprint"), "000000000000000b");
}

TEST(ShowConfigTest, EverySettingWithDefaultAndNoSecrets) {
  common::Config config = sample_config();
  config.source = "/etc/sluice.toml";
  config.listen = {common::Endpoint{"0.0.0.0", 6432}, common::Endpoint{"::1", 6433}};
  config.workers = 4;
  config.timeouts.query_wait_timeout = 2.5;
  config.log_level = "debug";
  config.admin.http_token = "http-secret";
  ResultSet rs = show_config(config);
  expect_rectangular(rs);
  EXPECT_EQ(names(rs), (std::vector<std::string>{"key", "value", "default", "changeable"}));

  std::set<std::string> keys;
  auto row_of = [&](std::string_view key) -> int {
    for (std::size_t r = 0; r < rs.rows.size(); ++r) {
      if (at(rs, r, "key") == key) return int(r);
    }
    return -1;
  };
  for (std::size_t r = 0; r < rs.rows.size(); ++r) {
    EXPECT_TRUE(keys.insert(at(rs, r, "key")).second) << "duplicate key " << at(rs, r, "key");
    for (const Cell& c : rs.rows[r]) {
      ASSERT_TRUE(c.has_value());
      EXPECT_EQ(c->find("secret"), std::string::npos) << at(rs, r, "key") << " = " << *c;
    }
  }
  for (const char* key : {"proxy.listen", "proxy.workers", "auth.type", "auth.file", "proxy.max_client_conn",
                          "proxy.max_message_size", "timeouts.query_wait_timeout", "timeouts.server_connect_timeout",
                          "timeouts.server_idle_timeout", "timeouts.server_lifetime", "timeouts.client_idle_timeout",
                          "timeouts.client_login_timeout", "timeouts.shutdown_timeout", "tls.client_mode",
                          "tls.server_mode", "tls.client_cert", "tls.client_key", "tls.server_ca", "proxy.log_level",
                          "proxy.data_dir", "admin.http_token"}) {
    EXPECT_GE(row_of(key), 0) << key;
  }
  int r = row_of("timeouts.query_wait_timeout");
  ASSERT_GE(r, 0);
  EXPECT_EQ(at(rs, size_t(r), "value"), "2.5");
  EXPECT_EQ(at(rs, size_t(r), "default"), "120");
  EXPECT_EQ(at(rs, size_t(r), "changeable"), "yes");
  r = row_of("proxy.listen");
  EXPECT_EQ(at(rs, size_t(r), "value"), "0.0.0.0:6432, [::1]:6433");
  EXPECT_EQ(at(rs, size_t(r), "default"), "127.0.0.1:6432");
  EXPECT_EQ(at(rs, size_t(r), "changeable"), "no");
  r = row_of("proxy.workers");
  EXPECT_EQ(at(rs, size_t(r), "value"), "4");
  r = row_of("proxy.log_level");
  EXPECT_EQ(at(rs, size_t(r), "value"), "debug");
  EXPECT_EQ(at(rs, size_t(r), "default"), "info");
  r = row_of("auth.type");
  EXPECT_EQ(at(rs, size_t(r), "value"), "scram-sha-256");
  r = row_of("admin.http_token");
  EXPECT_EQ(at(rs, size_t(r), "value"), "********");
  EXPECT_EQ(at(rs, size_t(r), "default"), "");
  r = row_of("config_file");
  EXPECT_EQ(at(rs, size_t(r), "value"), "/etc/sluice.toml");
}

TEST(ShowVersionAndHelpTest, Rows) {
  ResultSet v = show_version();
  EXPECT_EQ(names(v), std::vector<std::string>{"version"});
  ASSERT_EQ(v.rows.size(), 1u);
  EXPECT_EQ(at(v, 0, "version"), "Sluice " + std::string(kSluiceVersion));
  EXPECT_EQ(at(show_version("9.9.9"), 0, "version"), "Sluice 9.9.9");

  ResultSet h = show_help();
  EXPECT_EQ(names(h), (std::vector<std::string>{"command", "description"}));
  expect_rectangular(h);
  std::set<std::string> commands;
  for (std::size_t r = 0; r < h.rows.size(); ++r) commands.insert(at(h, r, "command"));
  for (const char* c : {"SHOW POOLS", "SHOW CLIENTS", "SHOW SERVERS", "SHOW DATABASES", "SHOW STATS", "SHOW CONFIG",
                        "SHOW VERSION", "SHOW HELP", "RELOAD", "PAUSE [db]", "RESUME [db]"}) {
    EXPECT_TRUE(commands.contains(c)) << c;
  }
}

// What a client decodes from write_result_set's bytes.
struct Decoded {
  struct Field {
    std::string name;
    uint32_t type_oid = 0;
    int16_t type_len = 0;
    int16_t format = -1;
  };
  std::vector<char> types;  // message types in order
  std::vector<Field> fields;
  std::vector<Row> rows;
  std::string tag;
};

int32_t be32(std::string_view body, std::size_t& pos) {
  EXPECT_LE(pos + 4, body.size());
  int32_t v = int32_t(pg::read_be32(body.data() + pos));
  pos += 4;
  return v;
}

int16_t be16(std::string_view body, std::size_t& pos) {
  EXPECT_LE(pos + 2, body.size());
  int16_t v = int16_t(pg::read_be16(body.data() + pos));
  pos += 2;
  return v;
}

Decoded decode(std::string_view wire) {
  Decoded d;
  while (!wire.empty()) {
    pg::FrameResult fr = pg::next_frame(wire, 1 << 20);
    EXPECT_EQ(fr.status, pg::FrameStatus::Complete);
    if (fr.status != pg::FrameStatus::Complete) break;
    std::string_view body = fr.frame.body;
    std::size_t pos = 0;
    d.types.push_back(fr.frame.type);
    if (fr.frame.type == pg::be::kRowDescription) {
      int16_t n = be16(body, pos);
      for (int16_t i = 0; i < n; ++i) {
        Decoded::Field f;
        std::size_t nul = body.find('\0', pos);
        EXPECT_NE(nul, std::string_view::npos);
        f.name = std::string(body.substr(pos, nul - pos));
        pos = nul + 1;
        EXPECT_EQ(be32(body, pos), 0);  // table OID
        EXPECT_EQ(be16(body, pos), 0);  // attribute number
        f.type_oid = uint32_t(be32(body, pos));
        f.type_len = be16(body, pos);
        EXPECT_EQ(be32(body, pos), -1);  // type modifier
        f.format = be16(body, pos);
        d.fields.push_back(f);
      }
    } else if (fr.frame.type == pg::be::kDataRow) {
      int16_t n = be16(body, pos);
      Row row;
      for (int16_t i = 0; i < n; ++i) {
        int32_t len = be32(body, pos);
        if (len < 0) {
          row.push_back(std::nullopt);
        } else {
          row.push_back(std::string(body.substr(pos, std::size_t(len))));
          pos += std::size_t(len);
        }
      }
      d.rows.push_back(row);
    } else if (fr.frame.type == pg::be::kCommandComplete) {
      auto tag = pg::decode_command_complete(body);
      EXPECT_TRUE(tag.has_value());
      if (tag) d.tag = std::string(*tag);
      pos = body.size();
    }
    EXPECT_EQ(pos, body.size()) << "trailing bytes in message " << fr.frame.type;
    wire.remove_prefix(fr.frame.total);
  }
  return d;
}

TEST(WriteResultSetTest, RowDescriptionDataRowsAndCommandComplete) {
  ResultSet rs;
  rs.columns = {Column{"name", kTextOid}, Column{"count", kInt8Oid}, Column{"ms", kNumericOid}};
  rs.rows = {{"alpha", "1", "0.500"}, {std::nullopt, "-2", ""}, {"short row"}};
  std::string out = "prefix";  // appends, never replaces
  write_result_set(out, rs);
  ASSERT_EQ(out.substr(0, 6), "prefix");
  Decoded d = decode(std::string_view(out).substr(6));
  EXPECT_EQ(d.types, (std::vector<char>{'T', 'D', 'D', 'D', 'C'}));
  ASSERT_EQ(d.fields.size(), 3u);
  EXPECT_EQ(d.fields[0].name, "name");
  EXPECT_EQ(d.fields[0].type_oid, 25u);
  EXPECT_EQ(d.fields[0].type_len, -1);
  EXPECT_EQ(d.fields[1].name, "count");
  EXPECT_EQ(d.fields[1].type_oid, 20u);
  EXPECT_EQ(d.fields[1].type_len, 8);
  EXPECT_EQ(d.fields[2].type_oid, 1700u);
  for (const auto& f : d.fields) EXPECT_EQ(f.format, 0);
  ASSERT_EQ(d.rows.size(), 3u);
  EXPECT_EQ(d.rows[0], (Row{"alpha", "1", "0.500"}));
  EXPECT_EQ(d.rows[1], (Row{std::nullopt, "-2", ""}));  // NULL and empty string differ
  EXPECT_EQ(d.rows[2], (Row{"short row", std::nullopt, std::nullopt}));
  EXPECT_EQ(d.tag, "SHOW");
}

TEST(WriteResultSetTest, CommandWithoutRowsIsOnlyCommandComplete) {
  ResultSet rs;
  rs.command_tag = "RELOAD";
  std::string out;
  write_result_set(out, rs);
  Decoded d = decode(out);
  EXPECT_EQ(d.types, std::vector<char>{'C'});
  EXPECT_EQ(d.tag, "RELOAD");
}

TEST(WriteResultSetTest, ShowPoolsRoundTrips) {
  ResultSet rs = show_pools(two_workers());
  std::string out;
  write_result_set(out, rs);
  Decoded d = decode(out);
  ASSERT_EQ(d.fields.size(), rs.columns.size());
  for (std::size_t i = 0; i < rs.columns.size(); ++i) {
    EXPECT_EQ(d.fields[i].name, rs.columns[i].name);
    EXPECT_EQ(d.fields[i].type_oid, rs.columns[i].type_oid);
  }
  EXPECT_EQ(d.rows, rs.rows);
  EXPECT_EQ(d.tag, "SHOW");
}

}  // namespace
}  // namespace sluice::proxy::admin
