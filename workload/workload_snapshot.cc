#include "workload/workload_snapshot.h"

#include <algorithm>

namespace sluice::workload {
namespace {

double order_value(OrderBy order, const QueryStats& s) {
  switch (order) {
    case OrderBy::TotalTime:
      return s.total_ms;
    case OrderBy::MeanTime:
      return s.mean_ms();
    case OrderBy::P99:
      return s.quantile_ms(0.99);
    case OrderBy::Calls:
      return double(s.calls);
    case OrderBy::Errors:
      return double(s.error_calls);
  }
  return 0;
}

std::size_t key_heap_bytes(const QueryKey& k) {
  std::size_t n = 0;
  if (k.database.capacity() > 15) n += k.database.capacity() + 1;
  if (k.user.capacity() > 15) n += k.user.capacity() + 1;
  return n;
}

}  // namespace

std::string_view to_string(OrderBy order) {
  switch (order) {
    case OrderBy::TotalTime:
      return "total_time";
    case OrderBy::MeanTime:
      return "mean_time";
    case OrderBy::P99:
      return "p99";
    case OrderBy::Calls:
      return "calls";
    case OrderBy::Errors:
      return "errors";
  }
  return "total_time";
}

std::optional<OrderBy> parse_order_by(std::string_view text) {
  for (OrderBy o : {OrderBy::TotalTime, OrderBy::MeanTime, OrderBy::P99, OrderBy::Calls, OrderBy::Errors}) {
    if (text == to_string(o)) return o;
  }
  return std::nullopt;
}

WorkloadTable::WorkloadTable(std::size_t max_entries, RecordPolicy policy)
    : max_entries_(max_entries < 1 ? 1 : max_entries), policy_(policy) {
  other_.normalized_text = std::string(kOtherText);
}

void WorkloadTable::record(const QueryEvent& e) {
  if (e.key.fingerprint == 0) {
    QueryEvent no_sample = e;
    no_sample.sample = nullptr;
    other_.record(no_sample, policy_);
    return;
  }
  auto it = map_.find(e.key);
  QueryStats& s = it != map_.end() ? it->second : slot(e.key);
  s.record(e, policy_);
}

bool WorkloadTable::wants_sample(const QueryKeyRef& key, double duration_ms, int64_t at_ms) const {
  if (policy_.samples == SampleMode::Off || key.fingerprint == 0) return false;
  auto it = map_.find(key);
  if (it == map_.end()) return true;
  return it->second.wants_sample(duration_ms, at_ms, policy_);
}

const QueryStats* WorkloadTable::find(const QueryKeyRef& key) const {
  if (key.fingerprint == 0) return &other_;
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

QueryStats& WorkloadTable::slot(const QueryKeyRef& key) {
  auto it = map_.find(key);
  if (it != map_.end()) return it->second;
  if (map_.size() >= max_entries_) evict_batch();
  return map_.emplace(QueryKey(key), QueryStats{}).first->second;
}

void WorkloadTable::fold_into_other(const QueryStats& stats) {
  auto kept_sample = std::move(other_.sample);
  other_.merge(stats, policy_.sample_max_age_ms);
  other_.sample = std::move(kept_sample);  // the other row keeps no samples
}

void WorkloadTable::evict_batch() {
  const std::size_t batch = std::max<std::size_t>(1, max_entries_ / 100);
  if (map_.empty()) return;
  const std::size_t n = std::min(batch, map_.size());
  scratch_.clear();
  scratch_.reserve(map_.size());
  for (auto it = map_.begin(); it != map_.end(); ++it) scratch_.emplace_back(it->second.total_ms, it);
  auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (n < scratch_.size()) std::nth_element(scratch_.begin(), scratch_.begin() + std::ptrdiff_t(n), scratch_.end(), by_time);
  for (std::size_t i = 0; i < n; ++i) {
    fold_into_other(scratch_[i].second->second);
    map_.erase(scratch_[i].second);
  }
  evictions_ += n;
  scratch_.clear();
}

void WorkloadTable::add(const QueryKeyRef& key, const QueryStats& stats) {
  if (key.fingerprint == 0) {
    fold_into_other(stats);
    return;
  }
  slot(key).merge(stats, policy_.sample_max_age_ms);
}

void WorkloadTable::add_other(const QueryStats& stats, uint64_t evictions) {
  fold_into_other(stats);
  evictions_ += evictions;
}

void WorkloadTable::merge(const WorkloadTable& other, MergeKind kind) {
  if (&other == this) return;
  for (const auto& [key, stats] : other.map_) slot(key).merge(stats, policy_.sample_max_age_ms);
  fold_into_other(other.other_);
  evictions_ += other.evictions_;
  for (const auto& [key, stats] : other.pools_) pools_[key].merge(stats, kind);
}

std::vector<TopEntry> WorkloadTable::top_n(OrderBy order, std::size_t n) const {
  std::vector<TopEntry> all;
  all.reserve(map_.size());
  for (const auto& [key, stats] : map_) all.push_back(TopEntry{&key, &stats, order_value(order, stats)});
  auto before = [](const TopEntry& a, const TopEntry& b) {
    if (a.value != b.value) return a.value > b.value;
    if (a.stats->calls != b.stats->calls) return a.stats->calls > b.stats->calls;
    if (a.key->fingerprint != b.key->fingerprint) return a.key->fingerprint < b.key->fingerprint;
    if (a.key->database != b.key->database) return a.key->database < b.key->database;
    return a.key->user < b.key->user;
  };
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(n), all.end(), before);
  all.resize(n);
  return all;
}

uint64_t WorkloadTable::total_calls() const {
  uint64_t n = other_.calls;
  for (const auto& [key, stats] : map_) n += stats.calls;
  return n;
}

void WorkloadTable::clear() {
  map_.clear();
  pools_.clear();
  other_ = QueryStats{};
  other_.normalized_text = std::string(kOtherText);
  evictions_ = 0;
}

std::size_t WorkloadTable::memory_bytes() const {
  // libstdc++ nodes: next pointer and cached hash, then the pair.
  constexpr std::size_t kNodeOverhead = 2 * sizeof(void*);
  std::size_t n = sizeof(*this) + map_.bucket_count() * sizeof(void*) + pools_.bucket_count() * sizeof(void*);
  n += other_.memory_bytes() - sizeof(other_);
  for (const auto& [key, stats] : map_) {
    n += kNodeOverhead + sizeof(QueryKey) + key_heap_bytes(key) + stats.memory_bytes();
  }
  for (const auto& [key, stats] : pools_) n += kNodeOverhead + sizeof(PoolKey) + stats.memory_bytes();
  n += scratch_.capacity() * sizeof(scratch_[0]);
  return n;
}

}  // namespace sluice::workload
