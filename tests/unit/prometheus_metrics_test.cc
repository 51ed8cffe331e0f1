// The /metrics body: a realistic input (several fingerprints, pools on two workers, an odd user
// name) checked with a text-format validator, the values of pool gauges and counters, histogram
// buckets, top_n, totals with the other row, escaping; and the validator itself on bad input.
#include "proxy/admin/prometheus_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "proxy/admin/prometheus_text.h"
#include "tests/unit/prometheus_text_validator.h"
#include "workload/workload_json.h"

namespace sluice::proxy::admin {
namespace {

using sluice::testing::PrometheusTextValidator;
using Labels = PrometheusTextValidator::Labels;

constexpr int64_t kNow = 1'764'061'200'000;
constexpr uint64_t kSlowFp = 0x1a2b3c4d5e6f7081;  // shop/app: 3 × 0.45 ms, 2 × 20 ms, 1 × 2 s
constexpr uint64_t kCrmFp = 0xdeadbeefcafef00d;   // crm/odd user: 4 × 5 ms, 2 errors
constexpr uint64_t kPkFp = 0x42;                  // shop/app: 10 × 1 ms, 1 error
constexpr uint64_t kTinyFp = 0x77;                // shop/report: 100 × 50 µs
const std::string kOddUser = "we\"ird\\name\n";

void record(workload::WorkloadTable& t, uint64_t fp, std::string_view db, std::string_view user, double ms,
            std::string_view sqlstate = {}) {
  workload::QueryEvent e;
  e.key = workload::QueryKeyRef(fp, db, user);
  e.normalized_text = "SELECT * FROM orders WHERE id = $1";
  e.total_ms = ms;
  e.server_ms = ms;
  e.rows = 2;
  e.sqlstate = sqlstate;
  e.bytes_in = 40;
  e.bytes_out = 400;
  e.at_ms = kNow;
  t.record(e);
}

workload::WorkloadTable realistic_totals() {
  workload::WorkloadTable t;
  for (int i = 0; i < 3; ++i) record(t, kSlowFp, "shop", "app", 0.45);
  for (int i = 0; i < 2; ++i) record(t, kSlowFp, "shop", "app", 20);
  record(t, kSlowFp, "shop", "app", 2000);
  for (int i = 0; i < 4; ++i) record(t, kCrmFp, "crm", kOddUser, 5, i < 2 ? "57014" : "");
  for (int i = 0; i < 10; ++i) record(t, kPkFp, "shop", "app", 1, i == 0 ? "23505" : "");
  for (int i = 0; i < 100; ++i) record(t, kTinyFp, "shop", "report", 0.05);
  for (int i = 0; i < 3; ++i) record(t, 0, "shop", "app", 1, i == 0 ? "42P01" : "");  // the other row

  workload::PoolStats& shop = t.pool({"shop", "app"});
  shop.record_acquire(0, kNow);
  shop.record_acquire(3.5, kNow);
  shop.record_query(2, false, 100, 2000, kNow);
  shop.record_query(5, true, 50, 100, kNow);
  shop.record_transaction(kNow);
  shop.record_transaction(kNow);
  t.pool({"crm", kOddUser}).record_acquire(0.2, kNow);
  return t;
}

observe::LiveState realistic_live() {
  observe::LiveState live;
  observe::PoolLive w0{.database = "shop",
                       .user = "app",
                       .pool_mode = "transaction",
                       .pool_size = 20,
                       .cl_active = 2,
                       .cl_waiting = 1,
                       .cl_idle = 3,
                       .sv_active = 2,
                       .sv_idle = 4,
                       .sv_login = 0,
                       .maxwait_ms = 120,
                       .paused = false};
  observe::PoolLive w1 = w0;
  w1.cl_active = 1;
  w1.cl_waiting = 0;
  w1.cl_idle = 1;
  w1.sv_active = 1;
  w1.sv_idle = 1;
  w1.sv_login = 1;
  w1.maxwait_ms = 250;
  observe::PoolLive crm{.database = "crm", .user = kOddUser, .pool_mode = "session", .pool_size = 5, .paused = true};
  live.pools = {w0, crm, w1};
  return live;
}

class PrometheusMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_.totals = &totals_;
    in_.live = &live_;
    in_.fingerprint_cache_hits = 1234;
    in_.fingerprint_cache_misses = 56;
    in_.samples_dropped = 7;
    in_.store_writes = 89;
    in_.store_errors = 1;
    in_.store_disk_bytes = 1 << 20;
    in_.uptime_seconds = 3600.5;
    in_.now_ms = kNow;
  }

  // Renders and validates; the test fails on any format problem.
  void render() {
    text_ = render_prometheus(in_);
    const std::vector<std::string> errors = v_.validate(text_);
    for (const std::string& e : errors) ADD_FAILURE() << e;
    if (!errors.empty()) ADD_FAILURE() << text_;
  }

  static Labels pool(const std::string& db, const std::string& user) { return {{"database", db}, {"user", user}}; }
  static Labels query(uint64_t fp, const std::string& db, const std::string& user) {
    return {{"fingerprint", workload::fingerprint_hex(fp)}, {"database", db}, {"user", user}};
  }
  static Labels bucket(Labels labels, const std::string& le) {
    labels["le"] = le;
    return labels;
  }

  workload::WorkloadTable totals_ = realistic_totals();
  observe::LiveState live_ = realistic_live();
  MetricsInput in_;
  std::string text_;
  PrometheusTextValidator v_;
};

TEST_F(PrometheusMetricsTest, RealisticOutputIsValidAndDeclaresEveryFamily) {
  render();
  const std::map<std::string, std::string> expected{
      {"sluice_pool_clients_active", "gauge"},
      {"sluice_pool_clients_waiting", "gauge"},
      {"sluice_pool_clients_idle", "gauge"},
      {"sluice_pool_servers_active", "gauge"},
      {"sluice_pool_servers_idle", "gauge"},
      {"sluice_pool_servers_login", "gauge"},
      {"sluice_pool_size", "gauge"},
      {"sluice_pool_max_wait_seconds", "gauge"},
      {"sluice_pool_paused", "gauge"},
      {"sluice_pool_transactions_total", "counter"},
      {"sluice_pool_queries_total", "counter"},
      {"sluice_pool_query_errors_total", "counter"},
      {"sluice_pool_wait_seconds_total", "counter"},
      {"sluice_pool_server_seconds_total", "counter"},
      {"sluice_pool_received_bytes_total", "counter"},
      {"sluice_pool_sent_bytes_total", "counter"},
      {"sluice_pool_wait_duration_seconds", "histogram"},
      {"sluice_query_calls_total", "counter"},
      {"sluice_query_errors_total", "counter"},
      {"sluice_query_rows_total", "counter"},
      {"sluice_query_duration_seconds", "histogram"},
      {"sluice_queries_total", "counter"},
      {"sluice_queries_failed_total", "counter"},
      {"sluice_fingerprints", "gauge"},
      {"sluice_fingerprint_evictions_total", "counter"},
      {"sluice_fingerprint_cache_hits_total", "counter"},
      {"sluice_fingerprint_cache_misses_total", "counter"},
      {"sluice_samples_dropped_total", "counter"},
      {"sluice_store_writes_total", "counter"},
      {"sluice_store_errors_total", "counter"},
      {"sluice_store_disk_bytes", "gauge"},
      {"sluice_uptime_seconds", "gauge"},
  };
  for (const auto& [name, type] : expected) {
    auto it = v_.types().find(name);
    ASSERT_NE(it, v_.types().end()) << name;
    EXPECT_EQ(it->second, type) << name;
  }
  for (const auto& [name, type] : v_.types()) {
    EXPECT_TRUE(name.starts_with("sluice_")) << name;
    if (type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
  }
}

TEST_F(PrometheusMetricsTest, PoolGaugesAddUpTheWorkers) {
  render();
  const Labels shop = pool("shop", "app");
  EXPECT_EQ(v_.value("sluice_pool_clients_active", shop), 3);
  EXPECT_EQ(v_.value("sluice_pool_clients_waiting", shop), 1);
  EXPECT_EQ(v_.value("sluice_pool_clients_idle", shop), 4);
  EXPECT_EQ(v_.value("sluice_pool_servers_active", shop), 3);
  EXPECT_EQ(v_.value("sluice_pool_servers_idle", shop), 5);
  EXPECT_EQ(v_.value("sluice_pool_servers_login", shop), 1);
  EXPECT_EQ(v_.value("sluice_pool_size", shop), 20);  // a shared limit, not per worker
  EXPECT_EQ(v_.value("sluice_pool_max_wait_seconds", shop), 0.25);
  EXPECT_EQ(v_.value("sluice_pool_paused", shop), 0);
  EXPECT_EQ(v_.value("sluice_pool_paused", pool("crm", kOddUser)), 1);
  EXPECT_EQ(v_.series("sluice_pool_size").size(), 2u);
}

TEST_F(PrometheusMetricsTest, PoolCountersAndWaitHistogramComeFromTheTotals) {
  render();
  const Labels shop = pool("shop", "app");
  EXPECT_EQ(v_.value("sluice_pool_transactions_total", shop), 2);
  EXPECT_EQ(v_.value("sluice_pool_queries_total", shop), 2);
  EXPECT_EQ(v_.value("sluice_pool_query_errors_total", shop), 1);
  EXPECT_DOUBLE_EQ(*v_.value("sluice_pool_wait_seconds_total", shop), 0.0035);
  EXPECT_DOUBLE_EQ(*v_.value("sluice_pool_server_seconds_total", shop), 0.007);
  EXPECT_EQ(v_.value("sluice_pool_received_bytes_total", shop), 150);
  EXPECT_EQ(v_.value("sluice_pool_sent_bytes_total", shop), 2100);
  EXPECT_EQ(v_.value("sluice_pool_wait_duration_seconds_count", shop), 2);
  EXPECT_EQ(v_.value("sluice_pool_wait_duration_seconds_bucket", bucket(shop, "0.0001")), 1);  // the zero wait
  EXPECT_EQ(v_.value("sluice_pool_wait_duration_seconds_bucket", bucket(shop, "0.0025")), 1);
  EXPECT_EQ(v_.value("sluice_pool_wait_duration_seconds_bucket", bucket(shop, "0.005")), 2);
  EXPECT_DOUBLE_EQ(*v_.value("sluice_pool_wait_duration_seconds_sum", shop), 0.0035);
  EXPECT_EQ(v_.value("sluice_pool_wait_duration_seconds_count", pool("crm", kOddUser)), 1);
}

TEST_F(PrometheusMetricsTest, QueryHistogramHasCumulativeBucketsInSeconds) {
  render();
  const Labels slow = query(kSlowFp, "shop", "app");
  EXPECT_EQ(v_.value("sluice_query_calls_total", slow), 6);
  EXPECT_EQ(v_.value("sluice_query_errors_total", slow), 0);
  EXPECT_EQ(v_.value("sluice_query_rows_total", slow), 12);
  const std::vector<std::pair<std::string, double>> want{{"0.0001", 0}, {"0.00025", 0}, {"0.0005", 3}, {"0.001", 3},
                                                         {"0.01", 3},   {"0.025", 5},   {"1", 5},      {"2.5", 6},
                                                         {"10", 6},     {"60", 6},      {"+Inf", 6}};
  for (const auto& [le, n] : want) {
    EXPECT_EQ(v_.value("sluice_query_duration_seconds_bucket", bucket(slow, le)), n) << "le=" << le;
  }
  EXPECT_EQ(v_.value("sluice_query_duration_seconds_count", slow), 6);
  EXPECT_NEAR(*v_.value("sluice_query_duration_seconds_sum", slow), 2.04135, 1e-9);

  const Labels tiny = query(kTinyFp, "shop", "report");
  EXPECT_EQ(v_.value("sluice_query_duration_seconds_bucket", bucket(tiny, "0.0001")), 100);
  const Labels crm = query(kCrmFp, "crm", kOddUser);
  EXPECT_EQ(v_.value("sluice_query_errors_total", crm), 2);
  EXPECT_EQ(v_.value("sluice_query_errors_total", query(kPkFp, "shop", "app")), 1);
  EXPECT_EQ(v_.value("sluice_query_duration_seconds_bucket", bucket(crm, "0.0025")), 0);
  EXPECT_EQ(v_.value("sluice_query_duration_seconds_bucket", bucket(crm, "0.005")), 4);
}

TEST_F(PrometheusMetricsTest, OnlyTheTopNByTotalTimeGetSeries) {
  in_.top_n = 2;
  render();
  std::vector<std::string> fingerprints;
  for (const auto& s : v_.series("sluice_query_calls_total")) fingerprints.push_back(s.labels.at("fingerprint"));
  EXPECT_EQ(fingerprints, (std::vector<std::string>{"1a2b3c4d5e6f7081", "deadbeefcafef00d"}));
  EXPECT_EQ(v_.series("sluice_query_duration_seconds_count").size(), 2u);
  EXPECT_EQ(v_.series("sluice_query_rows_total").size(), 2u);

  in_.top_n = 0;
  render();
  EXPECT_TRUE(v_.series("sluice_query_calls_total").empty());
  EXPECT_EQ(v_.value("sluice_queries_total"), 123);  // totals do not depend on top_n
}

TEST_F(PrometheusMetricsTest, TotalsCountEverythingIncludingTheOtherRow) {
  render();
  EXPECT_EQ(v_.value("sluice_queries_total"), 6 + 4 + 10 + 100 + 3);
  EXPECT_EQ(v_.value("sluice_queries_failed_total"), 2 + 1 + 1);
  EXPECT_EQ(v_.value("sluice_fingerprints"), 4);
  EXPECT_EQ(v_.value("sluice_fingerprint_evictions_total"), 0);
}

TEST_F(PrometheusMetricsTest, EvictedEntriesStayInTheTotals) {
  workload::WorkloadTable small(100);
  for (uint64_t fp = 1; fp <= 150; ++fp) record(small, fp, "shop", "app", double(fp), fp % 10 == 0 ? "40001" : "");
  in_.totals = &small;
  render();
  EXPECT_GT(small.evictions(), 0u);
  EXPECT_EQ(v_.value("sluice_fingerprint_evictions_total"), double(small.evictions()));
  EXPECT_EQ(v_.value("sluice_queries_total"), 150);
  EXPECT_EQ(v_.value("sluice_queries_failed_total"), 15);
  EXPECT_EQ(v_.value("sluice_fingerprints"), double(small.size()));
  EXPECT_EQ(v_.series("sluice_query_calls_total").size(), 20u);  // default top_n
}

TEST_F(PrometheusMetricsTest, LabelValuesAreEscapedAndQueryTextIsNotExported) {
  render();
  EXPECT_NE(text_.find(R"(user="we\"ird\\name\n")"), std::string::npos);
  EXPECT_EQ(text_.find("SELECT"), std::string::npos);
  EXPECT_EQ(text_.find("orders"), std::string::npos);
  // Each family is introduced once.
  std::size_t count = 0;
  for (std::size_t pos = 0; (pos = text_.find("# TYPE sluice_pool_size ", pos)) != std::string::npos; ++pos) ++count;
  EXPECT_EQ(count, 1u);
}

TEST_F(PrometheusMetricsTest, ProcessCounters) {
  render();
  EXPECT_EQ(v_.value("sluice_fingerprint_cache_hits_total"), 1234);
  EXPECT_EQ(v_.value("sluice_fingerprint_cache_misses_total"), 56);
  EXPECT_EQ(v_.value("sluice_samples_dropped_total"), 7);
  EXPECT_EQ(v_.value("sluice_store_writes_total"), 89);
  EXPECT_EQ(v_.value("sluice_store_errors_total"), 1);
  EXPECT_EQ(v_.value("sluice_store_disk_bytes"), 1 << 20);
  EXPECT_EQ(v_.value("sluice_uptime_seconds"), 3600.5);
  EXPECT_DOUBLE_EQ(*v_.value("sluice_start_time_seconds"), double(kNow) / 1000 - 3600.5);
}

TEST_F(PrometheusMetricsTest, WithoutTablesOnlyProcessMetrics) {
  in_.totals = nullptr;
  in_.live = nullptr;
  in_.now_ms = 0;
  render();
  EXPECT_EQ(v_.types().count("sluice_pool_size"), 0u);
  EXPECT_EQ(v_.types().count("sluice_queries_total"), 0u);
  EXPECT_EQ(v_.types().count("sluice_start_time_seconds"), 0u);
  EXPECT_EQ(v_.value("sluice_store_writes_total"), 89);

  workload::WorkloadTable empty;
  observe::LiveState none;
  in_.totals = &empty;
  in_.live = &none;
  render();  // families without samples are still valid
  EXPECT_EQ(v_.value("sluice_queries_total"), 0);
}

TEST(PrometheusTextTest, EscapesLabelValuesAndReplacesInvalidUtf8) {
  EXPECT_EQ(prom::escape_label_value("plain"), "plain");
  EXPECT_EQ(prom::escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(prom::escape_label_value("h\xC3\xA9llo"), "h\xC3\xA9llo");
  EXPECT_EQ(prom::escape_label_value("x\xFFy"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(prom::escape_label_value("\xC3"), "\xEF\xBF\xBD");                  // truncated sequence
  EXPECT_EQ(prom::escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(prom::escape_help("a\\b\nc\"d"), "a\\\\b\\nc\"d");
}

TEST(PrometheusTextTest, FormatsValues) {
  EXPECT_EQ(prom::format_value(0.25), "0.25");
  EXPECT_EQ(prom::format_value(3.0), "3");
  EXPECT_EQ(prom::format_value(std::nan("")), "NaN");
  EXPECT_EQ(prom::format_value(HUGE_VAL), "+Inf");
  EXPECT_EQ(prom::format_value(-HUGE_VAL), "-Inf");
  EXPECT_EQ(prom::format_value(uint64_t(18446744073709551615u)), "18446744073709551615");
  EXPECT_EQ(std::stod(prom::format_value(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(PrometheusTextTest, CumulativeCountsPlaceValuesOnBoundsExactly) {
  const auto bounds = prom::duration_bounds();
  ASSERT_GE(bounds.size(), 12u);
  EXPECT_EQ(bounds.front().us, 100);
  EXPECT_EQ(bounds.back().us, 60'000'000);
  for (std::size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1].us, bounds[i].us);

  // A single value equal to a bound counts at that bound, not the next.
  workload::LatencyHistogram on_bound;
  on_bound.record(1'000, 5);
  std::vector<uint64_t> c = prom::cumulative_counts(on_bound, bounds);
  EXPECT_EQ(c[2], 0u);  // 500 µs
  EXPECT_EQ(c[3], 5u);  // 1 ms
  EXPECT_EQ(c.back(), 5u);

  // Values past the last bound only show in +Inf (count).
  workload::LatencyHistogram slow;
  slow.record(120e6);
  c = prom::cumulative_counts(slow, bounds);
  EXPECT_EQ(c.back(), 0u);

  EXPECT_EQ(prom::cumulative_counts(workload::LatencyHistogram{}, bounds), std::vector<uint64_t>(bounds.size(), 0));
}

// The validator must catch what it is there to catch.
TEST(PrometheusTextValidatorTest, RejectsMalformedText) {
  const auto errors = [](std::string_view text) { return PrometheusTextValidator().validate(text).size(); };
  EXPECT_EQ(errors("# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"), 0u);
  EXPECT_GT(errors("a_total 3\n"), 0u);                                               // no TYPE
  EXPECT_GT(errors("# TYPE a counter\n# TYPE a counter\na 1\n"), 0u);                 // TYPE twice
  EXPECT_GT(errors("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"2\"} 1\n"), 0u);  // split family
  EXPECT_GT(errors("# TYPE a gauge\na 1\n# HELP a late\n"), 0u);                      // HELP after samples
  EXPECT_GT(errors("# TYPE 1a gauge\n1a 1\n"), 0u);                                   // bad name
  EXPECT_GT(errors("# TYPE a gauge\na{x=\"\\t\"} 1\n"), 0u);                          // bad escape
  EXPECT_GT(errors("# TYPE a gauge\na{x=1} 1\n"), 0u);                                // unquoted
  EXPECT_GT(errors("# TYPE a gauge\na{x=\"1\"} one\n"), 0u);                          // bad value
  EXPECT_GT(errors("# TYPE a gauge\na 1\na 2\n"), 0u);                                // duplicate series
  EXPECT_GT(errors("# TYPE a counter\na -1\n"), 0u);                                  // negative counter
  EXPECT_GT(errors("# TYPE a gauge\na 1"), 0u);                                       // no final newline
  EXPECT_GT(errors("# TYPE a gauge\na 1 soon\n"), 0u);                                // bad timestamp
  EXPECT_GT(errors("# TYPE a gauge\na 0x10\n"), 0u);                                  // not a Go float
  EXPECT_EQ(errors("# TYPE a gauge\na{b=\"1\",} -1.5e3 1700000000000\n# some comment\n"), 0u);
  const std::string h = "# TYPE h histogram\n";
  EXPECT_EQ(errors(h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"), 0u);
  EXPECT_GT(errors(h + "h_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"), 0u);  // not cumulative
  EXPECT_GT(errors(h + "h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n"), 0u);                           // no +Inf
  EXPECT_GT(errors(h + "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 3\n"), 0u);                        // +Inf != count
  EXPECT_GT(errors(h + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"),
            0u);                                                      // le order
  EXPECT_GT(errors(h + "h_bucket{le=\"+Inf\"} 1\nh_count 1\n"), 0u);  // no _sum
}

}  // namespace
}  // namespace sluice::proxy::admin
