// Per-pool statistics: counters, wait time, gauges as time integrals, and the two ways of merging.
#include <gtest/gtest.h>

#include "workload/pool_stats.h"

namespace sluice::workload {
namespace {

TEST(PoolStatsTest, CountsQueriesTransactionsAndWaits) {
  PoolStats p;
  p.record_acquire(0, 1'000);
  p.record_acquire(4, 2'000);
  p.record_acquire(2, 1'500);
  p.record_query(3, false, 10, 20, 1'100);
  p.record_query(5, true, 1, 2, 2'100);
  p.record_transaction(2'200);
  EXPECT_EQ(p.acquisitions, 3u);
  EXPECT_EQ(p.waits, 2u);
  EXPECT_DOUBLE_EQ(p.wait_ms, 6);
  EXPECT_DOUBLE_EQ(p.mean_wait_ms(), 2);
  EXPECT_EQ(p.max_wait_ms, 4);
  EXPECT_EQ(p.queries, 2u);
  EXPECT_EQ(p.errors, 1u);
  EXPECT_DOUBLE_EQ(p.server_ms, 8);
  EXPECT_EQ(p.bytes_in, 11u);
  EXPECT_EQ(p.bytes_out, 22u);
  EXPECT_EQ(p.transactions, 1u);
  EXPECT_EQ(p.first_seen_ms, 1'000);
  EXPECT_EQ(p.last_seen_ms, 2'200);
  EXPECT_EQ(p.wait_latency.count(), 3u);
  EXPECT_NEAR(p.wait_latency.quantile(1.0) / 1000, 4, 1e-9);
}

TEST(PoolStatsTest, GaugesAreTimeWeighted) {
  GaugeStats g;
  g.observe(2, 100);
  g.observe(6, 300);
  EXPECT_DOUBLE_EQ(g.mean(), 5);
  EXPECT_EQ(g.max, 6);
  EXPECT_EQ(GaugeStats{}.mean(), 0);
}

TEST(PoolStatsTest, ConcurrentMergeAddsValuesSequentialMergeAddsTime) {
  // Two workers over the same minute: 3 and 5 servers in use all along.
  PoolStats w1;
  PoolStats w2;
  w1.observe(1, 0, 3, 4, 60'000);
  w2.observe(2, 1, 5, 5, 60'000);
  PoolStats minute = w1;
  minute.merge(w2, MergeKind::Concurrent);
  EXPECT_DOUBLE_EQ(minute.servers_in_use.mean(), 8);
  EXPECT_EQ(minute.servers_in_use.max, 8);
  EXPECT_DOUBLE_EQ(minute.active_clients.mean(), 3);
  EXPECT_DOUBLE_EQ(minute.waiting_clients.mean(), 1);
  EXPECT_DOUBLE_EQ(minute.servers_open.mean(), 9);

  // A quieter minute after it.
  PoolStats next;
  next.observe(0, 0, 2, 9, 60'000);
  PoolStats two_minutes = minute;
  two_minutes.merge(next, MergeKind::Sequential);
  EXPECT_DOUBLE_EQ(two_minutes.servers_in_use.mean(), 5);
  EXPECT_EQ(two_minutes.servers_in_use.max, 8);
  EXPECT_DOUBLE_EQ(two_minutes.servers_in_use.span_ms, 120'000);
}

TEST(PoolStatsTest, MergeAddsCounters) {
  PoolStats a;
  PoolStats b;
  a.record_query(1, false, 1, 1, 500);
  a.record_acquire(3, 500);
  b.record_query(2, true, 2, 2, 100);
  b.record_acquire(7, 900);
  b.record_transaction(900);
  PoolStats m = a;
  m.merge(b, MergeKind::Concurrent);
  EXPECT_EQ(m.queries, 2u);
  EXPECT_EQ(m.errors, 1u);
  EXPECT_EQ(m.transactions, 1u);
  EXPECT_EQ(m.acquisitions, 2u);
  EXPECT_EQ(m.max_wait_ms, 7);
  EXPECT_DOUBLE_EQ(m.wait_ms, 10);
  EXPECT_EQ(m.first_seen_ms, 100);
  EXPECT_EQ(m.last_seen_ms, 900);
  EXPECT_EQ(m.wait_latency.count(), 2u);

  PoolStats empty;
  empty.merge(PoolStats{}, MergeKind::Sequential);
  EXPECT_EQ(empty.first_seen_ms, 0);
  EXPECT_EQ(empty.last_seen_ms, 0);
}

}  // namespace
}  // namespace sluice::workload
