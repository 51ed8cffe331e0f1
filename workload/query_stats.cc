#include "workload/query_stats.h"

#include <algorithm>

namespace sluice::workload {
namespace {

uint64_t mix64(uint64_t x) {
  // splitmix64 finalizer: spreads every input bit over the word.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::size_t string_capacity_bytes(const std::string& s) {
  // Short strings live inside the object (libstdc++ keeps up to 15 bytes in place).
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

// The sample as it will be kept under the policy: cut to size, or redacted.
std::shared_ptr<const QuerySample> make_kept_sample(const QuerySample& s, std::string_view normalized_text,
                                                    const RecordPolicy& policy) {
  auto kept = std::make_shared<QuerySample>();
  kept->duration_ms = s.duration_ms;
  kept->at_ms = s.at_ms;
  if (policy.samples == SampleMode::Redacted || s.redacted) {
    kept->query = std::string(truncate_utf8(normalized_text, policy.max_text_bytes));
    kept->params.assign(s.params.size(), std::nullopt);
    kept->redacted = true;
  } else {
    kept->query = std::string(truncate_utf8(s.query, policy.max_text_bytes));
    kept->params.reserve(s.params.size());
    for (const auto& p : s.params) {
      if (p) {
        kept->params.emplace_back(std::string(truncate_utf8(*p, policy.max_text_bytes)));
      } else {
        kept->params.emplace_back(std::nullopt);
      }
    }
  }
  return kept;
}

// Whether candidate should replace kept: kept is missing or stale, or candidate is at least as slow.
bool replaces(const QuerySample* kept, double duration_ms, int64_t at_ms, int64_t max_age_ms) {
  if (kept == nullptr) return true;
  if (at_ms - kept->at_ms > max_age_ms) return true;
  if (kept->at_ms - at_ms > max_age_ms) return false;  // candidate is the stale one
  return duration_ms >= kept->duration_ms;
}

}  // namespace

std::size_t hash_value(const QueryKeyRef& key) {
  const std::hash<std::string_view> h;
  uint64_t x = mix64(key.fingerprint);
  x ^= mix64(h(key.database) + 0x9e3779b97f4a7c15ULL);
  x = mix64(x ^ (uint64_t(h(key.user)) * 0xff51afd7ed558ccdULL));
  return std::size_t(x);
}

std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t n = max_bytes;
  // Step back over continuation bytes (10xxxxxx) so we cut before a character starts.
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

bool QueryStats::wants_sample(double duration_ms, int64_t at_ms, const RecordPolicy& policy) const {
  if (policy.samples == SampleMode::Off) return false;
  return replaces(sample.get(), duration_ms, at_ms, policy.sample_max_age_ms);
}

void QueryStats::record(const QueryEvent& e, const RecordPolicy& policy) {
  const double total = e.total_ms > 0 ? e.total_ms : 0.0;
  if (calls == 0) {
    min_ms = max_ms = total;
    first_seen_ms = last_seen_ms = e.at_ms;
  } else {
    min_ms = std::min(min_ms, total);
    max_ms = std::max(max_ms, total);
    first_seen_ms = std::min(first_seen_ms, e.at_ms);
    last_seen_ms = std::max(last_seen_ms, e.at_ms);
  }
  if (normalized_text.empty() && !e.normalized_text.empty()) {
    normalized_text = std::string(truncate_utf8(e.normalized_text, policy.max_text_bytes));
  }
  ++calls;
  total_ms += total;
  wait_ms += e.wait_ms > 0 ? e.wait_ms : 0.0;
  server_ms += e.server_ms > 0 ? e.server_ms : 0.0;
  if (e.rows > 0) rows += e.rows;
  bytes_in += e.bytes_in;
  bytes_out += e.bytes_out;
  latency.record(total * 1000.0);
  if (!e.sqlstate.empty()) {
    ++error_calls;
    auto it = errors.find(e.sqlstate);
    if (it == errors.end()) {
      errors.emplace(std::string(e.sqlstate), 1);
    } else {
      ++it->second;
    }
  }
  if (e.sample != nullptr && wants_sample(e.sample->duration_ms, e.sample->at_ms, policy)) {
    sample = make_kept_sample(*e.sample, normalized_text.empty() ? e.normalized_text : normalized_text, policy);
  }
}

void QueryStats::merge(const QueryStats& o, int64_t sample_max_age_ms) {
  if (o.calls == 0 && o.sample == nullptr) return;
  if (normalized_text.empty()) normalized_text = o.normalized_text;
  if (o.calls != 0) {
    if (calls == 0) {
      min_ms = o.min_ms;
      max_ms = o.max_ms;
      first_seen_ms = o.first_seen_ms;
      last_seen_ms = o.last_seen_ms;
    } else {
      min_ms = std::min(min_ms, o.min_ms);
      max_ms = std::max(max_ms, o.max_ms);
      first_seen_ms = std::min(first_seen_ms, o.first_seen_ms);
      last_seen_ms = std::max(last_seen_ms, o.last_seen_ms);
    }
  }
  calls += o.calls;
  total_ms += o.total_ms;
  wait_ms += o.wait_ms;
  server_ms += o.server_ms;
  rows += o.rows;
  error_calls += o.error_calls;
  for (const auto& [state, n] : o.errors) errors[state] += n;
  bytes_in += o.bytes_in;
  bytes_out += o.bytes_out;
  latency.merge(o.latency);
  if (o.sample != nullptr && replaces(sample.get(), o.sample->duration_ms, o.sample->at_ms, sample_max_age_ms)) {
    sample = o.sample;
  }
}

std::size_t QueryStats::memory_bytes() const {
  std::size_t n = sizeof(*this) - sizeof(latency) + latency.memory_bytes() + string_capacity_bytes(normalized_text);
  // A std::map node: the pair plus four words of tree links and colour.
  for (const auto& [state, count] : errors) n += sizeof(std::pair<const std::string, uint64_t>) + 32 + string_capacity_bytes(state);
  if (sample != nullptr) {
    // Counted in full even when shared with another table.
    n += sizeof(QuerySample) + 16 + string_capacity_bytes(sample->query) +
         sample->params.capacity() * sizeof(std::optional<std::string>);
    for (const auto& p : sample->params) {
      if (p) n += string_capacity_bytes(*p);
    }
  }
  return n;
}

}  // namespace sluice::workload
