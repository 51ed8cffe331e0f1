#include "workload/minute_buckets.h"

#include <algorithm>
#include <limits>

namespace sluice::workload {

WorkloadTable& MinuteSeries::hour_table(int64_t hour) {
  auto it = hours_.find(hour);
  if (it == hours_.end()) {
    it = hours_.emplace(hour, WorkloadTable(options_.max_entries_per_hour, options_.policy)).first;
  }
  return it->second;
}

void MinuteSeries::add(int64_t at_ms, const WorkloadTable& table) {
  const int64_t minute = minute_start(at_ms);
  if (minute < rolled_up_before_ms_) {
    hour_table(hour_start(minute)).merge(table, MergeKind::Concurrent);
    return;
  }
  auto it = minutes_.find(minute);
  if (it == minutes_.end()) {
    it = minutes_.emplace(minute, WorkloadTable(options_.max_entries_per_minute, options_.policy)).first;
  }
  it->second.merge(table, MergeKind::Concurrent);
}

void MinuteSeries::add_hour(int64_t at_ms, const WorkloadTable& table) {
  hour_table(hour_start(at_ms)).merge(table, MergeKind::Concurrent);
}

std::size_t MinuteSeries::roll_up(int64_t now_ms) {
  std::size_t rolled = 0;
  const int64_t cutoff = now_ms - options_.retention_ms;
  const int64_t boundary = minute_start(cutoff);
  // A minute is rolled once it ended at or before the cutoff: start + 1 min <= cutoff.
  while (!minutes_.empty() && minutes_.begin()->first + kMinuteMs <= cutoff) {
    auto it = minutes_.begin();
    hour_table(hour_start(it->first)).merge(it->second, MergeKind::Sequential);
    minutes_.erase(it);
    ++rolled;
  }
  rolled_up_before_ms_ = std::max(rolled_up_before_ms_, boundary);
  if (options_.hourly_retention_ms > 0) {
    const int64_t hour_cutoff = now_ms - options_.hourly_retention_ms;
    while (!hours_.empty() && hours_.begin()->first + kHourMs <= hour_cutoff) hours_.erase(hours_.begin());
  }
  return rolled;
}

WorkloadTable MinuteSeries::query(int64_t since_ms, int64_t until_ms, std::size_t max_entries) const {
  WorkloadTable out(max_entries, options_.policy);
  // Hours hold older data than minutes; merging in time order keeps the sequential merge true.
  for (const auto& [start, table] : hours_) {
    if (start < until_ms && start + kHourMs > since_ms) out.merge(table, MergeKind::Sequential);
  }
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t first = since_ms < kMin + kMinuteMs ? kMin : since_ms - kMinuteMs + 1;
  for (auto it = minutes_.lower_bound(first); it != minutes_.end() && it->first < until_ms; ++it) {
    out.merge(it->second, MergeKind::Sequential);
  }
  return out;
}

std::size_t MinuteSeries::memory_bytes() const {
  // A std::map node: the pair plus four words of links and colour.
  constexpr std::size_t kNodeOverhead = 4 * sizeof(void*) + sizeof(int64_t);
  std::size_t n = sizeof(*this);
  for (const auto& [start, table] : minutes_) n += kNodeOverhead + table.memory_bytes();
  for (const auto& [start, table] : hours_) n += kNodeOverhead + table.memory_bytes();
  return n;
}

}  // namespace sluice::workload
