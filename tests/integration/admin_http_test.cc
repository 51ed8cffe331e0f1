// The admin HTTP listener ([admin] http_listen, or --admin-http on the one-line start): /healthz,
// the bearer token, /metrics in the Prometheus text format, /api/v1/pools, /api/v1/queries and
// /api/v1/workload. Spoken to with httplib::Client on 127.0.0.1 only.
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/fixtures/temp_dir.h"
#include "tests/integration/observe_helpers.h"

namespace sluice::testing::observe {
namespace {

using wire::Clock;
using wire::contains;

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AdminHttpTest : public ObserveProxyTest {
 protected:
  // n simple queries of one statement and one failing query, through one connection.
  void run_queries(int n) {
    auto c = connect();
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(ResultIs(pg_exec(c, "SELECT " + std::to_string(i) + " AS http_probe"), PGRES_TUPLES_OK));
    }
    ASSERT_TRUE(ResultHasSqlstate(pg_exec(c, "SELECT 1/0 AS http_fail"), "22012"));
  }
};

// The checker must be able to fail, or passing it means nothing.
TEST(PrometheusValidatorSelfTest, RejectsBrokenText) {
  const std::string good =
      "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"
      "# HELP h Durations.\n# TYPE h histogram\n"
      "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n";
  EXPECT_TRUE(parse_prometheus(good).errors.empty()) << parse_prometheus(good).error_text();
  const std::vector<std::pair<std::string, std::string>> bad{
      {"no TYPE", "# HELP a x\na 1\n"},
      {"bad name", "# HELP 1a x\n# TYPE 1a gauge\n1a 1\n"},
      {"bad value", "# HELP a x\n# TYPE a gauge\na one\n"},
      {"bad label", "# HELP a x\n# TYPE a gauge\na{x=1} 1\n"},
      {"negative counter", "# HELP a_total x\n# TYPE a_total counter\na_total -1\n"},
      {"not cumulative",
       "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
       "h_sum 1\nh_count 2\n"},
      {"no +Inf", "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n"},
      {"+Inf != count", "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"},
      {"split family", "# HELP a x\n# TYPE a gauge\na{k=\"1\"} 1\n# HELP b x\n# TYPE b gauge\nb 1\na{k=\"2\"} 1\n"},
      {"duplicate", "# HELP a x\n# TYPE a gauge\na 1\na 2\n"},
  };
  for (const auto& [what, text] : bad) EXPECT_FALSE(parse_prometheus(text).errors.empty()) << what;
}

TEST_F(AdminHttpTest, HealthzAndBearerToken) {
  const std::string token = "s3cret-http-token";
  ASSERT_NO_FATAL_FAILURE(start_observed(ObserveToml().with_token(token)));
  HttpResult health = http_get(http_port(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.describe();
  EXPECT_NO_THROW(json::parse(health.body)) << health.body;

  for (const std::string path : {"/metrics", "/api/v1/pools", "/api/v1/queries", "/api/v1/workload?since=0"}) {
    HttpResult none = http_get(http_port(), path);
    EXPECT_EQ(none.status, 401) << path << " without a token: " << none.describe();
    EXPECT_TRUE(contains(none.header("WWW-Authenticate"), "Bearer")) << path;
    HttpResult wrong = http_get(http_port(), path, "Bearer not-the-token");
    EXPECT_EQ(wrong.status, 401) << path << " with a wrong token: " << wrong.describe();
    HttpResult prefix = http_get(http_port(), path, "Bearer " + token.substr(0, token.size() - 1));
    EXPECT_EQ(prefix.status, 401) << path << " with a prefix of the token";
    HttpResult basic = http_get(http_port(), path, "Basic " + token);
    EXPECT_EQ(basic.status, 401) << path << " with another scheme";
    HttpResult right = http_get(http_port(), path, "Bearer " + token);
    EXPECT_EQ(right.status, 200) << path << " with the token: " << right.describe();
  }
  // Unknown paths are not revealed without the token.
  EXPECT_EQ(http_get(http_port(), "/no/such/path").status, 401);
  EXPECT_EQ(http_get(http_port(), "/no/such/path", "Bearer " + token).status, 404);
  // Only GET.
  httplib::Client cli("127.0.0.1", http_port());
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(10, 0);
  auto post = cli.Post("/metrics", httplib::Headers{{"Authorization", "Bearer " + token}}, "x", "text/plain");
  ASSERT_TRUE(post) << httplib::to_string(post.error());
  EXPECT_EQ(post->status, 405);
  EXPECT_FALSE(contains(proxy_->log(), token)) << "the token is in the log";
}

TEST_F(AdminHttpTest, MetricsIsValidPrometheusText) {
  ASSERT_NO_FATAL_FAILURE(start_observed(ObserveToml().with_flush_interval(0.2)));
  ASSERT_NO_FATAL_FAILURE(run_queries(25));
  json q = poll_queries([](const json& b) { return calls_of(b, "http_probe") == 25 && calls_of(b, "http_fail") == 1; });
  ASSERT_EQ(calls_of(q, "http_probe"), 25) << q.dump(2) << proxy_log();

  HttpResult r = http_get(http_port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u) << r.header("Content-Type");
  PromParse m = parse_prometheus(r.body);
  EXPECT_TRUE(m.errors.empty()) << m.error_text() << "\n" << r.body;
  auto type_is = [&](const std::string& fam, const std::string& type) {
    auto it = m.types.find(fam);
    return it != m.types.end() && it->second == type;
  };
  for (const char* g : {"sluice_pool_clients_active", "sluice_pool_clients_waiting", "sluice_pool_servers_active",
                        "sluice_pool_servers_idle", "sluice_pool_size", "sluice_fingerprints",
                        "sluice_uptime_seconds"}) {
    EXPECT_TRUE(type_is(g, "gauge")) << g;
  }
  for (const char* c : {"sluice_pool_queries_total", "sluice_pool_transactions_total", "sluice_query_calls_total",
                        "sluice_queries_total", "sluice_queries_failed_total", "sluice_fingerprint_evictions_total"}) {
    EXPECT_TRUE(type_is(c, "counter")) << c;
  }
  EXPECT_TRUE(type_is("sluice_query_duration_seconds", "histogram"));
  EXPECT_TRUE(type_is("sluice_pool_wait_duration_seconds", "histogram"));

  const std::map<std::string, std::string> pool{{"database", "testdb"}, {"user", "scram_user"}};
  EXPECT_EQ(m.value("sluice_pool_size", pool), std::optional<double>(4));
  EXPECT_EQ(m.value("sluice_pool_queries_total", pool), std::optional<double>(26));
  EXPECT_EQ(m.value("sluice_pool_query_errors_total", pool), std::optional<double>(1));
  EXPECT_EQ(m.value("sluice_queries_total"), std::optional<double>(26));
  EXPECT_EQ(m.value("sluice_queries_failed_total"), std::optional<double>(1));
  EXPECT_EQ(m.value("sluice_fingerprints"), std::optional<double>(2));
  auto probe = find_query(q["queries"], "query", "http_probe");
  ASSERT_TRUE(probe.has_value());
  const std::map<std::string, std::string> probe_labels{{"fingerprint", probe->value("fingerprint", "")}};
  EXPECT_EQ(m.value("sluice_query_calls_total", probe_labels), std::optional<double>(25));
  EXPECT_EQ(m.value("sluice_query_duration_seconds_count", probe_labels), std::optional<double>(25));
  EXPECT_EQ(m.value("sluice_query_duration_seconds_bucket", {{"fingerprint", probe->value("fingerprint", "")}, {"le", "+Inf"}}),
            std::optional<double>(25));
  // No query text in label values.
  for (const auto& s : m.samples)
    for (const auto& [k, v] : s.labels) EXPECT_FALSE(contains(v, "SELECT")) << s.name << " " << k << "=" << v;
  auto uptime = m.value("sluice_uptime_seconds");
  ASSERT_TRUE(uptime.has_value());
  EXPECT_GT(*uptime, 0);
  EXPECT_LT(*uptime, 120);
  auto start = m.value("sluice_start_time_seconds");
  if (start) {
    EXPECT_NEAR(*start, double(unix_ms_now()) / 1000.0 - *uptime, 5.0);
  }

  // HEAD gives the headers without the body.
  httplib::Client cli("127.0.0.1", http_port());
  cli.set_connection_timeout(5, 0);
  auto head = cli.Head("/metrics");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(AdminHttpTest, PoolsApiShowsLiveAndCumulativePool) {
  ASSERT_NO_FATAL_FAILURE(start_observed(ObserveToml().with_flush_interval(0.2), PoolMode::Transaction, 4));
  ASSERT_NO_FATAL_FAILURE(run_queries(10));
  auto holder = connect();
  ASSERT_TRUE(ConnectionOk(holder));
  ASSERT_TRUE(ResultIs(pg_exec(holder, "BEGIN"), PGRES_COMMAND_OK));
  json entry;
  bool ok = wire::eventually(5s, [&] {
    auto j = http_json(http_port(), "/api/v1/pools", nullptr);
    if (!j || !j->contains("pools")) return false;
    for (const json& p : (*j)["pools"]) {
      if (p.value("database", "") == "testdb" && p.value("user", "") == "scram_user") {
        entry = p;
        return p["stats"].is_object() && p["stats"].value("queries", 0) >= 11 && p["live"].is_object();
      }
    }
    return false;
  });
  ASSERT_TRUE(ok) << entry.dump(2) << "\n" << get_json("/api/v1/pools").dump(2) << proxy_log();
  const json& live = entry["live"];
  EXPECT_EQ(live.value("pool_mode", ""), "transaction");
  EXPECT_EQ(live.value("pool_size", -1), 4);
  EXPECT_EQ(live.value("cl_active", -1), 1) << "the holder is in a transaction: " << live.dump();
  EXPECT_EQ(live.value("sv_active", -1), 1) << live.dump();
  EXPECT_EQ(live.value("cl_waiting", -1), 0);
  EXPECT_EQ(live.value("paused", true), false);
  const json& stats = entry["stats"];
  EXPECT_EQ(stats.value("errors", -1), 1) << stats.dump();
  EXPECT_GE(stats.value("acquisitions", 0), 1);
  EXPECT_GT(stats.value("bytes_in", 0), 0);
  EXPECT_GT(stats.value("bytes_out", 0), 0);
  ASSERT_TRUE(ResultIs(pg_exec(holder, "COMMIT"), PGRES_COMMAND_OK));
}

TEST_F(AdminHttpTest, WorkloadApiHasBucketsAndSummary) {
  ASSERT_NO_FATAL_FAILURE(start_observed(ObserveToml().with_flush_interval(0.2)));
  const int64_t before_ms = unix_ms_now();
  ASSERT_NO_FATAL_FAILURE(run_queries(30));
  json wl;
  bool ok = wire::eventually(5s, [&] {
    auto j = http_json(http_port(), "/api/v1/workload?since=0", nullptr);
    if (!j || !j->contains("summary")) return false;
    wl = *j;
    auto q = find_query((*j)["summary"].value("queries", json::array()), "text", "http_probe");
    return q && q->value("calls", 0) == 30;
  });
  ASSERT_TRUE(ok) << wl.dump(2).substr(0, 4000) << proxy_log();
  EXPECT_EQ(wl.value("version", 0), 1);
  EXPECT_EQ(wl.value("since_ms", int64_t(-1)), 0);
  EXPECT_GE(wl.value("until_ms", int64_t(0)), before_ms);
  ASSERT_TRUE(wl.contains("histogram") && wl["histogram"].is_object());
  EXPECT_EQ(wl["histogram"].value("unit", ""), "us");
  const json& summary = wl["summary"];
  EXPECT_EQ(summary.value("total_calls", -1), 31);
  auto probe = find_query(summary["queries"], "text", "http_probe");
  ASSERT_TRUE(probe.has_value());
  EXPECT_TRUE(probe->contains("latency")) << "no histogram in the workload export";
  if (probe->contains("latency")) {
    EXPECT_EQ((*probe)["latency"].value("count", -1), 30);
  }
  auto fail = find_query(summary["queries"], "text", "http_fail");
  ASSERT_TRUE(fail.has_value());
  EXPECT_EQ(fail->value("error_calls", -1), 1);
  EXPECT_EQ((*fail)["errors"], json({{"22012", 1}}));

  ASSERT_TRUE(wl.contains("buckets") && wl["buckets"].is_array()) << "no buckets";
  ASSERT_FALSE(wl["buckets"].empty());
  int64_t bucket_calls = 0;
  for (const json& b : wl["buckets"]) {
    const int64_t start = b.value("start_ms", int64_t(-1));
    const int64_t duration = b.value("duration_ms", int64_t(-1));
    EXPECT_TRUE(duration == 60000 || duration == 3600000) << b.dump().substr(0, 300);
    EXPECT_EQ(start % duration, 0) << "bucket not aligned to its length: " << start;
    EXPECT_LE(start, wl.value("until_ms", int64_t(0)));
    EXPECT_GE(start + duration, before_ms - 60000);
    auto q = find_query(b["table"].value("queries", json::array()), "text", "http_probe");
    if (q) bucket_calls += q->value("calls", int64_t(0));
  }
  EXPECT_EQ(bucket_calls, 30) << "the buckets do not add up to the summary";

  // A since in the future: nothing.
  const int64_t future = unix_ms_now() + 3'600'000;
  json later = get_json("/api/v1/workload?since=" + std::to_string(future));
  EXPECT_EQ(later.value("since_ms", int64_t(-1)), future);
  EXPECT_EQ(later["summary"].value("total_calls", -1), 0) << later.dump(2).substr(0, 2000);
  EXPECT_TRUE(!later.contains("buckets") || later["buckets"].empty());
}

TEST_F(AdminHttpTest, OneLineStartServesHttpAndStore) {
  TempDir parent("sluice-oneline-store");
  const std::string data_dir = parent.file("store");
  const uint16_t listen = free_port();
  http_port_ = free_port();
  proxy_ = std::make_unique<ProxyProcess>();
  ASSERT_TRUE(proxy_->start_args({"--listen", "127.0.0.1:" + std::to_string(listen), "--target",
                                  pg().url("postgres", "postgres", "testdb"), "--pool-mode", "transaction",
                                  "--pool-size", "5", "--admin-http", "127.0.0.1:" + std::to_string(http_port_),
                                  "--admin-token", "line-token", "--data-dir", data_dir},
                                 listen));
  mode_ = PoolMode::Transaction;
  ASSERT_TRUE(wait_http(http_port_)) << proxy_log();
  EXPECT_EQ(http_get(http_port_, "/healthz").status, 200);
  EXPECT_EQ(http_get(http_port_, "/metrics").status, 401);
  ASSERT_NO_FATAL_FAILURE(run_queries(12));
  json q;
  EXPECT_TRUE(wire::eventually(5s, [&] {
    auto j = http_json(http_port_, "/api/v1/queries?order_by=calls&limit=10", nullptr, "Bearer line-token");
    if (!j) return false;
    q = *j;
    return calls_of(q, "http_probe") == 12;
  })) << q.dump(2) << proxy_log();
  // The store folder exists and holds files.
  EXPECT_TRUE(wire::eventually(5s, [&] {
    std::error_code ec;
    return std::filesystem::is_directory(data_dir, ec) && !std::filesystem::is_empty(data_dir, ec);
  })) << "nothing written under " << data_dir;
  // No [users] with admin = true: the target URL's user may use the console.
  auto adm = pg_connect(admin_conninfo(listen, "postgres", "postgres"));
  ASSERT_TRUE(ConnectionOk(adm)) << proxy_log();
  Table pools = admin_query(adm, "SHOW POOLS");
  ASSERT_TRUE(pools.ok()) << pools.describe();
  EXPECT_EQ(pools.where({{"database", "testdb"}, {"user", "scram_user"}}).size(), 1u) << pools.describe();
  auto refused = pg_connect(admin_conninfo(listen, "scram_user", "scram_pass"));
  EXPECT_EQ(login_sqlstate(refused.get()), "28000") << PQerrorMessage(refused.get());
}

}  // namespace
}  // namespace sluice::testing::observe
