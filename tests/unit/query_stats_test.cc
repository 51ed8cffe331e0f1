// Per-fingerprint statistics: recording, errors by SQLSTATE, text, the sample policy, merging,
// and the key's hashing.
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "workload/query_stats.h"

namespace sluice::workload {
namespace {

QueryEvent event(double total_ms, int64_t at_ms, std::string_view sqlstate = {}) {
  QueryEvent e;
  e.key = QueryKeyRef(42, "shop", "app");
  e.normalized_text = "SELECT * FROM t WHERE id = $1";
  e.total_ms = total_ms;
  e.wait_ms = total_ms / 4;
  e.server_ms = total_ms / 2;
  e.rows = 3;
  e.sqlstate = sqlstate;
  e.bytes_in = 100;
  e.bytes_out = 1000;
  e.at_ms = at_ms;
  return e;
}

QuerySample sample(double duration_ms, int64_t at_ms, std::string value = "7") {
  return QuerySample{"SELECT * FROM t WHERE id = $1", {std::move(value), std::nullopt}, duration_ms, at_ms, false};
}

TEST(QueryStatsTest, RecordsCallsTimesRowsBytesAndSeenTimes) {
  QueryStats s;
  s.record(event(2.0, 1'000));
  s.record(event(6.0, 3'000));
  s.record(event(1.0, 2'000));
  EXPECT_EQ(s.calls, 3u);
  EXPECT_DOUBLE_EQ(s.total_ms, 9.0);
  EXPECT_DOUBLE_EQ(s.mean_ms(), 3.0);
  EXPECT_EQ(s.min_ms, 1.0);
  EXPECT_EQ(s.max_ms, 6.0);
  EXPECT_DOUBLE_EQ(s.wait_ms, 2.25);
  EXPECT_DOUBLE_EQ(s.server_ms, 4.5);
  EXPECT_EQ(s.rows, 9);
  EXPECT_EQ(s.bytes_in, 300u);
  EXPECT_EQ(s.bytes_out, 3000u);
  EXPECT_EQ(s.first_seen_ms, 1'000);
  EXPECT_EQ(s.last_seen_ms, 3'000);
  EXPECT_EQ(s.normalized_text, "SELECT * FROM t WHERE id = $1");
  EXPECT_EQ(s.latency.count(), 3u);
  EXPECT_DOUBLE_EQ(s.latency.sum(), 9000.0);  // µs
  EXPECT_NEAR(s.quantile_ms(0.5), 2.0, 2.0 * LatencyHistogram::kRelativeError);
  EXPECT_EQ(s.error_calls, 0u);
  EXPECT_TRUE(s.errors.empty());
  EXPECT_EQ(s.sample, nullptr);
}

TEST(QueryStatsTest, NegativeRowsAndTimesCountAsZero) {
  QueryStats s;
  QueryEvent e = event(-1.0, 5);
  e.rows = -1;  // no row count in the command tag
  e.wait_ms = -3;
  s.record(e);
  EXPECT_EQ(s.calls, 1u);
  EXPECT_EQ(s.total_ms, 0);
  EXPECT_EQ(s.wait_ms, 0);
  EXPECT_EQ(s.rows, 0);
}

TEST(QueryStatsTest, CountsErrorsBySqlstate) {
  QueryStats s;
  s.record(event(1, 1, "23505"));
  s.record(event(1, 2, "23505"));
  s.record(event(1, 3, "57014"));
  s.record(event(1, 4));
  EXPECT_EQ(s.calls, 4u);
  EXPECT_EQ(s.error_calls, 3u);
  ASSERT_EQ(s.errors.size(), 2u);
  EXPECT_EQ(s.errors.at("23505"), 2u);
  EXPECT_EQ(s.errors.at("57014"), 1u);
}

TEST(QueryStatsTest, TextIsKeptOnceAndCutAtACharacterBoundary) {
  EXPECT_EQ(truncate_utf8("h\xc3\xa9llo", 2), "h");  // never half of "é"
  EXPECT_EQ(truncate_utf8("h\xc3\xa9llo", 3), "h\xc3\xa9");
  EXPECT_EQ(truncate_utf8("abc", 10), "abc");

  RecordPolicy policy;
  policy.max_text_bytes = 5;
  QueryStats s;
  QueryEvent e = event(1, 1);
  e.normalized_text = "h\xc3\xa9llo world";
  s.record(e, policy);
  EXPECT_EQ(s.normalized_text, "h\xc3\xa9ll");
  e.normalized_text = "something else";
  s.record(e, policy);
  EXPECT_EQ(s.normalized_text, "h\xc3\xa9ll");
}

TEST(QueryStatsTest, KeepsTheSlowestRecentSample) {
  RecordPolicy policy;
  policy.sample_max_age_ms = 60'000;
  QueryStats s;
  QueryEvent e = event(5, 1'000);
  QuerySample slow = sample(5, 1'000, "slow");
  e.sample = &slow;
  s.record(e, policy);
  ASSERT_NE(s.sample, nullptr);
  EXPECT_EQ(*s.sample, slow);

  QuerySample fast = sample(3, 2'000, "fast");
  EXPECT_FALSE(s.wants_sample(3, 2'000, policy));
  e.sample = &fast;
  s.record(e, policy);
  EXPECT_EQ(s.sample->params[0], "slow");

  QuerySample slower = sample(7, 3'000, "slower");
  EXPECT_TRUE(s.wants_sample(7, 3'000, policy));
  e.sample = &slower;
  s.record(e, policy);
  EXPECT_EQ(s.sample->params[0], "slower");
  EXPECT_EQ(s.sample->params[1], std::nullopt);

  // Once the kept one is older than the age limit, a faster one replaces it.
  QuerySample later = sample(1, 3'000 + 60'001, "later");
  EXPECT_TRUE(s.wants_sample(1, later.at_ms, policy));
  e.sample = &later;
  s.record(e, policy);
  EXPECT_EQ(s.sample->params[0], "later");
}

TEST(QueryStatsTest, SamplesOffAndRedacted) {
  QuerySample secret = sample(9, 10, "4111-1111-1111-1111");
  QueryEvent e = event(9, 10);
  e.sample = &secret;

  RecordPolicy off;
  off.samples = SampleMode::Off;
  QueryStats s_off;
  EXPECT_FALSE(s_off.wants_sample(9, 10, off));
  s_off.record(e, off);
  EXPECT_EQ(s_off.sample, nullptr);

  RecordPolicy redacted;
  redacted.samples = SampleMode::Redacted;
  QueryStats s_red;
  s_red.record(e, redacted);
  ASSERT_NE(s_red.sample, nullptr);
  EXPECT_TRUE(s_red.sample->redacted);
  EXPECT_EQ(s_red.sample->query, "SELECT * FROM t WHERE id = $1");
  ASSERT_EQ(s_red.sample->params.size(), 2u);
  EXPECT_EQ(s_red.sample->params[0], std::nullopt);
  EXPECT_EQ(s_red.sample->duration_ms, 9);
}

TEST(QueryStatsTest, SampleValuesAreCut) {
  RecordPolicy policy;
  policy.max_text_bytes = 4;
  QuerySample big = sample(1, 1, std::string(100, 'x'));
  QueryEvent e = event(1, 1);
  e.sample = &big;
  QueryStats s;
  s.record(e, policy);
  ASSERT_NE(s.sample, nullptr);
  EXPECT_EQ(s.sample->query, "SELE");
  EXPECT_EQ(s.sample->params[0], "xxxx");
}

TEST(QueryStatsTest, MergeEqualsRecordingEverythingInOne) {
  QueryStats all;
  QueryStats a;
  QueryStats b;
  std::vector<QuerySample> samples;
  samples.reserve(100);
  for (int i = 0; i < 100; ++i) {
    QueryEvent e = event(0.1 + (i * 37) % 100 * 0.5, 1'000 + i * 10, i % 9 == 0 ? "40001" : "");
    samples.push_back(sample(e.total_ms, e.at_ms, std::to_string(i)));
    e.sample = &samples.back();
    all.record(e);
    (i % 3 == 0 ? a : b).record(e);
  }
  QueryStats merged;
  merged.merge(a);
  merged.merge(b);
  EXPECT_EQ(merged.calls, all.calls);
  EXPECT_NEAR(merged.total_ms, all.total_ms, 1e-9);
  EXPECT_EQ(merged.min_ms, all.min_ms);
  EXPECT_EQ(merged.max_ms, all.max_ms);
  EXPECT_NEAR(merged.wait_ms, all.wait_ms, 1e-9);
  EXPECT_NEAR(merged.server_ms, all.server_ms, 1e-9);
  EXPECT_EQ(merged.rows, all.rows);
  EXPECT_EQ(merged.error_calls, all.error_calls);
  EXPECT_EQ(merged.errors, all.errors);
  EXPECT_EQ(merged.bytes_in, all.bytes_in);
  EXPECT_EQ(merged.bytes_out, all.bytes_out);
  EXPECT_EQ(merged.first_seen_ms, all.first_seen_ms);
  EXPECT_EQ(merged.last_seen_ms, all.last_seen_ms);
  EXPECT_EQ(merged.normalized_text, all.normalized_text);
  EXPECT_TRUE(merged.latency.same_distribution(all.latency));
  ASSERT_NE(merged.sample, nullptr);
  EXPECT_EQ(*merged.sample, *all.sample);
  EXPECT_EQ(merged.sample->duration_ms, all.max_ms);
}

TEST(QueryStatsTest, MergeIntoEmptyCopies) {
  QueryStats a;
  a.record(event(3, 50, "XX000"));
  QueryStats m;
  m.merge(a);
  m.merge(QueryStats{});
  EXPECT_EQ(m.calls, 1u);
  EXPECT_EQ(m.min_ms, 3);
  EXPECT_EQ(m.first_seen_ms, 50);
  EXPECT_EQ(m.errors.at("XX000"), 1u);
}

TEST(QueryKeyTest, HashingAndLookupByViews) {
  std::unordered_map<QueryKey, int, QueryKeyHash, QueryKeyEqual> m;
  m.emplace(QueryKey(1, "shop", "app"), 1);
  m.emplace(QueryKey(1, "shop", "admin"), 2);
  m.emplace(QueryKey(1, "crm", "app"), 3);
  m.emplace(QueryKey(2, "shop", "app"), 4);
  EXPECT_EQ(m.size(), 4u);
  const std::string db = "shop";
  auto it = m.find(QueryKeyRef(1, db, "admin"));
  ASSERT_NE(it, m.end());
  EXPECT_EQ(it->second, 2);
  EXPECT_EQ(m.find(QueryKeyRef(3, "shop", "app")), m.end());
  EXPECT_EQ(hash_value(QueryKey(1, "shop", "app")), hash_value(QueryKeyRef(1, "shop", "app")));
  EXPECT_NE(hash_value(QueryKeyRef(1, "shop", "app")), hash_value(QueryKeyRef(1, "app", "shop")));
  std::unordered_map<QueryKey, int> plain;  // std::hash works too
  plain[QueryKey(5, "a", "b")] = 1;
  EXPECT_EQ(plain.count(QueryKey(5, "a", "b")), 1u);
  EXPECT_EQ(QueryKey(QueryKeyRef(5, "a", "b")), QueryKey(5, "a", "b"));
}

}  // namespace
}  // namespace sluice::workload
