// QueryRecorder: fingerprints through the cache, one row per query shape, errors by SQLSTATE,
// take() handing the table over, and samples under each policy.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "proxy/observe/query_recorder.h"

namespace sluice::proxy::observe {
namespace {

using Params = std::vector<std::optional<std::string>>;

CompletedQuery completed(std::string_view text, double total_ms, int64_t at_ms = 1'000,
                         std::string_view sqlstate = {}, const Params* params = nullptr) {
  CompletedQuery q;
  q.query_text = text;
  q.database = "shop";
  q.user = "app";
  q.total_ms = total_ms;
  q.wait_ms = 0.1;
  q.server_ms = total_ms - 0.1;
  q.rows = 1;
  q.sqlstate = sqlstate;
  q.bytes_in = 10;
  q.bytes_out = 20;
  q.at_ms = at_ms;
  q.params = params;
  return q;
}

TEST(QueryRecorderTest, OneRowForOneShapeWithDifferentConstants) {
  QueryRecorder r;
  for (int i = 0; i < 1000; ++i) {
    const std::string text = "SELECT * FROM users WHERE id = " + std::to_string(i);
    r.record(completed(text, 1.0 + i % 10, 1'000 + i));
  }
  const workload::WorkloadTable& t = r.table();
  ASSERT_EQ(t.size(), 1u);
  const auto& [key, stats] = *t.entries().begin();
  EXPECT_NE(key.fingerprint, 0u);
  EXPECT_EQ(key.database, "shop");
  EXPECT_EQ(key.user, "app");
  EXPECT_EQ(stats.calls, 1000u);
  EXPECT_EQ(stats.normalized_text, "SELECT * FROM users WHERE id = $1");
  EXPECT_EQ(stats.rows, 1000);
  EXPECT_EQ(stats.bytes_in, 10'000u);
  EXPECT_EQ(stats.bytes_out, 20'000u);
  EXPECT_DOUBLE_EQ(stats.min_ms, 1.0);
  EXPECT_DOUBLE_EQ(stats.max_ms, 10.0);
  EXPECT_EQ(stats.first_seen_ms, 1'000);
  EXPECT_EQ(stats.last_seen_ms, 1'999);
  EXPECT_EQ(stats.error_calls, 0u);
  // Same fingerprint as the one handed out at Parse time.
  EXPECT_EQ(r.fingerprint("SELECT * FROM users WHERE id = 12345"), key.fingerprint);

  const QueryRecorderCounters c = r.counters();
  EXPECT_EQ(c.recorded, 1000u);
  EXPECT_EQ(c.fingerprint_misses, 1001u);   // every text was new
  EXPECT_EQ(c.fingerprint_shape_hits, 1000u);  // all but the first answered by shape
  EXPECT_EQ(c.fingerprint_hits, 0u);
}

TEST(QueryRecorderTest, RepeatedTextIsACacheHit) {
  QueryRecorder r;
  const uint64_t fp = r.fingerprint("SELECT name FROM items WHERE id = $1");
  ASSERT_NE(fp, 0u);
  EXPECT_EQ(r.counters().fingerprint_misses, 1u);
  for (int i = 0; i < 5; ++i) r.record(completed("SELECT name FROM items WHERE id = $1", 2.0));
  EXPECT_EQ(r.counters().fingerprint_hits, 5u);
  EXPECT_EQ(r.counters().fingerprint_misses, 1u);
  const workload::QueryStats* s = r.table().find(workload::QueryKeyRef(fp, "shop", "app"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->calls, 5u);
  EXPECT_EQ(s->normalized_text, "SELECT name FROM items WHERE id = $1");
}

TEST(QueryRecorderTest, GivenFingerprintIsTheKey) {
  QueryRecorder r;
  const char* text = "UPDATE items SET stock = stock - $1 WHERE id = $2";
  const uint64_t fp = r.fingerprint(text);
  CompletedQuery q = completed(text, 3.0);
  q.fingerprint = fp;
  r.record(q);
  // Executions of a prepared statement may come without the text: same row.
  q.query_text = {};
  r.record(q);
  // A caller-chosen id is kept as is.
  q.fingerprint = 42;
  r.record(q);
  ASSERT_EQ(r.table().size(), 2u);
  const workload::QueryStats* s = r.table().find(workload::QueryKeyRef(fp, "shop", "app"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->calls, 2u);
  EXPECT_EQ(s->normalized_text, text);
  const workload::QueryStats* other = r.table().find(workload::QueryKeyRef(42, "shop", "app"));
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->calls, 1u);
  EXPECT_EQ(other->normalized_text, "");
}

TEST(QueryRecorderTest, ErrorsCountedBySqlstate) {
  QueryRecorder r;
  for (int i = 0; i < 10; ++i) r.record(completed("SELECT " + std::to_string(i) + " / 0", 0.5, 1'000, "22012"));
  r.record(completed("SELECT 1 / 3", 0.5));
  ASSERT_EQ(r.table().size(), 1u);
  const workload::QueryStats& s = r.table().entries().begin()->second;
  EXPECT_EQ(s.calls, 11u);
  EXPECT_EQ(s.error_calls, 10u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors.at("22012"), 10u);
}

TEST(QueryRecorderTest, TakeHandsOverAndLeavesAnEmptyTable) {
  workload::RecordPolicy policy;
  policy.samples = workload::SampleMode::Redacted;
  policy.max_text_bytes = 100;
  QueryRecorder r(500, policy);
  r.record(completed("SELECT 1", 1.0));
  r.record(completed("SELECT now()", 1.0));
  r.pool(workload::PoolKey{"shop", "app"}).record_acquire(0.5, 1'000);

  workload::WorkloadTable taken = r.take();
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken.total_calls(), 2u);
  EXPECT_EQ(taken.pools().size(), 1u);

  EXPECT_TRUE(r.table().empty());
  EXPECT_EQ(r.table().size(), 0u);
  EXPECT_EQ(r.table().total_calls(), 0u);
  EXPECT_EQ(r.table().max_entries(), 500u);
  EXPECT_EQ(r.table().policy().samples, workload::SampleMode::Redacted);
  EXPECT_EQ(r.table().policy().max_text_bytes, 100u);
  EXPECT_EQ(r.counters().takes, 1u);
  EXPECT_EQ(r.counters().recorded, 2u);  // counters are not reset

  // Recording goes on into the new table; the taken one is unaffected.
  r.record(completed("SELECT 1", 1.0));
  EXPECT_EQ(r.table().total_calls(), 1u);
  EXPECT_EQ(taken.total_calls(), 2u);
  EXPECT_TRUE(r.take().size() == 1u && r.table().empty());
}

TEST(QueryRecorderTest, SampleKeepsTheSlowestCallsParameters) {
  workload::RecordPolicy policy;
  policy.samples = workload::SampleMode::On;
  QueryRecorder r(100, policy);
  const char* text = "SELECT * FROM orders WHERE customer = $1 AND status = $2";
  const double durations[] = {2.0, 9.0, 1.0, 4.0, 3.0};
  for (int i = 0; i < 5; ++i) {
    const Params params = {std::to_string(100 + i), i == 1 ? std::nullopt : std::optional<std::string>("open")};
    r.record(completed(text, durations[i], 1'000 + i, {}, &params));
  }
  ASSERT_EQ(r.table().size(), 1u);
  const workload::QueryStats& s = r.table().entries().begin()->second;
  ASSERT_NE(s.sample, nullptr);
  EXPECT_DOUBLE_EQ(s.sample->duration_ms, 9.0);
  EXPECT_EQ(s.sample->at_ms, 1'001);
  EXPECT_EQ(s.sample->query, text);
  EXPECT_FALSE(s.sample->redacted);
  const Params expected = {"101", std::nullopt};
  EXPECT_EQ(s.sample->params, expected);
  // Only the calls that set a new slowest built a sample.
  EXPECT_EQ(r.counters().samples_built, 2u);
}

TEST(QueryRecorderTest, SampleOfASimpleQueryHasTheRawText) {
  QueryRecorder r;
  r.record(completed("SELECT * FROM t WHERE a = 5", 1.0));
  const workload::QueryStats& s = r.table().entries().begin()->second;
  ASSERT_NE(s.sample, nullptr);
  EXPECT_EQ(s.sample->query, "SELECT * FROM t WHERE a = 5");
  EXPECT_TRUE(s.sample->params.empty());
}

TEST(QueryRecorderTest, RedactedSampleKeepsNoValues) {
  workload::RecordPolicy policy;
  policy.samples = workload::SampleMode::Redacted;
  QueryRecorder r(100, policy);
  const Params params = {"secret", std::nullopt, "hunter2"};
  r.record(completed("SELECT * FROM users WHERE email = $1 AND a = $2 AND pw = $3", 5.0, 1'000, {}, &params));
  const workload::QueryStats& s = r.table().entries().begin()->second;
  ASSERT_NE(s.sample, nullptr);
  EXPECT_TRUE(s.sample->redacted);
  EXPECT_EQ(s.sample->query, s.normalized_text);
  EXPECT_EQ(s.sample->params, Params(3, std::nullopt));
}

TEST(QueryRecorderTest, SamplesOffKeepNone) {
  workload::RecordPolicy policy;
  policy.samples = workload::SampleMode::Off;
  QueryRecorder r(100, policy);
  for (int i = 0; i < 5; ++i) {
    const Params params = {std::to_string(i)};
    r.record(completed("SELECT * FROM orders WHERE id = $1", 1.0 + i, 1'000 + i, {}, &params));
  }
  ASSERT_EQ(r.table().size(), 1u);
  const workload::QueryStats& s = r.table().entries().begin()->second;
  EXPECT_EQ(s.calls, 5u);
  EXPECT_EQ(s.sample, nullptr);
  EXPECT_EQ(r.counters().samples_built, 0u);
}

TEST(QueryRecorderTest, SampleParametersAreCut) {
  workload::RecordPolicy policy;
  policy.max_text_bytes = 8;
  QueryRecorder r(100, policy);
  const Params params = {std::string(1000, 'x')};
  r.record(completed("SELECT $1::text", 1.0, 1'000, {}, &params));
  const workload::QueryStats& s = r.table().entries().begin()->second;
  ASSERT_NE(s.sample, nullptr);
  ASSERT_EQ(s.sample->params.size(), 1u);
  EXPECT_EQ(s.sample->params[0], std::string(8, 'x'));
}

TEST(QueryRecorderTest, CapFoldsIntoTheOtherRow) {
  QueryRecorder r(100);
  for (int i = 0; i < 300; ++i) r.record(completed("SELECT c" + std::to_string(i) + " FROM t", 1.0));
  EXPECT_LE(r.table().size(), 100u);
  EXPECT_EQ(r.table().total_calls(), 300u);
  EXPECT_GT(r.table().evictions(), 0u);
}

}  // namespace
}  // namespace sluice::proxy::observe
