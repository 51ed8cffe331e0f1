#include "workload/pool_stats.h"

#include <algorithm>
#include <functional>

namespace sluice::workload {

std::size_t PoolKeyHash::operator()(const PoolKey& k) const {
  const std::hash<std::string_view> h;
  return h(k.database) * 31 + h(k.user);
}

void GaugeStats::merge(const GaugeStats& o, MergeKind kind) {
  integral += o.integral;
  if (kind == MergeKind::Concurrent) {
    span_ms = std::max(span_ms, o.span_ms);
    max += o.max;
  } else {
    span_ms += o.span_ms;
    max = std::max(max, o.max);
  }
}

void PoolStats::seen(int64_t at_ms) {
  if (first_seen_ms == 0 && last_seen_ms == 0) {
    first_seen_ms = last_seen_ms = at_ms;
    return;
  }
  first_seen_ms = std::min(first_seen_ms, at_ms);
  last_seen_ms = std::max(last_seen_ms, at_ms);
}

void PoolStats::record_acquire(double wait, int64_t at_ms) {
  if (!(wait > 0)) wait = 0;
  ++acquisitions;
  if (wait > 0) ++waits;
  wait_ms += wait;
  max_wait_ms = std::max(max_wait_ms, wait);
  wait_latency.record(wait * 1000.0);
  seen(at_ms);
}

void PoolStats::record_query(double server, bool error, uint64_t in, uint64_t out, int64_t at_ms) {
  ++queries;
  if (error) ++errors;
  if (server > 0) server_ms += server;
  bytes_in += in;
  bytes_out += out;
  seen(at_ms);
}

void PoolStats::record_transaction(int64_t at_ms) {
  ++transactions;
  seen(at_ms);
}

void PoolStats::observe(int active, int waiting, int in_use, int open, double held_ms) {
  active_clients.observe(active, held_ms);
  waiting_clients.observe(waiting, held_ms);
  servers_in_use.observe(in_use, held_ms);
  servers_open.observe(open, held_ms);
}

void PoolStats::merge(const PoolStats& o, MergeKind kind) {
  const bool o_seen = o.first_seen_ms != 0 || o.last_seen_ms != 0;
  if (o_seen) {
    seen(o.first_seen_ms);
    seen(o.last_seen_ms);
  }
  transactions += o.transactions;
  queries += o.queries;
  errors += o.errors;
  acquisitions += o.acquisitions;
  waits += o.waits;
  wait_ms += o.wait_ms;
  max_wait_ms = std::max(max_wait_ms, o.max_wait_ms);
  server_ms += o.server_ms;
  bytes_in += o.bytes_in;
  bytes_out += o.bytes_out;
  wait_latency.merge(o.wait_latency);
  active_clients.merge(o.active_clients, kind);
  waiting_clients.merge(o.waiting_clients, kind);
  servers_in_use.merge(o.servers_in_use, kind);
  servers_open.merge(o.servers_open, kind);
}

}  // namespace sluice::workload
