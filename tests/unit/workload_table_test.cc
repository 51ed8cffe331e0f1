// WorkloadTable: per-key recording, the cap on distinct keys with eviction into the other row,
// top_n orderings, and merging per-worker tables into a global one.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "workload/workload_snapshot.h"

namespace sluice::workload {
namespace {

QueryEvent event(uint64_t fp, double total_ms, int64_t at_ms = 1'000, std::string_view sqlstate = {},
                 std::string_view db = "shop", std::string_view user = "app") {
  QueryEvent e;
  e.key = QueryKeyRef(fp, db, user);
  e.normalized_text = "SELECT 1";
  e.total_ms = total_ms;
  e.server_ms = total_ms;
  e.rows = 1;
  e.sqlstate = sqlstate;
  e.bytes_in = 10;
  e.bytes_out = 20;
  e.at_ms = at_ms;
  return e;
}

TEST(WorkloadTableTest, KeysAreFingerprintDatabaseAndUser) {
  WorkloadTable t;
  t.record(event(7, 1, 1, {}, "shop", "app"));
  t.record(event(7, 2, 1, {}, "shop", "app"));
  t.record(event(7, 3, 1, {}, "shop", "admin"));
  t.record(event(7, 4, 1, {}, "crm", "app"));
  EXPECT_EQ(t.size(), 3u);
  const QueryStats* s = t.find(QueryKeyRef(7, "shop", "app"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->calls, 2u);
  EXPECT_DOUBLE_EQ(s->total_ms, 3);
  EXPECT_EQ(t.find(QueryKeyRef(8, "shop", "app")), nullptr);
  EXPECT_EQ(t.total_calls(), 4u);
  EXPECT_EQ(t.evictions(), 0u);
  EXPECT_EQ(t.other().calls, 0u);
  EXPECT_EQ(t.other().normalized_text, "<other>");
}

TEST(WorkloadTableTest, FingerprintZeroGoesToTheOtherRow) {
  WorkloadTable t;
  t.record(event(0, 5));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.other().calls, 1u);
  EXPECT_EQ(t.find(QueryKeyRef(0, "", "")), &t.other());
  EXPECT_FALSE(t.wants_sample(QueryKeyRef(0, "shop", "app"), 5, 1));
}

TEST(WorkloadTableTest, EvictsTheLeastTotalTime) {
  WorkloadTable t(100);  // batches of 1
  for (uint64_t i = 1; i <= 100; ++i) t.record(event(i, double(i)));
  EXPECT_EQ(t.size(), 100u);
  EXPECT_EQ(t.evictions(), 0u);
  t.record(event(1000, 0.5));
  EXPECT_EQ(t.size(), 100u);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_EQ(t.find(QueryKeyRef(1, "shop", "app")), nullptr);
  EXPECT_NE(t.find(QueryKeyRef(2, "shop", "app")), nullptr);
  EXPECT_NE(t.find(QueryKeyRef(1000, "shop", "app")), nullptr);
  EXPECT_EQ(t.other().calls, 1u);
  EXPECT_DOUBLE_EQ(t.other().total_ms, 1);
  EXPECT_EQ(t.other().normalized_text, "<other>");
  EXPECT_EQ(t.total_calls(), 101u);
}

TEST(WorkloadTableTest, MillionDistinctKeysStayWithinTheCap) {
  constexpr std::size_t kCap = 10'000;
  constexpr uint64_t kDistinct = 1'000'000;
  constexpr uint64_t kHot = 10;
  WorkloadTable t(kCap);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> cheap(0.05, 2.0);
  uint64_t recorded = 0;
  uint64_t hot_calls[kHot] = {};
  double total = 0;
  std::size_t memory_at_cap = 0;
  std::size_t max_size = 0;
  const auto started = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < kDistinct; ++i) {
    const double ms = cheap(rng);
    t.record(event(1'000'000 + i, ms, int64_t(i), i % 50 == 0 ? "22012" : ""));
    ++recorded;
    total += ms;
    if (i % 20 == 0) {  // a few hot statements, slow enough never to be the least
      const uint64_t h = (i / 20) % kHot;
      t.record(event(h + 1, 25.0, int64_t(i)));
      ++hot_calls[h];
      ++recorded;
      total += 25.0;
    }
    max_size = std::max(max_size, t.size());
    if (i == 20'000) memory_at_cap = t.memory_bytes();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(max_size, kCap);
  EXPECT_LE(t.size(), kCap);
  EXPECT_GE(t.size(), kCap - kCap / 100);
  // Every key was inserted once (hot keys were never evicted): evicted + kept = distinct.
  EXPECT_EQ(t.evictions() + t.size(), kDistinct + kHot);
  // Nothing is lost: the other row holds what the evicted entries had.
  EXPECT_EQ(t.total_calls(), recorded);
  double kept_total = t.other().total_ms;
  uint64_t kept_errors = t.other().error_calls;
  for (const auto& [key, stats] : t.entries()) {
    kept_total += stats.total_ms;
    kept_errors += stats.error_calls;
  }
  EXPECT_NEAR(kept_total, total, total * 1e-9);
  EXPECT_EQ(kept_errors, kDistinct / 50);
  EXPECT_EQ(t.other().latency.count(), t.other().calls);
  EXPECT_EQ(t.other().sample, nullptr);
  for (uint64_t h = 0; h < kHot; ++h) {
    const QueryStats* s = t.find(QueryKeyRef(h + 1, "shop", "app"));
    ASSERT_NE(s, nullptr) << h;
    EXPECT_EQ(s->calls, hot_calls[h]);
  }
  // Memory stays where it was when the table first filled up.
  const std::size_t memory_end = t.memory_bytes();
  EXPECT_LE(memory_end, memory_at_cap * 5 / 4);
  std::cout << "[          ] 1M distinct keys into cap 10k: " << seconds << " s, " << t.evictions()
            << " evictions, memory " << memory_end / 1024 << " KiB (" << memory_end / t.size()
            << " bytes/entry; " << memory_at_cap / 1024 << " KiB when first full)\n";
}

TEST(WorkloadTableTest, TopNOrderings) {
  WorkloadTable t;
  // A: many cheap calls. B: few slow calls. C: errors. D: cheap with a slow tail.
  for (int i = 0; i < 1000; ++i) t.record(event(0xA, 1.0));
  for (int i = 0; i < 10; ++i) t.record(event(0xB, 50.0));
  for (int i = 0; i < 100; ++i) t.record(event(0xC, 2.0, 1, i < 30 ? "40P01" : ""));
  for (int i = 0; i < 196; ++i) t.record(event(0xD, 0.5));
  for (int i = 0; i < 4; ++i) t.record(event(0xD, 100.0));

  auto order = [&](OrderBy o, std::size_t n = 10) {
    std::vector<uint64_t> fps;
    for (const TopEntry& e : t.top_n(o, n)) fps.push_back(e.key->fingerprint);
    return fps;
  };
  EXPECT_EQ(order(OrderBy::TotalTime), (std::vector<uint64_t>{0xA, 0xB, 0xD, 0xC}));
  EXPECT_EQ(order(OrderBy::MeanTime), (std::vector<uint64_t>{0xB, 0xD, 0xC, 0xA}));
  EXPECT_EQ(order(OrderBy::P99), (std::vector<uint64_t>{0xD, 0xB, 0xC, 0xA}));
  EXPECT_EQ(order(OrderBy::Calls), (std::vector<uint64_t>{0xA, 0xD, 0xC, 0xB}));
  // Ties (no errors) fall back to calls.
  EXPECT_EQ(order(OrderBy::Errors), (std::vector<uint64_t>{0xC, 0xA, 0xD, 0xB}));
  EXPECT_EQ(order(OrderBy::TotalTime, 2), (std::vector<uint64_t>{0xA, 0xB}));
  EXPECT_TRUE(order(OrderBy::Calls, 0).empty());

  const auto top = t.top_n(OrderBy::P99, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_NEAR(top[0].value, 100.0, 100.0 * LatencyHistogram::kRelativeError);
  EXPECT_EQ(t.top_n(OrderBy::Errors, 1)[0].value, 30);

  for (OrderBy o : {OrderBy::TotalTime, OrderBy::MeanTime, OrderBy::P99, OrderBy::Calls, OrderBy::Errors}) {
    EXPECT_EQ(parse_order_by(to_string(o)), o);
  }
  EXPECT_EQ(parse_order_by("bogus"), std::nullopt);
}

TEST(WorkloadTableTest, MergingWorkerTablesEqualsRecordingInOne) {
  WorkloadTable reference;
  WorkloadTable workers[3];
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> ms(0.0, 1.0);
  for (int i = 0; i < 30'000; ++i) {
    const uint64_t fp = 1 + rng() % 50;
    const std::string_view user = (fp % 2) ? "app" : "batch";
    QueryEvent e = event(fp, ms(rng), 1'000 + i, i % 97 == 0 ? "23505" : "", "shop", user);
    reference.record(e);
    workers[i % 3].record(e);
  }
  workers[0].pool(PoolKey{"shop", "app"}).record_query(1, false, 1, 1, 5);
  workers[1].pool(PoolKey{"shop", "app"}).record_query(2, false, 1, 1, 6);

  WorkloadTable global;
  for (const auto& w : workers) global.merge(w);
  ASSERT_EQ(global.size(), reference.size());
  EXPECT_EQ(global.total_calls(), reference.total_calls());
  for (const auto& [key, want] : reference.entries()) {
    const QueryStats* got = global.find(key);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->calls, want.calls);
    EXPECT_NEAR(got->total_ms, want.total_ms, 1e-9 * want.total_ms);
    EXPECT_EQ(got->min_ms, want.min_ms);
    EXPECT_EQ(got->max_ms, want.max_ms);
    EXPECT_EQ(got->errors, want.errors);
    EXPECT_EQ(got->first_seen_ms, want.first_seen_ms);
    EXPECT_EQ(got->last_seen_ms, want.last_seen_ms);
    EXPECT_TRUE(got->latency.same_distribution(want.latency));
    EXPECT_EQ(got->quantile_ms(0.99), want.quantile_ms(0.99));
  }
  ASSERT_EQ(global.pools().size(), 1u);
  EXPECT_EQ(global.pools().begin()->second.queries, 2u);
  global.merge(global);  // merging into itself is ignored
  EXPECT_EQ(global.total_calls(), reference.total_calls());
}

TEST(WorkloadTableTest, MergeWithEvictionsConservesCalls) {
  WorkloadTable w1(100);
  WorkloadTable w2(100);
  uint64_t recorded = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    w1.record(event(1 + i, 1.0 + double(i % 7)));
    w2.record(event(5000 + i, 2.0));
    recorded += 2;
  }
  EXPECT_GT(w1.evictions(), 0u);
  WorkloadTable global(150);
  global.merge(w1);
  global.merge(w2);
  EXPECT_LE(global.size(), 150u);
  EXPECT_EQ(global.total_calls(), recorded);
  EXPECT_GE(global.evictions(), w1.evictions() + w2.evictions());
  EXPECT_EQ(global.evictions() + global.size(), 2000u);
}

TEST(WorkloadTableTest, WantsSampleAndKeepsIt) {
  WorkloadTable t;
  const QueryKeyRef key(9, "shop", "app");
  EXPECT_TRUE(t.wants_sample(key, 1, 1));
  QuerySample s{"SELECT $1", {std::string("x")}, 4, 1, false};
  QueryEvent e = event(9, 4, 1);
  e.sample = &s;
  t.record(e);
  EXPECT_FALSE(t.wants_sample(key, 3, 2));
  EXPECT_TRUE(t.wants_sample(key, 5, 2));
  ASSERT_NE(t.find(key)->sample, nullptr);
  EXPECT_EQ(t.find(key)->sample->params[0], "x");

  RecordPolicy off;
  off.samples = SampleMode::Off;
  WorkloadTable t_off(10, off);
  EXPECT_FALSE(t_off.wants_sample(key, 100, 1));
}

TEST(WorkloadTableTest, ClearResets) {
  WorkloadTable t(1);
  t.record(event(1, 1));
  t.record(event(2, 1));
  t.pool(PoolKey{"a", "b"}).record_transaction(1);
  EXPECT_EQ(t.evictions(), 1u);
  t.clear();
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.evictions(), 0u);
  EXPECT_EQ(t.other().normalized_text, "<other>");
}

}  // namespace
}  // namespace sluice::workload
