// The background merger: once per flush interval (default 1 s) it takes every worker's
// recorded table (through the worker's post(), so recording never takes a lock), folds them
// into the all-time totals and the per-minute series, rolls old minutes into hours, and
// writes what changed to the workload store (RocksDB under data_dir) in one batch. On start it
// loads what the store holds, so a restart (even kill -9) loses at most the last interval.
//
// Readers (admin console, HTTP API) see the merged state under a mutex, never on the query path.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "workload/minute_buckets.h"
#include "workload/workload_snapshot.h"

namespace sluice::workload {
class WorkloadStore;
}

namespace sluice::proxy::observe {

struct MergerCounters {
  uint64_t ticks = 0;
  uint64_t tables_merged = 0;
  uint64_t late_tables = 0;  // a worker answered after the tick gave up waiting (merged next tick)
  uint64_t store_writes = 0;
  uint64_t store_errors = 0;
  uint64_t store_disk_bytes = 0;
  int64_t last_flush_ms = 0;  // unix ms of the last successful store write
};

class WorkloadMerger {
 public:
  struct Options {
    workload::MinuteSeries::Options series;
    std::size_t totals_max_entries = workload::WorkloadTable::kDefaultMaxEntries;
    int64_t flush_interval_ms = 1000;
    std::string data_dir;  // empty: memory only
  };
  // Delivers one worker's table; may be called from any thread.
  using Deliver = std::function<void(workload::WorkloadTable)>;
  // Asks every worker for its table; returns how many deliveries to expect.
  using Collect = std::function<std::size_t(const Deliver&)>;

  // Opens and loads the store (throws std::runtime_error naming data_dir when it cannot).
  WorkloadMerger(Options options, Collect collect);
  ~WorkloadMerger();

  void start();
  // Collects and writes one last time, then stops the thread. Call while the workers still run.
  void stop();
  // One collection and merge now (tests, shutdown).
  void flush();

  // Calls f with the all-time totals, under the merger's lock.
  void with_totals(const std::function<void(const workload::WorkloadTable&)>& f) const;
  // A copy of the all-time totals, taken under the merger's lock.
  workload::WorkloadTable totals() const;
  // The body of /api/v1/workload?since=…
  nlohmann::json workload_json(int64_t since_ms, bool include_buckets) const;
  MergerCounters counters() const;
  int64_t started_ms() const { return started_ms_; }

 private:
  void run();
  void tick();
  void persist(int64_t now_ms, const std::vector<int64_t>& rolled_minutes);

  Options options_;
  Collect collect_;
  std::unique_ptr<workload::WorkloadStore> store_;
  int64_t started_ms_ = 0;

  mutable std::mutex mu_;  // guards totals_, series_, counters_
  workload::WorkloadTable totals_;
  workload::MinuteSeries series_;
  MergerCounters counters_;
  std::vector<int64_t> dirty_minutes_;

  std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  std::vector<workload::WorkloadTable> inbox_;

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::mutex tick_mu_;  // one tick at a time (thread, flush(), stop())
};

}  // namespace sluice::proxy::observe
