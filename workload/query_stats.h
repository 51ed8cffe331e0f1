// Statistics of one query fingerprint for one (database, user): calls, time, rows, errors by
// SQLSTATE, bytes, first and last seen, the normalized text, a latency histogram and one sample
// with real values (the slowest recent execution). Pure data: recording and merging, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workload/latency_histogram.h"

namespace sluice::workload {

// Identifies a row of the workload: fingerprint (from sql/), database and user. Fingerprint 0
// is reserved for the "other" row that collects evicted entries.
struct QueryKeyRef;
struct QueryKey {
  uint64_t fingerprint = 0;
  std::string database;
  std::string user;

  QueryKey() = default;
  QueryKey(uint64_t fp, std::string db, std::string u) : fingerprint(fp), database(std::move(db)), user(std::move(u)) {}
  explicit QueryKey(const QueryKeyRef& ref);
  bool operator==(const QueryKey&) const = default;
};

// A QueryKey made of views, for lookups on the per-query path without allocating.
struct QueryKeyRef {
  uint64_t fingerprint = 0;
  std::string_view database;
  std::string_view user;

  QueryKeyRef() = default;
  QueryKeyRef(uint64_t fp, std::string_view db, std::string_view u) : fingerprint(fp), database(db), user(u) {}
  QueryKeyRef(const QueryKey& k) : fingerprint(k.fingerprint), database(k.database), user(k.user) {}  // NOLINT
  bool operator==(const QueryKeyRef&) const = default;
};

inline QueryKey::QueryKey(const QueryKeyRef& ref)
    : fingerprint(ref.fingerprint), database(ref.database), user(ref.user) {}

std::size_t hash_value(const QueryKeyRef& key);

// Transparent hash and equality: a map keyed by QueryKey can be searched with a QueryKeyRef.
struct QueryKeyHash {
  using is_transparent = void;
  std::size_t operator()(const QueryKeyRef& k) const { return hash_value(k); }
  std::size_t operator()(const QueryKey& k) const { return hash_value(QueryKeyRef(k)); }
};
struct QueryKeyEqual {
  using is_transparent = void;
  bool operator()(const QueryKeyRef& a, const QueryKeyRef& b) const { return a == b; }
};

// One execution with its real values, as the client sent it. params[i] is nullopt for SQL NULL.
// When samples are redacted, query is the normalized text and every parameter is dropped
// (params keeps only the count, as nullopt), with redacted set.
struct QuerySample {
  std::string query;
  std::vector<std::optional<std::string>> params;
  double duration_ms = 0;
  int64_t at_ms = 0;  // unix ms
  bool redacted = false;

  bool operator==(const QuerySample&) const = default;
};

enum class SampleMode { Off, Redacted, On };

// How recording treats samples and text. Shared by every table of a proxy.
struct RecordPolicy {
  SampleMode samples = SampleMode::On;
  // A kept sample older than this (relative to a newer candidate) is replaced even by a faster
  // one, so the sample stays recent: "the slowest of the last hour".
  int64_t sample_max_age_ms = 3'600'000;
  // Normalized text, sample text and each sample parameter are cut to this many bytes (at a
  // UTF-8 character boundary) so that one huge statement cannot blow the memory bound.
  std::size_t max_text_bytes = 8192;
};

// What the observer reports for one finished query. Views only: nothing is copied unless kept
// (the text on the first call of a key, the sample when it replaces the kept one).
struct QueryEvent {
  QueryKeyRef key;
  std::string_view normalized_text;
  double total_ms = 0;   // from the client's request to the last reply byte
  double wait_ms = 0;    // of which waiting for a pool server
  double server_ms = 0;  // of which on the server
  int64_t rows = 0;      // from the command tag; negative counts as 0
  std::string_view sqlstate;  // empty on success
  uint64_t bytes_in = 0;      // client to server
  uint64_t bytes_out = 0;     // server to client
  int64_t at_ms = 0;          // unix ms when the query finished
  const QuerySample* sample = nullptr;  // may be null
};

struct QueryStats {
  std::string normalized_text;
  uint64_t calls = 0;
  double total_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
  double wait_ms = 0;    // total time spent waiting for a pool server
  double server_ms = 0;  // total time on the server
  int64_t rows = 0;
  uint64_t error_calls = 0;                               // calls that ended in an error
  std::map<std::string, uint64_t, std::less<>> errors;  // SQLSTATE -> calls
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t first_seen_ms = 0;  // unix ms; 0 when never called
  int64_t last_seen_ms = 0;
  LatencyHistogram latency;  // total time per call, µs
  // Immutable once made, so tables can share it when merging.
  std::shared_ptr<const QuerySample> sample;

  void record(const QueryEvent& event, const RecordPolicy& policy = {});
  // Folds in another period or another worker. The sample kept is the slowest one that is not
  // older than sample_max_age_ms relative to the newer of the two.
  void merge(const QueryStats& other, int64_t sample_max_age_ms = RecordPolicy{}.sample_max_age_ms);
  // Whether a sample of this duration taken at at_ms would be kept: lets the observer skip
  // building samples (copying parameters) that would be thrown away.
  bool wants_sample(double duration_ms, int64_t at_ms, const RecordPolicy& policy = {}) const;

  double mean_ms() const { return calls ? total_ms / double(calls) : 0.0; }
  double quantile_ms(double q) const { return latency.quantile(q) / 1000.0; }
  // Approximate bytes owned, the object included.
  std::size_t memory_bytes() const;
};

// Cuts text to at most max_bytes without splitting a UTF-8 character.
std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace sluice::workload

template <>
struct std::hash<sluice::workload::QueryKey> {
  std::size_t operator()(const sluice::workload::QueryKey& k) const { return sluice::workload::hash_value(k); }
};
