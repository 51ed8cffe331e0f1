// JSON export and import of the workload: round trips through text, the self-describing fields
// the advisor reads, and the errors on bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "workload/workload_json.h"

namespace sluice::workload {
namespace {

using json = nlohmann::json;

constexpr int64_t kBase = 1'764'061'200'000;  // an hour boundary

json through_text(const json& j) { return json::parse(j.dump()); }

void record(WorkloadTable& t, uint64_t fp, double ms, int64_t at, std::string_view sqlstate = {},
            const QuerySample* sample = nullptr, std::string_view user = "app") {
  QueryEvent e;
  e.key = QueryKeyRef(fp, "shop", user);
  e.normalized_text = "SELECT * FROM orders WHERE customer_id = $1";
  e.total_ms = ms;
  e.wait_ms = ms * 0.1;
  e.server_ms = ms * 0.8;
  e.rows = 12;
  e.sqlstate = sqlstate;
  e.bytes_in = 64;
  e.bytes_out = 4096;
  e.at_ms = at;
  e.sample = sample;
  t.record(e);
}

void expect_same_stats(const QueryStats& got, const QueryStats& want) {
  EXPECT_EQ(got.normalized_text, want.normalized_text);
  EXPECT_EQ(got.calls, want.calls);
  EXPECT_EQ(got.total_ms, want.total_ms);
  EXPECT_EQ(got.min_ms, want.min_ms);
  EXPECT_EQ(got.max_ms, want.max_ms);
  EXPECT_EQ(got.wait_ms, want.wait_ms);
  EXPECT_EQ(got.server_ms, want.server_ms);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.error_calls, want.error_calls);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.bytes_in, want.bytes_in);
  EXPECT_EQ(got.bytes_out, want.bytes_out);
  EXPECT_EQ(got.first_seen_ms, want.first_seen_ms);
  EXPECT_EQ(got.last_seen_ms, want.last_seen_ms);
  EXPECT_TRUE(got.latency.same_distribution(want.latency));
  ASSERT_EQ(got.sample == nullptr, want.sample == nullptr);
  if (got.sample) {
    EXPECT_EQ(*got.sample, *want.sample);
  }
}

WorkloadTable sample_table() {
  WorkloadTable t(20);
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> ms(0.5, 1.0);
  static const QuerySample s1{"SELECT * FROM orders WHERE customer_id = 42", {}, 90.5, kBase + 5, false};
  static const QuerySample s2{"UPDATE t SET a = $1 WHERE id = $2", {std::string("x\"y\n\xc3\xa9"), std::nullopt}, 300, kBase + 7, false};
  for (int i = 0; i < 2000; ++i) record(t, 1 + uint64_t(i % 30), ms(rng), kBase + i, i % 11 == 0 ? "23505" : "");
  record(t, 1, 90.5, kBase + 5, {}, &s1);
  record(t, 0xfedcba9876543210ULL, 300, kBase + 7, "40001", &s2, "batch");
  PoolStats& p = t.pool(PoolKey{"shop", "app"});
  p.record_acquire(1.5, kBase);
  p.record_query(3, false, 10, 20, kBase + 1);
  p.record_transaction(kBase + 2);
  p.observe(3, 1, 2, 4, 1000);
  return t;
}

TEST(WorkloadJsonTest, FingerprintsAreSixteenHexDigits) {
  EXPECT_EQ(fingerprint_hex(0), "0000000000000000");
  EXPECT_EQ(fingerprint_hex(0xfedcba9876543210ULL), "fedcba9876543210");
  EXPECT_EQ(parse_fingerprint_hex("fedcba9876543210"), 0xfedcba9876543210ULL);
  EXPECT_EQ(parse_fingerprint_hex("FF"), 255u);
  EXPECT_EQ(parse_fingerprint_hex(""), std::nullopt);
  EXPECT_EQ(parse_fingerprint_hex("xyz"), std::nullopt);
  EXPECT_EQ(parse_fingerprint_hex("10000000000000000"), std::nullopt);
  EXPECT_EQ(parse_fingerprint_hex("12 "), std::nullopt);
}

TEST(WorkloadJsonTest, HistogramRoundTripIsSparseAndExact) {
  LatencyHistogram h;
  for (int i = 0; i < 1000; ++i) h.record(100 + (i % 10) * 1000);
  h.record(5e6);
  const json j = through_text(histogram_to_json(h));
  EXPECT_EQ(j["count"], 1001);
  EXPECT_EQ(j["buckets"].size(), 11u);  // only non-empty buckets
  const LatencyHistogram back = histogram_from_json(j);
  EXPECT_TRUE(back.same_distribution(h));
  EXPECT_EQ(back.quantile(0.99), h.quantile(0.99));
  EXPECT_TRUE(histogram_from_json(histogram_to_json(LatencyHistogram{})).empty());
}

TEST(WorkloadJsonTest, TableRoundTrip) {
  WorkloadTable t = sample_table();
  ASSERT_GT(t.evictions(), 0u);
  const json j = through_text(table_to_json(t));
  const WorkloadTable back = table_from_json(j, t.max_entries());
  ASSERT_EQ(back.size(), t.size());
  EXPECT_EQ(back.evictions(), t.evictions());
  EXPECT_EQ(back.total_calls(), t.total_calls());
  for (const auto& [key, want] : t.entries()) {
    const QueryStats* got = back.find(key);
    ASSERT_NE(got, nullptr) << fingerprint_hex(key.fingerprint);
    expect_same_stats(*got, want);
  }
  expect_same_stats(back.other(), t.other());
  ASSERT_EQ(back.pools().size(), 1u);
  const PoolStats& p = back.pools().at(PoolKey{"shop", "app"});
  const PoolStats& want = t.pools().at(PoolKey{"shop", "app"});
  EXPECT_EQ(p.transactions, want.transactions);
  EXPECT_EQ(p.queries, want.queries);
  EXPECT_EQ(p.wait_ms, want.wait_ms);
  EXPECT_EQ(p.servers_in_use, want.servers_in_use);
  EXPECT_EQ(p.active_clients, want.active_clients);
  EXPECT_TRUE(p.wait_latency.same_distribution(want.wait_latency));
  // Export of the import is the same text.
  EXPECT_EQ(table_to_json(back).dump(), j.dump());
}

TEST(WorkloadJsonTest, TableJsonDescribesItself) {
  WorkloadTable t = sample_table();
  const json j = through_text(table_to_json(t));
  EXPECT_EQ(j["histogram"]["unit"], "us");
  EXPECT_EQ(j["histogram"]["buckets_per_octave"], LatencyHistogram::kBucketsPerOctave);
  EXPECT_EQ(j["total_calls"], t.total_calls());
  EXPECT_EQ(j["evictions"], t.evictions());
  EXPECT_EQ(j["other"]["text"], "<other>");
  EXPECT_EQ(j["other"]["fingerprint"], "0000000000000000");
  ASSERT_EQ(j["queries"].size(), t.size());
  // Ordered by total time, largest first.
  for (std::size_t i = 1; i < j["queries"].size(); ++i) {
    EXPECT_GE(j["queries"][i - 1]["total_ms"].get<double>(), j["queries"][i]["total_ms"].get<double>());
  }
  const json* q = nullptr;
  for (const json& e : j["queries"]) {
    if (e["fingerprint"] == "fedcba9876543210") q = &e;
  }
  ASSERT_NE(q, nullptr);
  EXPECT_EQ((*q)["user"], "batch");
  EXPECT_EQ((*q)["calls"], 1);
  EXPECT_EQ((*q)["errors"]["40001"], 1);
  EXPECT_EQ((*q)["error_calls"], 1);
  EXPECT_DOUBLE_EQ((*q)["p99_ms"].get<double>(), 300);
  EXPECT_DOUBLE_EQ((*q)["mean_ms"].get<double>(), 300);
  EXPECT_EQ((*q)["sample"]["params"][0], "x\"y\n\xc3\xa9");
  EXPECT_TRUE((*q)["sample"]["params"][1].is_null());
  EXPECT_EQ((*q)["latency"]["buckets"].size(), 1u);

  const QueryStats* s = t.find(QueryKeyRef(1, "shop", "app"));
  ASSERT_NE(s, nullptr);
  for (const json& e : j["queries"]) {
    if (e["fingerprint"] != fingerprint_hex(1)) continue;
    EXPECT_DOUBLE_EQ(e["p50_ms"].get<double>(), s->quantile_ms(0.5));
    EXPECT_DOUBLE_EQ(e["p95_ms"].get<double>(), s->quantile_ms(0.95));
    EXPECT_DOUBLE_EQ(e["p99_ms"].get<double>(), s->quantile_ms(0.99));
  }
  EXPECT_EQ(j["pools"][0]["servers_in_use"]["mean"], 2);
}

TEST(WorkloadJsonTest, OptionsLeaveOutHistogramsAndSamples) {
  const WorkloadTable t = sample_table();
  JsonOptions options;
  options.include_histograms = false;
  options.include_samples = false;
  const json j = table_to_json(t, options);
  for (const json& q : j["queries"]) {
    EXPECT_FALSE(q.contains("latency"));
    EXPECT_FALSE(q.contains("sample"));
    EXPECT_TRUE(q.contains("p99_ms"));
  }
  const WorkloadTable back = table_from_json(j);
  EXPECT_EQ(back.total_calls(), t.total_calls());
}

TEST(WorkloadJsonTest, SeriesRoundTripAndSince) {
  MinuteSeries::Options options;
  options.retention_ms = MinuteSeries::kHourMs;
  MinuteSeries series(options);
  for (int m = 0; m < 150; ++m) {
    WorkloadTable t;
    record(t, 1 + uint64_t(m % 4), 1.0 + m, kBase + m * MinuteSeries::kMinuteMs);
    series.add(kBase + m * MinuteSeries::kMinuteMs, t);
  }
  series.roll_up(kBase + 150 * MinuteSeries::kMinuteMs);
  ASSERT_EQ(series.hours().size(), 2u);
  ASSERT_EQ(series.minutes().size(), 60u);

  const json j = through_text(series_to_json(series));
  EXPECT_EQ(j["version"], kWorkloadJsonVersion);
  EXPECT_EQ(j["buckets"].size(), 62u);
  EXPECT_EQ(j["buckets"][0]["duration_ms"], MinuteSeries::kHourMs);
  EXPECT_EQ(j["buckets"][61]["duration_ms"], MinuteSeries::kMinuteMs);
  const MinuteSeries back = series_from_json(j, options);
  EXPECT_EQ(back.hours().size(), 2u);
  EXPECT_EQ(back.minutes().size(), 60u);
  EXPECT_EQ(back.query(kBase).total_calls(), 150u);
  const WorkloadTable want = series.query(kBase);
  const WorkloadTable got = back.query(kBase);
  for (uint64_t fp = 1; fp <= 4; ++fp) {
    const QueryStats* a = want.find(QueryKeyRef(fp, "shop", "app"));
    const QueryStats* b = got.find(QueryKeyRef(fp, "shop", "app"));
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    expect_same_stats(*b, *a);
  }

  // since drops the buckets that end before it.
  const json recent = series_to_json(series, kBase + 140 * MinuteSeries::kMinuteMs);
  EXPECT_EQ(recent["buckets"].size(), 10u);
}

TEST(WorkloadJsonTest, WorkloadResponse) {
  MinuteSeries series;
  for (int m = 0; m < 5; ++m) {
    WorkloadTable t;
    record(t, 7, 2.0, kBase + m * MinuteSeries::kMinuteMs);
    series.add(kBase + m * MinuteSeries::kMinuteMs, t);
  }
  const int64_t now = kBase + 5 * MinuteSeries::kMinuteMs;
  const json body = through_text(workload_response(series, kBase + 2 * MinuteSeries::kMinuteMs, now, false));
  EXPECT_EQ(body["version"], 1);
  EXPECT_EQ(body["until_ms"], now);
  EXPECT_EQ(body["summary"]["total_calls"], 3);
  EXPECT_EQ(body["summary"]["queries"][0]["calls"], 3);
  EXPECT_FALSE(body.contains("buckets"));
  EXPECT_TRUE(body["histogram"].is_object());
  const json with_buckets = workload_response(series, kBase, now, true);
  EXPECT_EQ(with_buckets["buckets"].size(), 5u);
}

TEST(WorkloadJsonTest, InvalidUtf8IsReplacedOnTheWire) {
  WorkloadTable t;
  const QuerySample binary{"SELECT $1", {std::string("\xff\xfe")}, 1, 1, false};
  record(t, 3, 1, 1, {}, &binary);
  const json j = table_to_json(t);
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  const std::string text = dump_json(j);
  const json back = json::parse(text);
  EXPECT_EQ(back["queries"][0]["sample"]["params"][0], "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(WorkloadJsonTest, BadInputThrows) {
  const json good = through_text(table_to_json(sample_table()));
  auto expect_throw = [](const json& j) { EXPECT_THROW(table_from_json(j), WorkloadJsonError) << j.dump().substr(0, 200); };

  json no_calls = good;
  no_calls["queries"][0].erase("calls");
  expect_throw(no_calls);

  json bad_fp = good;
  bad_fp["queries"][0]["fingerprint"] = "not hex";
  expect_throw(bad_fp);

  json bad_bucket = good;
  bad_bucket["queries"][0]["latency"]["buckets"][0][0] = LatencyHistogram::kBucketCount;
  expect_throw(bad_bucket);

  json bad_count = good;
  bad_count["queries"][0]["latency"]["count"] = 1'000'000;
  expect_throw(bad_count);

  json other_mapping = good;
  other_mapping["histogram"]["buckets_per_octave"] = 64;
  expect_throw(other_mapping);

  json wrong_type = good;
  wrong_type["queries"][0]["calls"] = "many";
  expect_throw(wrong_type);

  expect_throw(json::array());
  EXPECT_THROW(series_from_json(json{{"version", 99}, {"buckets", json::array()}}), WorkloadJsonError);
  EXPECT_THROW(series_from_json(json{{"buckets", json::array({json{{"start_ms", 0}, {"duration_ms", 5}, {"table", good}}})}}),
               WorkloadJsonError);
}

}  // namespace
}  // namespace sluice::workload
