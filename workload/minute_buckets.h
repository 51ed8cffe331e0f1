// MinuteSeries: the workload over time, one WorkloadTable per minute (keyed by the minute's
// start, unix ms). Minutes older than the retention (default 7 days) are rolled up into one
// table per hour; hours older than the hourly retention (0: kept) are dropped.
//
// The background merger adds each worker's table for a minute with add() (concurrent merge:
// the workers' tables cover the same minute), calls roll_up() now and then, and serves
// query(since) to the HTTP API. A table added for a minute that was already rolled up goes into
// its hour.
//
// Memory: one table per bucket, each capped (max_entries_per_minute / per_hour). A minute
// table holds the keys active in that minute only; with 100 active keys a minute at ~0.5 KiB
// each (short histograms, shared samples), 7 days of minutes are ~350 MB, so a proxy with a
// wide workload should lower max_entries_per_minute or the retention. Persistence (RocksDB)
// will keep the long history out of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>

#include "workload/workload_snapshot.h"

namespace sluice::workload {

class MinuteSeries {
 public:
  static constexpr int64_t kMinuteMs = 60'000;
  static constexpr int64_t kHourMs = 3'600'000;

  struct Options {
    int64_t retention_ms = 7 * 24 * kHourMs;  // per-minute detail kept this long
    int64_t hourly_retention_ms = 0;          // hourly roll-ups kept this long; 0: forever
    std::size_t max_entries_per_minute = 1'000;
    std::size_t max_entries_per_hour = WorkloadTable::kDefaultMaxEntries;
    RecordPolicy policy;
  };

  MinuteSeries() : MinuteSeries(Options{}) {}
  explicit MinuteSeries(Options options) : options_(options) {}

  // Floors to the start of the minute / hour (correct for negative times too).
  static int64_t minute_start(int64_t at_ms) { return floor_to(at_ms, kMinuteMs); }
  static int64_t hour_start(int64_t at_ms) { return floor_to(at_ms, kHourMs); }

  // Merges table (concurrently) into the minute containing at_ms, or into its hour when that
  // minute has already been rolled up.
  void add(int64_t at_ms, const WorkloadTable& table);
  // Merges table (concurrently) into the hour containing at_ms (used by import).
  void add_hour(int64_t at_ms, const WorkloadTable& table);

  // Rolls minutes that ended at or before now_ms - retention_ms into their hours (sequential
  // merge), and drops hours past the hourly retention. Returns the number of minutes rolled up.
  std::size_t roll_up(int64_t now_ms);

  // Everything in buckets that overlap [since_ms, until_ms), merged into one table with
  // max_entries entries at most.
  WorkloadTable query(int64_t since_ms, int64_t until_ms = std::numeric_limits<int64_t>::max(),
                      std::size_t max_entries = WorkloadTable::kDefaultMaxEntries) const;

  const std::map<int64_t, WorkloadTable>& minutes() const { return minutes_; }
  const std::map<int64_t, WorkloadTable>& hours() const { return hours_; }
  const Options& options() const { return options_; }
  // Minutes that start before this are kept as hours (INT64_MIN before the first roll-up).
  int64_t rolled_up_before_ms() const { return rolled_up_before_ms_; }
  std::size_t memory_bytes() const;

 private:
  static int64_t floor_to(int64_t at_ms, int64_t unit) {
    int64_t q = at_ms / unit;
    if (at_ms % unit < 0) --q;
    return q * unit;
  }
  WorkloadTable& hour_table(int64_t hour);

  Options options_;
  std::map<int64_t, WorkloadTable> minutes_;
  std::map<int64_t, WorkloadTable> hours_;
  int64_t rolled_up_before_ms_ = std::numeric_limits<int64_t>::min();
};

}  // namespace sluice::workload
