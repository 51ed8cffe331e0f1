// The per-worker query recorder: turns each finished query into a row update of the worker's
// WorkloadTable, with the fingerprint and normalized text from the worker's FingerprintCache.
//
// One recorder per worker thread, owned and used by that thread only (no locks). Pure logic,
// no I/O. The background merger gets the recorded data with take(), called on the worker
// (through the worker's post()), which hands over the whole table and leaves an empty one with
// the same cap and policy in its place.
//
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/fingerprint_cache.h"
#include "workload/pool_stats.h"
#include "workload/query_stats.h"
#include "workload/workload_snapshot.h"

namespace sluice::proxy::observe {

// One finished query, as a session reports it. Views only: nothing needs to outlive the call
// to record().
struct CompletedQuery {
  std::string_view query_text;  // as the client sent it (may be empty when fingerprint is set)
  uint64_t fingerprint = 0;     // from fingerprint() at Parse time; 0: computed from query_text
  std::string_view database;
  std::string_view user;
  double total_ms = 0;   // from the client's request to the last reply byte
  double wait_ms = 0;    // of which waiting for a pool server
  double server_ms = 0;  // of which on the server
  int64_t rows = 0;      // from the command tag
  std::string_view sqlstate;  // empty on success
  uint64_t bytes_in = 0;      // client to server
  uint64_t bytes_out = 0;     // server to client
  int64_t at_ms = 0;          // unix ms when the query finished
  // The Bind parameters (nullopt: SQL NULL), or null (simple query, or not kept).
  const std::vector<std::optional<std::string>>* params = nullptr;
  // Or the parameters still encoded, decoded only when a sample with values is kept (the
  // protocol's decoder, so this folder stays protocol-agnostic). Ignored when params is set.
  using ParamDecoder = bool (*)(std::string_view raw, std::vector<std::optional<std::string>>& out);
  std::string_view raw_params;
  ParamDecoder decode_params = nullptr;
};

struct QueryRecorderCounters {
  uint64_t recorded = 0;       // queries passed to record()
  uint64_t samples_built = 0;  // samples built because the table wanted them
  uint64_t takes = 0;          // calls to take()
  // The fingerprint cache's own counters (fingerprint() and record() both look texts up).
  uint64_t fingerprint_hits = 0;
  uint64_t fingerprint_misses = 0;
  uint64_t fingerprint_shape_hits = 0;  // misses answered without parsing
  uint64_t fingerprint_evictions = 0;
};

class QueryRecorder {
 public:
  // max_entries: the table's cap on distinct (fingerprint, database, user) keys;
  // policy: samples and text cut (see workload::RecordPolicy);
  // cache_capacity: texts (and shapes) kept by the fingerprint cache.
  explicit QueryRecorder(std::size_t max_entries = workload::WorkloadTable::kDefaultMaxEntries,
                         workload::RecordPolicy policy = {},
                         std::size_t cache_capacity = sql::FingerprintCache::kDefaultCapacity);

  QueryRecorder(const QueryRecorder&) = delete;
  QueryRecorder& operator=(const QueryRecorder&) = delete;

  // The fingerprint id of a query text (Parse time, or a simple query). The analysis, normalized
  // text included, stays in the cache, so record() for the same text is a cache hit.
  uint64_t fingerprint(std::string_view query_text);

  // Records one finished query. The normalized text comes from the cache (looked up by
  // query_text; empty when query_text is empty). A sample (raw text and parameters, or only the
  // parameter count when samples are redacted) is built only when the table would keep it.
  void record(const CompletedQuery& q);

  // Hands over everything recorded since the last take() and leaves an empty table with the
  // same cap and policy. Counters are not reset.
  workload::WorkloadTable take();

  // Statistics of a pool in the current table (sessions record acquisitions and gauges here).
  // The reference stays valid until the next take().
  workload::PoolStats& pool(const workload::PoolKey& key) { return table_.pool(key); }

  // Changes at every take(): references from pool() taken under another generation are stale.
  uint64_t generation() const noexcept { return takes_; }

  // Applies to the current table and to every table after it (configuration reload).
  void set_policy(const workload::RecordPolicy& policy);
  const workload::RecordPolicy& policy() const noexcept { return policy_; }
  std::size_t max_entries() const noexcept { return max_entries_; }

  const workload::WorkloadTable& table() const noexcept { return table_; }
  const sql::FingerprintCache& cache() const noexcept { return cache_; }
  QueryRecorderCounters counters() const noexcept;

 private:
  std::size_t max_entries_;
  workload::RecordPolicy policy_;
  sql::FingerprintCache cache_;
  workload::WorkloadTable table_;
  workload::QuerySample sample_;  // reused scratch: the table copies what it keeps
  std::vector<std::optional<std::string>> decoded_params_;  // reused scratch for raw_params
  uint64_t recorded_ = 0;
  uint64_t samples_built_ = 0;
  uint64_t takes_ = 0;
};

}  // namespace sluice::proxy::observe
