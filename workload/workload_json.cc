#include "workload/workload_json.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <vector>

namespace sluice::workload {
namespace {

using json = nlohmann::json;

constexpr std::string_view kScheme = "log2-quadratic";

[[noreturn]] void fail(const std::string& message) { throw WorkloadJsonError("workload JSON: " + message); }

const json& field(const json& j, const char* name) {
  if (!j.is_object()) fail(std::string("expected an object holding '") + name + "'");
  auto it = j.find(name);
  if (it == j.end()) fail(std::string("missing field '") + name + "'");
  return *it;
}

const json* optional_field(const json& j, const char* name) {
  if (!j.is_object()) fail(std::string("expected an object holding '") + name + "'");
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

double get_double(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_number()) fail(std::string("field '") + name + "' is not a number");
  return v.get<double>();
}

double get_double_or(const json& j, const char* name, double fallback) {
  const json* v = optional_field(j, name);
  if (v == nullptr) return fallback;
  if (!v->is_number()) fail(std::string("field '") + name + "' is not a number");
  return v->get<double>();
}

uint64_t as_u64(const json& v, const char* name) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return uint64_t(v.get<int64_t>());
  fail(std::string("field '") + name + "' is not a non-negative integer");
}

uint64_t get_u64(const json& j, const char* name) { return as_u64(field(j, name), name); }

uint64_t get_u64_or(const json& j, const char* name, uint64_t fallback) {
  const json* v = optional_field(j, name);
  return v == nullptr ? fallback : as_u64(*v, name);
}

int64_t get_i64(const json& j, const char* name) {
  const json& v = field(j, name);
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max())) fail(std::string("field '") + name + "' is too large");
    return int64_t(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  fail(std::string("field '") + name + "' is not an integer");
}

int64_t get_i64_or(const json& j, const char* name, int64_t fallback) {
  return optional_field(j, name) == nullptr ? fallback : get_i64(j, name);
}

std::string get_string(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_string()) fail(std::string("field '") + name + "' is not a string");
  return v.get<std::string>();
}

std::string get_string_or(const json& j, const char* name, std::string fallback) {
  const json* v = optional_field(j, name);
  if (v == nullptr) return fallback;
  if (!v->is_string()) fail(std::string("field '") + name + "' is not a string");
  return v->get<std::string>();
}

const json& get_array(const json& j, const char* name) {
  const json& v = field(j, name);
  if (!v.is_array()) fail(std::string("field '") + name + "' is not an array");
  return v;
}

json gauge_to_json(const GaugeStats& g) {
  return json{{"mean", g.mean()}, {"max", g.max}, {"integral", g.integral}, {"span_ms", g.span_ms}};
}

GaugeStats gauge_from_json(const json& j) {
  GaugeStats g;
  g.integral = get_double(j, "integral");
  g.span_ms = get_double(j, "span_ms");
  g.max = get_double(j, "max");
  return g;
}

json sample_to_json(const QuerySample& s) {
  json params = json::array();
  for (const auto& p : s.params) {
    if (p) {
      params.push_back(*p);
    } else {
      params.push_back(nullptr);
    }
  }
  return json{{"query", s.query}, {"params", std::move(params)}, {"duration_ms", s.duration_ms},
              {"at_ms", s.at_ms}, {"redacted", s.redacted}};
}

QuerySample sample_from_json(const json& j) {
  QuerySample s;
  s.query = get_string(j, "query");
  for (const json& p : get_array(j, "params")) {
    if (p.is_null()) {
      s.params.emplace_back(std::nullopt);
    } else if (p.is_string()) {
      s.params.emplace_back(p.get<std::string>());
    } else {
      fail("a sample parameter is neither a string nor null");
    }
  }
  s.duration_ms = get_double(j, "duration_ms");
  s.at_ms = get_i64(j, "at_ms");
  const json* r = optional_field(j, "redacted");
  s.redacted = r != nullptr && r->is_boolean() && r->get<bool>();
  return s;
}

// Runs an import step, turning nlohmann's own exceptions into ours.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    fail(e.what());
  }
}

json table_body(const WorkloadTable& table, const JsonOptions& options) {
  json queries = json::array();
  for (const TopEntry& e : table.top_n(OrderBy::TotalTime, table.size())) {
    queries.push_back(query_to_json(*e.key, *e.stats, options));
  }
  // Pools in a stable order.
  std::vector<const WorkloadTable::PoolMap::value_type*> pools;
  for (const auto& p : table.pools()) pools.push_back(&p);
  std::sort(pools.begin(), pools.end(), [](const auto* a, const auto* b) {
    return a->first.database != b->first.database ? a->first.database < b->first.database
                                                   : a->first.user < b->first.user;
  });
  json pool_list = json::array();
  for (const auto* p : pools) pool_list.push_back(pool_to_json(p->first, p->second, options));
  return json{{"max_entries", table.max_entries()},
              {"entries", table.size()},
              {"evictions", table.evictions()},
              {"total_calls", table.total_calls()},
              {"queries", std::move(queries)},
              {"other", query_to_json(QueryKey{}, table.other(), options)},
              {"pools", std::move(pool_list)}};
}

json series_buckets(const MinuteSeries& series, int64_t since_ms, const JsonOptions& options) {
  json buckets = json::array();
  for (const auto& [start, table] : series.hours()) {
    if (start + MinuteSeries::kHourMs <= since_ms) continue;
    buckets.push_back(json{{"start_ms", start}, {"duration_ms", MinuteSeries::kHourMs}, {"table", table_body(table, options)}});
  }
  for (const auto& [start, table] : series.minutes()) {
    if (start + MinuteSeries::kMinuteMs <= since_ms) continue;
    buckets.push_back(json{{"start_ms", start}, {"duration_ms", MinuteSeries::kMinuteMs}, {"table", table_body(table, options)}});
  }
  return buckets;
}

}  // namespace

std::string fingerprint_hex(uint64_t fingerprint) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fingerprint));
  return std::string(buf, 16);
}

std::optional<uint64_t> parse_fingerprint_hex(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string dump_json(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json histogram_mapping_json() {
  return json{{"unit", "us"},
              {"scheme", kScheme},
              {"buckets_per_octave", LatencyHistogram::kBucketsPerOctave},
              {"bucket_count", LatencyHistogram::kBucketCount},
              {"min_us", LatencyHistogram::kMinValue},
              {"max_us", LatencyHistogram::kMaxValue},
              {"relative_error", LatencyHistogram::kRelativeError},
              {"index",
               "x = 2^e * (1 + m) with 0 <= m < 1, x clamped to [min_us, max_us); "
               "index = floor(buckets_per_octave * (e + m * (4 - m) / 3))"},
              {"value", "bucket [lo, hi) is reported as 2 * lo * hi / (lo + hi)"}};
}

void check_histogram_mapping(const json& mapping) {
  guarded([&] {
    if (get_string(mapping, "scheme") != kScheme ||
        get_i64(mapping, "buckets_per_octave") != LatencyHistogram::kBucketsPerOctave ||
        get_double(mapping, "min_us") != LatencyHistogram::kMinValue ||
        get_string_or(mapping, "unit", "us") != "us") {
      fail("histogram mapping differs from this build's (" + mapping.dump() + ")");
    }
    return 0;
  });
}

json histogram_to_json(const LatencyHistogram& h) {
  json buckets = json::array();
  h.for_each_bucket([&](int index, uint64_t n) { buckets.push_back(json::array({index, n})); });
  return json{{"count", h.count()}, {"sum_us", h.sum()}, {"min_us", h.min()}, {"max_us", h.max()},
              {"buckets", std::move(buckets)}};
}

LatencyHistogram histogram_from_json(const json& j) {
  return guarded([&] {
    std::vector<std::pair<int, uint64_t>> buckets;
    uint64_t total = 0;
    for (const json& b : get_array(j, "buckets")) {
      if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer()) fail("a histogram bucket is not [index, count]");
      const int64_t index = b[0].get<int64_t>();
      if (index < 0 || index >= LatencyHistogram::kBucketCount) fail("histogram bucket index out of range");
      const uint64_t n = as_u64(b[1], "bucket count");
      buckets.emplace_back(int(index), n);
      total += n;
    }
    if (get_u64_or(j, "count", total) != total) fail("histogram count does not match its buckets");
    LatencyHistogram h;
    if (!LatencyHistogram::from_parts(buckets, get_double_or(j, "sum_us", 0), get_double_or(j, "min_us", 0),
                                      get_double_or(j, "max_us", 0), &h)) {
      fail("histogram bucket index out of range");
    }
    return h;
  });
}

json query_to_json(const QueryKey& key, const QueryStats& s, const JsonOptions& options) {
  json errors = json::object();
  for (const auto& [state, n] : s.errors) errors[state] = n;
  json j{{"fingerprint", fingerprint_hex(key.fingerprint)},
         {"database", key.database},
         {"user", key.user},
         {"text", s.normalized_text},
         {"calls", s.calls},
         {"rows", s.rows},
         {"total_ms", s.total_ms},
         {"mean_ms", s.mean_ms()},
         {"min_ms", s.min_ms},
         {"max_ms", s.max_ms},
         {"p50_ms", s.quantile_ms(0.50)},
         {"p95_ms", s.quantile_ms(0.95)},
         {"p99_ms", s.quantile_ms(0.99)},
         {"wait_ms", s.wait_ms},
         {"server_ms", s.server_ms},
         {"error_calls", s.error_calls},
         {"errors", std::move(errors)},
         {"bytes_in", s.bytes_in},
         {"bytes_out", s.bytes_out},
         {"first_seen_ms", s.first_seen_ms},
         {"last_seen_ms", s.last_seen_ms}};
  if (options.include_histograms) j["latency"] = histogram_to_json(s.latency);
  if (options.include_samples && s.sample != nullptr) j["sample"] = sample_to_json(*s.sample);
  return j;
}

std::pair<QueryKey, QueryStats> query_from_json(const json& j) {
  return guarded([&] {
    QueryKey key;
    auto fp = parse_fingerprint_hex(get_string(j, "fingerprint"));
    if (!fp) fail("fingerprint is not 1 to 16 hex digits");
    key.fingerprint = *fp;
    key.database = get_string_or(j, "database", "");
    key.user = get_string_or(j, "user", "");
    QueryStats s;
    s.normalized_text = get_string_or(j, "text", "");
    s.calls = get_u64(j, "calls");
    s.rows = get_i64_or(j, "rows", 0);
    s.total_ms = get_double(j, "total_ms");
    s.min_ms = get_double_or(j, "min_ms", 0);
    s.max_ms = get_double_or(j, "max_ms", 0);
    s.wait_ms = get_double_or(j, "wait_ms", 0);
    s.server_ms = get_double_or(j, "server_ms", 0);
    s.error_calls = get_u64_or(j, "error_calls", 0);
    if (const json* errors = optional_field(j, "errors")) {
      if (!errors->is_object()) fail("field 'errors' is not an object");
      for (const auto& [state, n] : errors->items()) s.errors[state] = as_u64(n, "errors");
    }
    s.bytes_in = get_u64_or(j, "bytes_in", 0);
    s.bytes_out = get_u64_or(j, "bytes_out", 0);
    s.first_seen_ms = get_i64_or(j, "first_seen_ms", 0);
    s.last_seen_ms = get_i64_or(j, "last_seen_ms", 0);
    if (const json* h = optional_field(j, "latency")) s.latency = histogram_from_json(*h);
    if (const json* sample = optional_field(j, "sample")) {
      s.sample = std::make_shared<const QuerySample>(sample_from_json(*sample));
    }
    return std::make_pair(std::move(key), std::move(s));
  });
}

json pool_to_json(const PoolKey& key, const PoolStats& s, const JsonOptions& options) {
  json j{{"database", key.database},
         {"user", key.user},
         {"transactions", s.transactions},
         {"queries", s.queries},
         {"errors", s.errors},
         {"acquisitions", s.acquisitions},
         {"waits", s.waits},
         {"wait_ms", s.wait_ms},
         {"mean_wait_ms", s.mean_wait_ms()},
         {"max_wait_ms", s.max_wait_ms},
         {"p99_wait_ms", s.wait_latency.quantile(0.99) / 1000.0},
         {"server_ms", s.server_ms},
         {"bytes_in", s.bytes_in},
         {"bytes_out", s.bytes_out},
         {"first_seen_ms", s.first_seen_ms},
         {"last_seen_ms", s.last_seen_ms},
         {"active_clients", gauge_to_json(s.active_clients)},
         {"waiting_clients", gauge_to_json(s.waiting_clients)},
         {"servers_in_use", gauge_to_json(s.servers_in_use)},
         {"servers_open", gauge_to_json(s.servers_open)}};
  if (options.include_histograms) j["wait_latency"] = histogram_to_json(s.wait_latency);
  return j;
}

std::pair<PoolKey, PoolStats> pool_from_json(const json& j) {
  return guarded([&] {
    PoolKey key{get_string(j, "database"), get_string(j, "user")};
    PoolStats s;
    s.transactions = get_u64(j, "transactions");
    s.queries = get_u64(j, "queries");
    s.errors = get_u64_or(j, "errors", 0);
    s.acquisitions = get_u64_or(j, "acquisitions", 0);
    s.waits = get_u64_or(j, "waits", 0);
    s.wait_ms = get_double_or(j, "wait_ms", 0);
    s.max_wait_ms = get_double_or(j, "max_wait_ms", 0);
    s.server_ms = get_double_or(j, "server_ms", 0);
    s.bytes_in = get_u64_or(j, "bytes_in", 0);
    s.bytes_out = get_u64_or(j, "bytes_out", 0);
    s.first_seen_ms = get_i64_or(j, "first_seen_ms", 0);
    s.last_seen_ms = get_i64_or(j, "last_seen_ms", 0);
    if (const json* h = optional_field(j, "wait_latency")) s.wait_latency = histogram_from_json(*h);
    s.active_clients = gauge_from_json(field(j, "active_clients"));
    s.waiting_clients = gauge_from_json(field(j, "waiting_clients"));
    s.servers_in_use = gauge_from_json(field(j, "servers_in_use"));
    s.servers_open = gauge_from_json(field(j, "servers_open"));
    return std::make_pair(std::move(key), std::move(s));
  });
}

json table_to_json(const WorkloadTable& table, const JsonOptions& options) {
  json j = table_body(table, options);
  j["histogram"] = histogram_mapping_json();
  return j;
}

WorkloadTable table_from_json(const json& j, std::size_t max_entries, const RecordPolicy& policy) {
  return guarded([&] {
    if (const json* mapping = optional_field(j, "histogram")) check_histogram_mapping(*mapping);
    WorkloadTable table(max_entries, policy);
    for (const json& q : get_array(j, "queries")) {
      auto [key, stats] = query_from_json(q);
      table.add(key, stats);
    }
    uint64_t evictions = get_u64_or(j, "evictions", 0);
    if (const json* other = optional_field(j, "other")) {
      table.add_other(query_from_json(*other).second, evictions);
    } else {
      table.add_other(QueryStats{}, evictions);
    }
    if (const json* pools = optional_field(j, "pools")) {
      if (!pools->is_array()) fail("field 'pools' is not an array");
      for (const json& p : *pools) {
        auto [key, stats] = pool_from_json(p);
        table.pool(key).merge(stats, MergeKind::Sequential);
      }
    }
    return table;
  });
}

json series_to_json(const MinuteSeries& series, int64_t since_ms, const JsonOptions& options) {
  return json{{"version", kWorkloadJsonVersion},
              {"histogram", histogram_mapping_json()},
              {"retention_ms", series.options().retention_ms},
              {"hourly_retention_ms", series.options().hourly_retention_ms},
              {"buckets", series_buckets(series, since_ms, options)}};
}

MinuteSeries series_from_json(const json& j, const MinuteSeries::Options& options) {
  return guarded([&] {
    if (get_i64_or(j, "version", kWorkloadJsonVersion) != kWorkloadJsonVersion) fail("unsupported version");
    if (const json* mapping = optional_field(j, "histogram")) check_histogram_mapping(*mapping);
    MinuteSeries series(options);
    for (const json& b : get_array(j, "buckets")) {
      const int64_t start = get_i64(b, "start_ms");
      const int64_t duration = get_i64(b, "duration_ms");
      if (duration == MinuteSeries::kMinuteMs) {
        series.add(start, table_from_json(field(b, "table"), options.max_entries_per_minute, options.policy));
      } else if (duration == MinuteSeries::kHourMs) {
        series.add_hour(start, table_from_json(field(b, "table"), options.max_entries_per_hour, options.policy));
      } else {
        fail("bucket duration_ms is neither 60000 nor 3600000");
      }
    }
    return series;
  });
}

json workload_response(const MinuteSeries& series, int64_t since_ms, int64_t now_ms, bool include_buckets,
                       const JsonOptions& options) {
  json j{{"version", kWorkloadJsonVersion},
         {"generated_at_ms", now_ms},
         {"since_ms", since_ms},
         {"until_ms", now_ms},
         {"histogram", histogram_mapping_json()},
         {"summary", table_body(series.query(since_ms), options)}};
  if (include_buckets) j["buckets"] = series_buckets(series, since_ms, options);
  return j;
}

}  // namespace sluice::workload
