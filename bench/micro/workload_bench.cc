// Micro benchmarks of the workload statistics on the per-query path: recording a latency,
// recording a whole query into its stats and into a worker's table, and the background merge.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "workload/latency_histogram.h"
#include "workload/query_stats.h"
#include "workload/workload_snapshot.h"

namespace wl = sluice::workload;

namespace {

constexpr std::size_t kValues = 4096;  // power of two

std::vector<double> latencies_us() {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(std::log(800.0), 1.3);
  std::vector<double> v(kValues);
  for (auto& x : v) x = d(rng);
  return v;
}

wl::QueryEvent event_for(uint64_t fp, double total_ms) {
  wl::QueryEvent e;
  e.key = wl::QueryKeyRef(fp, "shop", "app");
  e.normalized_text = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
  e.total_ms = total_ms;
  e.wait_ms = total_ms * 0.05;
  e.server_ms = total_ms * 0.9;
  e.rows = 1;
  e.bytes_in = 60;
  e.bytes_out = 120;
  e.at_ms = 1'764'061'200'000;
  return e;
}

void BM_HistogramBucketIndex(benchmark::State& state) {
  const auto values = latencies_us();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(wl::LatencyHistogram::bucket_index(values[i++ & (kValues - 1)]));
  }
}
BENCHMARK(BM_HistogramBucketIndex);

void BM_HistogramRecord(benchmark::State& state) {
  const auto values = latencies_us();
  wl::LatencyHistogram h;
  for (double v : values) h.record(v);  // warm: the range is already allocated
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & (kValues - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramQuantile(benchmark::State& state) {
  const auto values = latencies_us();
  wl::LatencyHistogram h;
  for (double v : values) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.quantile(0.99));
}
BENCHMARK(BM_HistogramQuantile);

void BM_QueryStatsRecord(benchmark::State& state) {
  const auto values = latencies_us();
  wl::QueryStats s;
  wl::RecordPolicy policy;
  wl::QueryEvent e = event_for(1, 1.0);
  std::size_t i = 0;
  for (auto _ : state) {
    e.total_ms = values[i++ & (kValues - 1)] / 1000.0;
    s.record(e, policy);
  }
  benchmark::DoNotOptimize(s.calls);
}
BENCHMARK(BM_QueryStatsRecord);

// A worker's table with state.range(0) keys; every record hits an existing key.
void BM_WorkloadTableRecordExisting(benchmark::State& state) {
  const auto keys = uint64_t(state.range(0));
  const auto values = latencies_us();
  wl::WorkloadTable t(10'000);
  for (uint64_t k = 0; k < keys; ++k) t.record(event_for(1 + k * 0x9e3779b97f4a7c15ULL, 1.0));
  wl::QueryEvent e = event_for(1, 1.0);
  std::size_t i = 0;
  for (auto _ : state) {
    e.key.fingerprint = 1 + ((i * 7919) % keys) * 0x9e3779b97f4a7c15ULL;
    e.total_ms = values[i & (kValues - 1)] / 1000.0;
    t.record(e);
    ++i;
  }
  benchmark::DoNotOptimize(t.size());
}
BENCHMARK(BM_WorkloadTableRecordExisting)->Arg(10)->Arg(1000)->Arg(10'000);

// A new key into a full table: the amortised cost of eviction.
void BM_WorkloadTableRecordNewKeyWhenFull(benchmark::State& state) {
  wl::WorkloadTable t(10'000);
  uint64_t fp = 1;
  for (; fp <= 10'000; ++fp) t.record(event_for(fp, 1.0));
  for (auto _ : state) t.record(event_for(fp++, 0.5));
  benchmark::DoNotOptimize(t.evictions());
}
BENCHMARK(BM_WorkloadTableRecordNewKeyWhenFull);

// The background merger folding one worker's minute (1000 keys) into the global table.
void BM_WorkloadTableMerge(benchmark::State& state) {
  const auto values = latencies_us();
  wl::WorkloadTable worker(10'000);
  for (std::size_t i = 0; i < 100'000; ++i) worker.record(event_for(1 + i % 1000, values[i & (kValues - 1)] / 1000.0));
  wl::WorkloadTable global(10'000);
  for (auto _ : state) global.merge(worker);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_WorkloadTableMerge);

}  // namespace
