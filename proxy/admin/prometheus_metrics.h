// The body of GET /metrics: pools, the busiest query fingerprints and the proxy's own counters
// in the Prometheus text exposition format 0.0.4 (see prometheus_text.h).
//
// Families (all prefixed sluice_, base units: seconds, bytes):
//   per pool, labels database and user, from the live state (workers' rows added up):
//     pool_clients_active / _waiting / _idle, pool_servers_active / _idle / _login, pool_size,
//     pool_max_wait_seconds, pool_paused (0 or 1)                                    gauges
//   per pool, from the all-time table's PoolStats:
//     pool_transactions_total, pool_queries_total, pool_query_errors_total,
//     pool_wait_seconds_total, pool_server_seconds_total, pool_received_bytes_total (from
//     clients), pool_sent_bytes_total (to clients), pool_acquisitions_total        counters
//     pool_wait_duration_seconds                                                  histogram
//   per query key, labels fingerprint (16 hex digits), database and user, for the top_n keys by
//   total time (never the query text: it would make unbounded, unreadable label values):
//     query_calls_total, query_errors_total, query_rows_total                        counters
//     query_duration_seconds                                                      histogram
//   the whole table, evicted entries ("other" row) included:
//     queries_total, queries_failed_total, fingerprint_evictions_total               counters
//     fingerprints (distinct fingerprints tracked), query_stats_entries (rows tracked) gauges
//   the process: fingerprint_cache_hits_total, fingerprint_cache_misses_total,
//     samples_dropped_total, store_writes_total, store_errors_total                  counters
//     store_disk_bytes, uptime_seconds, start_time_seconds                            gauges
//
// All-query totals are queries_total / queries_failed_total rather than unlabelled samples of
// query_calls_total / query_errors_total, so that sum() over a family never counts twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/observe/live_state.h"
#include "workload/workload_snapshot.h"

namespace sluice::proxy::admin {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

struct MetricsInput {
  const workload::WorkloadTable* totals = nullptr;  // all-time statistics; null: none shown
  const observe::LiveState* live = nullptr;         // current pools; null: no live gauges
  std::size_t top_n = 20;                           // query keys that get their own series
  // proxy process counters
  uint64_t fingerprint_cache_hits = 0, fingerprint_cache_misses = 0, samples_dropped = 0, store_writes = 0,
           store_errors = 0;
  uint64_t store_disk_bytes = 0;
  double uptime_seconds = 0;
  int64_t now_ms = 0;  // unix ms; start_time_seconds is left out when 0
};

std::string render_prometheus(const MetricsInput& in);

}  // namespace sluice::proxy::admin
