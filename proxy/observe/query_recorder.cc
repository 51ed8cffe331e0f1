#include "proxy/observe/query_recorder.h"

#include <utility>

namespace sluice::proxy::observe {

QueryRecorder::QueryRecorder(std::size_t max_entries, workload::RecordPolicy policy, std::size_t cache_capacity)
    : max_entries_(max_entries), policy_(policy), cache_(cache_capacity), table_(max_entries, policy) {}

uint64_t QueryRecorder::fingerprint(std::string_view query_text) {
  return cache_.get(query_text).fingerprint.id;
}

void QueryRecorder::record(const CompletedQuery& q) {
  ++recorded_;
  uint64_t fp = q.fingerprint;
  std::string_view normalized;
  // The analysis is needed for the text whenever there is one, and for the id when none was
  // given. The reference stays valid until the next cache_.get(): none below.
  // With the id known (fingerprinted at Parse or on arrival), the text is only needed for a
  // key the table does not have yet: the table keeps the normalized text of its first call.
  const bool need_analysis =
      fp == 0 || (!q.query_text.empty() && table_.find(workload::QueryKeyRef(fp, q.database, q.user)) == nullptr);
  if (need_analysis) {
    const sql::QueryAnalysis& analysis = cache_.get(q.query_text);
    if (fp == 0) fp = analysis.fingerprint.id;
    normalized = analysis.fingerprint.normalized;
  }

  workload::QueryEvent event;
  event.key = workload::QueryKeyRef(fp, q.database, q.user);
  event.normalized_text = normalized;
  event.total_ms = q.total_ms;
  event.wait_ms = q.wait_ms;
  event.server_ms = q.server_ms;
  event.rows = q.rows;
  event.sqlstate = q.sqlstate;
  event.bytes_in = q.bytes_in;
  event.bytes_out = q.bytes_out;
  event.at_ms = q.at_ms;

  if (table_.wants_sample(event.key, q.total_ms, q.at_ms)) {
    const std::size_t max_bytes = policy_.max_text_bytes;
    const std::vector<std::optional<std::string>>* params = q.params;
    if (params == nullptr && q.decode_params != nullptr && !q.raw_params.empty()) {
      if (q.decode_params(q.raw_params, decoded_params_)) params = &decoded_params_;
    }
    const std::size_t n = params != nullptr ? params->size() : 0;
    sample_.duration_ms = q.total_ms;
    sample_.at_ms = q.at_ms;
    if (policy_.samples == workload::SampleMode::Redacted) {
      // The table keeps the normalized text and the parameter count only: copy no values.
      sample_.redacted = true;
      sample_.query.clear();
      sample_.params.assign(n, std::nullopt);
    } else {
      sample_.redacted = false;
      sample_.query.assign(workload::truncate_utf8(q.query_text.empty() ? normalized : q.query_text, max_bytes));
      sample_.params.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::optional<std::string>& from = (*params)[i];
        std::optional<std::string>& to = sample_.params[i];
        if (!from) {
          to.reset();
        } else if (to) {
          to->assign(workload::truncate_utf8(*from, max_bytes));  // reuses the scratch capacity
        } else {
          to.emplace(workload::truncate_utf8(*from, max_bytes));
        }
      }
    }
    event.sample = &sample_;
    ++samples_built_;
  }
  table_.record(event);
}

workload::WorkloadTable QueryRecorder::take() {
  ++takes_;
  return std::exchange(table_, workload::WorkloadTable(max_entries_, policy_));
}

void QueryRecorder::set_policy(const workload::RecordPolicy& policy) {
  policy_ = policy;
  table_.set_policy(policy);
}

QueryRecorderCounters QueryRecorder::counters() const noexcept {
  QueryRecorderCounters c;
  c.recorded = recorded_;
  c.samples_built = samples_built_;
  c.takes = takes_;
  const sql::FingerprintCacheCounters& f = cache_.counters();
  c.fingerprint_hits = f.hits;
  c.fingerprint_misses = f.misses;
  c.fingerprint_shape_hits = f.shape_hits;
  c.fingerprint_evictions = f.evictions;
  return c;
}

}  // namespace sluice::proxy::observe
