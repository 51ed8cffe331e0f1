// Statistics of one server pool: transactions, queries, time split into pool wait and server
// time, bytes, and gauges (active clients, waiting clients, server connections in use).
//
// Gauges are kept as time integrals (value × ms and the ms observed), so they merge two ways:
//   - Concurrent: two parts of the same period (two workers, same minute): values add up, so
//     integrals add, the span is the longer one, and the max is the sum of the maxima (an upper
//     bound: the two maxima may not have happened at the same instant).
//   - Sequential: two periods one after the other (minutes into an hour): integrals and spans
//     add, the max is the larger one.
// The background merger combines the workers' tables of one minute concurrently, and minutes
// into longer periods sequentially.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "workload/latency_histogram.h"

namespace sluice::workload {

enum class MergeKind { Concurrent, Sequential };

struct PoolKey {
  std::string database;
  std::string user;
  bool operator==(const PoolKey&) const = default;
};

struct PoolKeyHash {
  std::size_t operator()(const PoolKey& k) const;
};

struct GaugeStats {
  double integral = 0;  // sum of value × ms held
  double span_ms = 0;   // ms observed
  double max = 0;

  // The gauge had this value for held_ms.
  void observe(double value, double held_ms) {
    if (held_ms < 0) held_ms = 0;
    integral += value * held_ms;
    span_ms += held_ms;
    if (value > max) max = value;
  }
  double mean() const { return span_ms > 0 ? integral / span_ms : 0.0; }
  void merge(const GaugeStats& other, MergeKind kind);
  bool operator==(const GaugeStats&) const = default;
};

struct PoolStats {
  uint64_t transactions = 0;
  uint64_t queries = 0;
  uint64_t errors = 0;        // queries that ended in an error
  uint64_t acquisitions = 0;  // times a client was given a server
  uint64_t waits = 0;         // of which the client had to wait (wait > 0)
  double wait_ms = 0;         // total time clients waited for a server
  double max_wait_ms = 0;
  double server_ms = 0;       // total time queries spent on servers
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t first_seen_ms = 0;  // unix ms of the first and last recorded activity
  int64_t last_seen_ms = 0;
  LatencyHistogram wait_latency;  // per acquisition, µs (zero waits land in the lowest bucket)
  GaugeStats active_clients;      // clients linked to a server
  GaugeStats waiting_clients;     // clients waiting for a server
  GaugeStats servers_in_use;      // server connections linked to a client
  GaugeStats servers_open;        // server connections open (idle, in use or connecting)

  // A client got a server after waiting wait_ms (0 when one was idle).
  void record_acquire(double wait_ms, int64_t at_ms);
  void record_query(double server_ms, bool error, uint64_t bytes_in, uint64_t bytes_out, int64_t at_ms);
  void record_transaction(int64_t at_ms);
  // The gauges held these values for held_ms (the janitor calls this on every tick).
  void observe(int active, int waiting, int in_use, int open, double held_ms);

  void merge(const PoolStats& other, MergeKind kind);
  double mean_wait_ms() const { return acquisitions ? wait_ms / double(acquisitions) : 0.0; }
  std::size_t memory_bytes() const { return sizeof(*this) - sizeof(wait_latency) + wait_latency.memory_bytes(); }

 private:
  void seen(int64_t at_ms);
};

}  // namespace sluice::workload
