// WorkloadTable: the statistics of one period (or of all time) for every query key and pool,
// with a cap on distinct query keys so memory stays bounded however many distinct statements
// the applications send.
//
// When a new key arrives and the table is full, the 1 % of entries with the least total time
// (found with nth_element, so one O(n) pass per max_entries / 100 new keys) are folded into the
// "other" row (fingerprint 0, text "<other>", empty database and user) and counted as
// evictions. Calls, time, rows, errors and bytes are conserved: entries plus the other row
// always add up to everything recorded. A key that comes back after eviction starts afresh.
//
// One table per worker is written on the per-query path (no locks: one owner); the background
// merger takes the workers' tables and merges them into its own (merge()).
//
// Memory: an entry is its key (72 bytes, plus database / user names over 15 bytes), its
// QueryStats (280 bytes, plus a normalized text over 15 bytes, and 4 bytes per latency bucket in
// the range seen: 9 after one call, typically 50..200, at most 704) and ~30 bytes of hash-table
// node and bucket overhead. Measured: 430 bytes per entry for one-call entries with a short text
// (10,000 entries: 4.1 MiB); with a 200-byte text and latencies spread over two decades about
// 1.3 KiB, so 10,000 entries take ~13 MB. The worst case per entry is bounded by
// RecordPolicy::max_text_bytes (text and sample) and the 2.9 KiB full-range histogram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "workload/pool_stats.h"
#include "workload/query_stats.h"

namespace sluice::workload {

enum class OrderBy { TotalTime, MeanTime, P99, Calls, Errors };

// "total_time", "mean_time", "p99", "calls", "errors".
std::string_view to_string(OrderBy order);
std::optional<OrderBy> parse_order_by(std::string_view text);

struct TopEntry {
  const QueryKey* key = nullptr;
  const QueryStats* stats = nullptr;
  double value = 0;  // the ordering value: ms for times, a count otherwise
};

class WorkloadTable {
 public:
  static constexpr std::size_t kDefaultMaxEntries = 10'000;
  static constexpr std::string_view kOtherText = "<other>";
  using Map = std::unordered_map<QueryKey, QueryStats, QueryKeyHash, QueryKeyEqual>;
  using PoolMap = std::unordered_map<PoolKey, PoolStats, PoolKeyHash>;

  explicit WorkloadTable(std::size_t max_entries = kDefaultMaxEntries, RecordPolicy policy = {});

  // Records one query. Events with fingerprint 0 go straight to the other row.
  void record(const QueryEvent& event);
  // Whether the observer should build a sample for this execution (see QueryStats::wants_sample).
  bool wants_sample(const QueryKeyRef& key, double duration_ms, int64_t at_ms) const;

  const QueryStats* find(const QueryKeyRef& key) const;
  // Adds stats under key as if they had been recorded here (used by import and merge).
  void add(const QueryKeyRef& key, const QueryStats& stats);
  // Adds to the other row and the eviction count (used by import).
  void add_other(const QueryStats& stats, uint64_t evictions);

  // The pool's statistics, created empty on first use. The reference stays valid until
  // clear() or destruction (pools are never evicted).
  PoolStats& pool(const PoolKey& key) { return pools_[key]; }
  const PoolMap& pools() const { return pools_; }

  // Folds another table in. Concurrent: the other table covers the same period (another
  // worker); Sequential: it covers another period. Only pool gauges tell the two apart.
  void merge(const WorkloadTable& other, MergeKind kind = MergeKind::Concurrent);

  // The n entries with the largest value of order, largest first (ties: more calls first, then
  // smaller fingerprint). The other row is not included. Pointers stay valid until the table
  // is changed.
  std::vector<TopEntry> top_n(OrderBy order, std::size_t n) const;

  const Map& entries() const { return map_; }
  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty() && other_.calls == 0 && pools_.empty(); }
  std::size_t max_entries() const { return max_entries_; }
  const QueryStats& other() const { return other_; }
  uint64_t evictions() const { return evictions_; }
  // Calls of all entries plus the other row.
  uint64_t total_calls() const;
  const RecordPolicy& policy() const { return policy_; }
  void set_policy(const RecordPolicy& policy) { policy_ = policy; }

  void clear();
  // Approximate bytes owned, the object included.
  std::size_t memory_bytes() const;

 private:
  // The stats of key, inserting an empty entry (evicting first if full) when missing.
  QueryStats& slot(const QueryKeyRef& key);
  void evict_batch();
  void fold_into_other(const QueryStats& stats);

  Map map_;
  PoolMap pools_;
  QueryStats other_;
  uint64_t evictions_ = 0;
  std::size_t max_entries_;
  RecordPolicy policy_;
  std::vector<std::pair<double, Map::iterator>> scratch_;  // reused by evict_batch
};

}  // namespace sluice::workload
