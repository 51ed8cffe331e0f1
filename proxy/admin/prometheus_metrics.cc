// The /metrics body (see prometheus_metrics.h).
#include "proxy/admin/prometheus_metrics.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "proxy/admin/live_pools.h"
#include "proxy/admin/prometheus_text.h"
#include "workload/workload_json.h"

namespace sluice::proxy::admin {
namespace {

using prom::Labels;
using prom::MetricType;
using prom::TextWriter;
using workload::PoolKey;
using workload::PoolStats;

using PoolEntry = workload::WorkloadTable::PoolMap::value_type;

Labels pool_labels(const std::string& database, const std::string& user) {
  return {{"database", database}, {"user", user}};
}

void live_pool_gauges(TextWriter& w, const std::vector<observe::PoolLive>& pools) {
  struct Gauge {
    const char* name;
    const char* help;
    double (*value)(const observe::PoolLive&);
  };
  static constexpr Gauge kGauges[] = {
      {"sluice_pool_clients_active", "Clients linked to a server.",
       [](const observe::PoolLive& p) { return double(p.cl_active); }},
      {"sluice_pool_clients_waiting", "Clients waiting for a server.",
       [](const observe::PoolLive& p) { return double(p.cl_waiting); }},
      {"sluice_pool_clients_idle", "Logged-in clients with no server, not waiting.",
       [](const observe::PoolLive& p) { return double(p.cl_idle); }},
      {"sluice_pool_servers_active", "Server connections linked to a client.",
       [](const observe::PoolLive& p) { return double(p.sv_active); }},
      {"sluice_pool_servers_idle", "Server connections idle in the pool.",
       [](const observe::PoolLive& p) { return double(p.sv_idle); }},
      {"sluice_pool_servers_login", "Server connections connecting or logging in.",
       [](const observe::PoolLive& p) { return double(p.sv_login); }},
      {"sluice_pool_size", "Configured maximum of server connections.",
       [](const observe::PoolLive& p) { return double(p.pool_size); }},
      {"sluice_pool_max_wait_seconds", "Longest current wait of a waiting client.",
       [](const observe::PoolLive& p) { return p.maxwait_ms / 1000.0; }},
      {"sluice_pool_paused", "1 when the pool is paused.",
       [](const observe::PoolLive& p) { return p.paused ? 1.0 : 0.0; }},
  };
  for (const Gauge& g : kGauges) {
    w.family(g.name, MetricType::Gauge, g.help);
    for (const observe::PoolLive& p : pools) w.sample(g.name, pool_labels(p.database, p.user), g.value(p));
  }
}

void pool_counters(TextWriter& w, const std::vector<const PoolEntry*>& pools) {
  struct Counter {
    const char* name;
    const char* help;
    double (*value)(const PoolStats&);
  };
  static constexpr Counter kCounters[] = {
      {"sluice_pool_transactions_total", "Transactions completed.",
       [](const PoolStats& s) { return double(s.transactions); }},
      {"sluice_pool_queries_total", "Queries completed.", [](const PoolStats& s) { return double(s.queries); }},
      {"sluice_pool_query_errors_total", "Queries that ended in an error.",
       [](const PoolStats& s) { return double(s.errors); }},
      {"sluice_pool_acquisitions_total", "Times a client was given a server.",
       [](const PoolStats& s) { return double(s.acquisitions); }},
      {"sluice_pool_wait_seconds_total", "Time clients spent waiting for a server.",
       [](const PoolStats& s) { return s.wait_ms / 1000.0; }},
      {"sluice_pool_server_seconds_total", "Time queries spent on servers.",
       [](const PoolStats& s) { return s.server_ms / 1000.0; }},
      {"sluice_pool_received_bytes_total", "Bytes received from clients.",
       [](const PoolStats& s) { return double(s.bytes_in); }},
      {"sluice_pool_sent_bytes_total", "Bytes sent to clients.",
       [](const PoolStats& s) { return double(s.bytes_out); }},
  };
  for (const Counter& c : kCounters) {
    w.family(c.name, MetricType::Counter, c.help);
    for (const PoolEntry* p : pools) {
      w.sample(c.name, pool_labels(p->first.database, p->first.user), c.value(p->second));
    }
  }
  w.family("sluice_pool_wait_duration_seconds", MetricType::Histogram,
           "Time a client waited for a server, per acquisition.");
  for (const PoolEntry* p : pools) {
    w.histogram("sluice_pool_wait_duration_seconds", pool_labels(p->first.database, p->first.user),
                p->second.wait_latency, prom::duration_bounds());
  }
}

void query_series(TextWriter& w, const workload::WorkloadTable& totals, std::size_t top_n) {
  const std::vector<workload::TopEntry> top = totals.top_n(workload::OrderBy::TotalTime, top_n);
  std::vector<std::string> fingerprints;
  fingerprints.reserve(top.size());
  for (const workload::TopEntry& e : top) fingerprints.push_back(workload::fingerprint_hex(e.key->fingerprint));
  const auto labels = [&](std::size_t i) {
    return Labels{{"fingerprint", fingerprints[i]}, {"database", top[i].key->database}, {"user", top[i].key->user}};
  };

  w.family("sluice_query_calls_total", MetricType::Counter, "Calls of the query (busiest query keys by total time).");
  for (std::size_t i = 0; i < top.size(); ++i) w.sample("sluice_query_calls_total", labels(i), top[i].stats->calls);
  w.family("sluice_query_errors_total", MetricType::Counter, "Calls of the query that ended in an error.");
  for (std::size_t i = 0; i < top.size(); ++i) {
    w.sample("sluice_query_errors_total", labels(i), top[i].stats->error_calls);
  }
  w.family("sluice_query_rows_total", MetricType::Counter, "Rows returned or affected by the query.");
  for (std::size_t i = 0; i < top.size(); ++i) {
    w.sample("sluice_query_rows_total", labels(i), uint64_t(std::max<int64_t>(top[i].stats->rows, 0)));
  }
  w.family("sluice_query_duration_seconds", MetricType::Histogram,
           "Time from the client's request to the last reply byte.");
  for (std::size_t i = 0; i < top.size(); ++i) {
    w.histogram("sluice_query_duration_seconds", labels(i), top[i].stats->latency, prom::duration_bounds());
  }
}

void table_totals(TextWriter& w, const workload::WorkloadTable& totals) {
  uint64_t failed = totals.other().error_calls;
  std::unordered_set<uint64_t> distinct;
  distinct.reserve(totals.size());
  for (const auto& [key, stats] : totals.entries()) {
    failed += stats.error_calls;
    distinct.insert(key.fingerprint);
  }
  w.family("sluice_queries_total", MetricType::Counter, "Queries recorded, all fingerprints (evicted ones included).");
  w.sample("sluice_queries_total", {}, totals.total_calls());
  w.family("sluice_queries_failed_total", MetricType::Counter, "Queries that ended in an error, all fingerprints.");
  w.sample("sluice_queries_failed_total", {}, failed);
  w.family("sluice_fingerprints", MetricType::Gauge, "Distinct query fingerprints tracked.");
  w.sample("sluice_fingerprints", {}, uint64_t(distinct.size()));
  w.family("sluice_query_stats_entries", MetricType::Gauge, "Query keys (fingerprint, database, user) tracked.");
  w.sample("sluice_query_stats_entries", {}, uint64_t(totals.size()));
  w.family("sluice_fingerprint_evictions_total", MetricType::Counter,
           "Query keys folded into the other row when the table was full.");
  w.sample("sluice_fingerprint_evictions_total", {}, totals.evictions());
}

void process_metrics(TextWriter& w, const MetricsInput& in) {
  const auto counter = [&](const char* name, const char* help, uint64_t value) {
    w.family(name, MetricType::Counter, help);
    w.sample(name, {}, value);
  };
  counter("sluice_fingerprint_cache_hits_total", "Fingerprint cache lookups answered from the cache.",
          in.fingerprint_cache_hits);
  counter("sluice_fingerprint_cache_misses_total", "Fingerprint cache lookups that had to parse.",
          in.fingerprint_cache_misses);
  counter("sluice_samples_dropped_total", "Query samples dropped.", in.samples_dropped);
  counter("sluice_store_writes_total", "Writes to the workload store.", in.store_writes);
  counter("sluice_store_errors_total", "Failed writes or reads of the workload store.", in.store_errors);
  w.family("sluice_store_disk_bytes", MetricType::Gauge, "Disk space used by the workload store.");
  w.sample("sluice_store_disk_bytes", {}, in.store_disk_bytes);
  w.family("sluice_uptime_seconds", MetricType::Gauge, "Time since the proxy started.");
  w.sample("sluice_uptime_seconds", {}, in.uptime_seconds);
  if (in.now_ms != 0) {
    w.family("sluice_start_time_seconds", MetricType::Gauge, "Unix time the proxy started.");
    w.sample("sluice_start_time_seconds", {}, double(in.now_ms) / 1000.0 - in.uptime_seconds);
  }
}

}  // namespace

std::string render_prometheus(const MetricsInput& in) {
  TextWriter w;
  if (in.live != nullptr) live_pool_gauges(w, sum_live_pools(in.live->pools));
  if (in.totals != nullptr) {
    std::vector<const PoolEntry*> pools;
    for (const PoolEntry& p : in.totals->pools()) pools.push_back(&p);
    std::sort(pools.begin(), pools.end(), [](const PoolEntry* a, const PoolEntry* b) {
      return a->first.database != b->first.database ? a->first.database < b->first.database
                                                    : a->first.user < b->first.user;
    });
    pool_counters(w, pools);
    query_series(w, *in.totals, in.top_n);
    table_totals(w, *in.totals);
  }
  process_metrics(w, in);
  return w.take();
}

}  // namespace sluice::proxy::admin
