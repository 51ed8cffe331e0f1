// JSON export and import of the workload: the body of GET /api/v1/workload?since=… that the
// advisor pulls, and the form tables take on disk until persistence has its own.
//
// The JSON describes itself: times are in ms (fields end in _ms; histogram fields in µs end in
// _us), quantiles are precomputed (p50_ms, p95_ms, p99_ms), and every latency histogram carries
// its non-empty buckets as [index, count] pairs so a consumer can merge histograms from several
// proxies and compute its own quantiles; the top-level "histogram" object says how an index
// maps to a value range. Fingerprints are 16 lowercase hex digits (a JSON number would lose
// bits above 2^53). Import reads only the stored fields; computed ones (mean_ms, p99_ms, …) are
// ignored. Import errors throw WorkloadJsonError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "workload/minute_buckets.h"
#include "workload/workload_snapshot.h"

namespace sluice::workload {

class WorkloadJsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JsonOptions {
  bool include_histograms = true;
  bool include_samples = true;
};

constexpr int kWorkloadJsonVersion = 1;

std::string fingerprint_hex(uint64_t fingerprint);
std::optional<uint64_t> parse_fingerprint_hex(std::string_view text);

// {"unit":"us","scheme":"log2-quadratic","buckets_per_octave":22,...}: how bucket indexes map
// to values, with the formula in words.
nlohmann::json histogram_mapping_json();
// Throws WorkloadJsonError when the mapping differs from ours (histograms would not merge).
void check_histogram_mapping(const nlohmann::json& mapping);

// {"count":n,"sum_us":…,"min_us":…,"max_us":…,"buckets":[[index,count],…]}
nlohmann::json histogram_to_json(const LatencyHistogram& h);
LatencyHistogram histogram_from_json(const nlohmann::json& j);

nlohmann::json query_to_json(const QueryKey& key, const QueryStats& stats, const JsonOptions& options = {});
std::pair<QueryKey, QueryStats> query_from_json(const nlohmann::json& j);

nlohmann::json pool_to_json(const PoolKey& key, const PoolStats& stats, const JsonOptions& options = {});
std::pair<PoolKey, PoolStats> pool_from_json(const nlohmann::json& j);

// {"histogram":{mapping},"max_entries":…,"evictions":…,"total_calls":…,"queries":[… by total
//  time, largest first],"other":{…},"pools":[…]}
nlohmann::json table_to_json(const WorkloadTable& table, const JsonOptions& options = {});
WorkloadTable table_from_json(const nlohmann::json& j, std::size_t max_entries = WorkloadTable::kDefaultMaxEntries,
                              const RecordPolicy& policy = {});

// {"version":1,"histogram":{…},"retention_ms":…,"buckets":[{"start_ms":…,"duration_ms":60000 or
//  3600000,"table":{…}},…]} with the buckets that overlap [since_ms, +inf), oldest first.
nlohmann::json series_to_json(const MinuteSeries& series,
                              int64_t since_ms = std::numeric_limits<int64_t>::min(),
                              const JsonOptions& options = {});
MinuteSeries series_from_json(const nlohmann::json& j, const MinuteSeries::Options& options = {});

// Text for the wire: like j.dump() but invalid UTF-8 (client text and parameters are not
// checked) is replaced by U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& j, int indent = -1);

// The body of /api/v1/workload?since=…: {"version":1,"generated_at_ms":now,"since_ms":…,
// "until_ms":now,"histogram":{…},"summary":{table of everything since},"buckets":[…]} (buckets
// only when include_buckets).
nlohmann::json workload_response(const MinuteSeries& series, int64_t since_ms, int64_t now_ms,
                                 bool include_buckets, const JsonOptions& options = {});

}  // namespace sluice::workload
