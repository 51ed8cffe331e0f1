// MinuteSeries: per-minute tables, queries over a time range, roll-up into hours and the hourly
// retention.
#include <gtest/gtest.h>

#include <limits>

#include "workload/minute_buckets.h"

namespace sluice::workload {
namespace {

constexpr int64_t kMin = MinuteSeries::kMinuteMs;
constexpr int64_t kHour = MinuteSeries::kHourMs;
constexpr int64_t kBase = 1'764'061'200'000;  // 2025-11-25 09:00:00 UTC, an hour boundary

WorkloadTable table_with(uint64_t fp, uint64_t calls, double ms_each = 1.0) {
  WorkloadTable t;
  for (uint64_t i = 0; i < calls; ++i) {
    QueryEvent e;
    e.key = QueryKeyRef(fp, "shop", "app");
    e.normalized_text = "SELECT 1";
    e.total_ms = ms_each;
    e.at_ms = kBase;
    t.record(e);
  }
  return t;
}

uint64_t calls_of(const WorkloadTable& t, uint64_t fp) {
  const QueryStats* s = t.find(QueryKeyRef(fp, "shop", "app"));
  return s ? s->calls : 0;
}

TEST(MinuteSeriesTest, FloorsToMinutesAndHours) {
  EXPECT_EQ(MinuteSeries::minute_start(kBase + 59'999), kBase);
  EXPECT_EQ(MinuteSeries::minute_start(kBase + 60'000), kBase + kMin);
  EXPECT_EQ(MinuteSeries::minute_start(-1), -kMin);
  EXPECT_EQ(MinuteSeries::hour_start(kBase + kHour - 1), kBase);
  EXPECT_EQ(MinuteSeries::hour_start(-1), -kHour);
  EXPECT_EQ(MinuteSeries::Options{}.retention_ms, 7 * 24 * kHour);
}

TEST(MinuteSeriesTest, AddMergesTablesOfTheSameMinute) {
  MinuteSeries series;
  series.add(kBase + 10, table_with(1, 2));        // worker 1
  series.add(kBase + 59'999, table_with(1, 3));    // worker 2, same minute
  series.add(kBase + kMin + 1, table_with(2, 1));  // next minute
  ASSERT_EQ(series.minutes().size(), 2u);
  EXPECT_EQ(calls_of(series.minutes().at(kBase), 1), 5u);
  EXPECT_EQ(calls_of(series.minutes().at(kBase + kMin), 2), 1u);
  EXPECT_EQ(series.minutes().at(kBase).max_entries(), MinuteSeries::Options{}.max_entries_per_minute);
}

TEST(MinuteSeriesTest, QuerySinceAndUntil) {
  MinuteSeries series;
  for (int m = 0; m < 10; ++m) series.add(kBase + m * kMin, table_with(1, 1));
  EXPECT_EQ(calls_of(series.query(kBase), 1), 10u);
  EXPECT_EQ(calls_of(series.query(kBase + 5 * kMin), 1), 5u);
  // A minute that overlaps the start counts.
  EXPECT_EQ(calls_of(series.query(kBase + 5 * kMin + 30'000), 1), 5u);
  EXPECT_EQ(calls_of(series.query(kBase + 5 * kMin, kBase + 7 * kMin), 1), 2u);
  EXPECT_EQ(calls_of(series.query(kBase + 10 * kMin), 1), 0u);
  EXPECT_EQ(series.query(std::numeric_limits<int64_t>::min()).total_calls(), 10u);
}

TEST(MinuteSeriesTest, RollsOldMinutesIntoHours) {
  MinuteSeries::Options options;
  options.retention_ms = kHour;
  MinuteSeries series(options);
  for (int m = 0; m < 180; ++m) series.add(kBase + m * kMin, table_with(1 + m % 3, 1));
  ASSERT_EQ(series.minutes().size(), 180u);

  // Now is 3 h after the base: minutes that ended by base + 2 h become hours.
  EXPECT_EQ(series.roll_up(kBase + 3 * kHour), 120u);
  EXPECT_EQ(series.minutes().size(), 60u);
  ASSERT_EQ(series.hours().size(), 2u);
  EXPECT_EQ(series.hours().begin()->first, kBase);
  EXPECT_EQ(series.hours().at(kBase).total_calls(), 60u);
  EXPECT_EQ(calls_of(series.hours().at(kBase + kHour), 2), 20u);
  EXPECT_EQ(series.minutes().begin()->first, kBase + 2 * kHour);
  EXPECT_EQ(series.rolled_up_before_ms(), kBase + 2 * kHour);
  EXPECT_EQ(series.query(kBase).total_calls(), 180u);
  // An hour that overlaps the start counts whole.
  EXPECT_EQ(series.query(kBase + kHour + 30 * kMin).total_calls(), 120u);

  // Rolling again at the same time changes nothing; a late table for a rolled minute joins
  // its hour.
  EXPECT_EQ(series.roll_up(kBase + 3 * kHour), 0u);
  series.add(kBase + 5 * kMin, table_with(1, 4));
  EXPECT_EQ(series.minutes().size(), 60u);
  EXPECT_EQ(series.hours().at(kBase).total_calls(), 64u);
  EXPECT_EQ(series.query(kBase).total_calls(), 184u);
}

TEST(MinuteSeriesTest, HourlyRetentionDropsOldHours) {
  MinuteSeries::Options options;
  options.retention_ms = kHour;
  options.hourly_retention_ms = 2 * kHour;
  MinuteSeries series(options);
  for (int m = 0; m < 240; ++m) series.add(kBase + m * kMin, table_with(1, 1));
  series.roll_up(kBase + 4 * kHour);
  // Minutes of hours 0..2 were rolled; hours that ended by now - 2 h (hours 0 and 1) are gone.
  ASSERT_EQ(series.hours().size(), 1u);
  EXPECT_EQ(series.hours().begin()->first, kBase + 2 * kHour);
  EXPECT_EQ(series.query(kBase).total_calls(), 120u);
  EXPECT_GT(series.memory_bytes(), 0u);
}

TEST(MinuteSeriesTest, PoolGaugesAverageOverTheHour) {
  MinuteSeries::Options options;
  options.retention_ms = 0;
  MinuteSeries series(options);
  for (int m = 0; m < 60; ++m) {
    // Two workers, each with 2 servers in use for the whole minute.
    for (int w = 0; w < 2; ++w) {
      WorkloadTable t;
      t.pool(PoolKey{"shop", "app"}).observe(1, 0, 2, 3, double(kMin));
      series.add(kBase + m * kMin, t);
    }
  }
  series.roll_up(kBase + kHour);
  ASSERT_EQ(series.hours().size(), 1u);
  const PoolStats& p = series.hours().begin()->second.pools().at(PoolKey{"shop", "app"});
  EXPECT_DOUBLE_EQ(p.servers_in_use.mean(), 4);
  EXPECT_EQ(p.servers_in_use.max, 4);
  EXPECT_DOUBLE_EQ(p.servers_in_use.span_ms, double(kHour));
}

}  // namespace
}  // namespace sluice::workload
