#include "proxy/observe/workload_merger.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "common/clock.h"
#include "workload/workload_json.h"
#include "workload/workload_store.h"

namespace sluice::proxy::observe {

namespace {
constexpr auto kCollectWait = std::chrono::milliseconds(500);
}  // namespace

WorkloadMerger::WorkloadMerger(Options options, Collect collect)
    : options_(std::move(options)),
      collect_(std::move(collect)),
      started_ms_(common::unix_now_ms()),
      totals_(options_.totals_max_entries, options_.series.policy),
      series_(options_.series) {
  if (options_.data_dir.empty()) return;
  try {
    store_ = std::make_unique<workload::WorkloadStore>(options_.data_dir);
    workload::WorkloadStore::Loaded loaded =
        store_->load(options_.series, options_.totals_max_entries, options_.series.policy);
    totals_ = std::move(loaded.totals);
    series_ = std::move(loaded.series);
    spdlog::info("workload store {}: loaded {} minutes, {} hours, {} fingerprints in totals{}", options_.data_dir,
                 loaded.minutes, loaded.hours, totals_.size(),
                 loaded.skipped ? fmt::format(" ({} unreadable entries skipped)", loaded.skipped) : std::string());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("workload store: ") + e.what());
  }
}

WorkloadMerger::~WorkloadMerger() { stop(); }

void WorkloadMerger::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void WorkloadMerger::stop() {
  {
    std::lock_guard lock(run_mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WorkloadMerger::run() {
  const auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  auto next = std::chrono::steady_clock::now() + interval;
  while (true) {
    {
      std::unique_lock lock(run_mu_);
      run_cv_.wait_until(lock, next, [this] { return stopping_; });
      if (stopping_) break;
    }
    tick();
    next += interval;
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + interval;  // a slow tick: do not try to catch up
  }
  tick();  // the last interval before stopping
}

void WorkloadMerger::flush() { tick(); }

void WorkloadMerger::tick() {
  std::lock_guard tick_lock(tick_mu_);
  std::size_t expected = collect_ ? collect_([this](workload::WorkloadTable t) {
    {
      std::lock_guard lock(inbox_mu_);
      inbox_.push_back(std::move(t));
    }
    inbox_cv_.notify_all();
  })
                                  : 0;
  std::vector<workload::WorkloadTable> tables;
  {
    std::unique_lock lock(inbox_mu_);
    inbox_cv_.wait_for(lock, kCollectWait, [&] { return inbox_.size() >= expected; });
    tables.swap(inbox_);
  }
  const int64_t now = common::unix_now_ms();
  std::vector<int64_t> rolled;
  {
    std::lock_guard lock(mu_);
    ++counters_.ticks;
    if (tables.size() > expected) counters_.late_tables += tables.size() - expected;
    const int64_t minute = workload::MinuteSeries::minute_start(now - 1);
    // The workers' tables cover the same interval (concurrent); intervals follow each other.
    workload::WorkloadTable interval(options_.totals_max_entries, options_.series.policy);
    for (const workload::WorkloadTable& t : tables) {
      if (t.empty()) continue;
      interval.merge(t, workload::MergeKind::Concurrent);
      ++counters_.tables_merged;
    }
    if (!interval.empty()) {
      totals_.merge(interval, workload::MergeKind::Sequential);
      series_.add(now - 1, interval);
      if (std::find(dirty_minutes_.begin(), dirty_minutes_.end(), minute) == dirty_minutes_.end())
        dirty_minutes_.push_back(minute);
    }
    // Minutes past the retention become hours.
    const int64_t cutoff = now - series_.options().retention_ms;
    for (const auto& [start, table] : series_.minutes()) {
      if (start + workload::MinuteSeries::kMinuteMs > cutoff) break;
      rolled.push_back(start);
    }
    if (!rolled.empty()) series_.roll_up(now);
  }
  persist(now, rolled);
}

void WorkloadMerger::persist(int64_t now_ms, const std::vector<int64_t>& rolled_minutes) {
  if (!store_) return;
  std::lock_guard lock(mu_);
  if (dirty_minutes_.empty() && rolled_minutes.empty() && counters_.store_writes > 0) return;
  workload::WorkloadStore::Batch batch;
  for (int64_t m : dirty_minutes_) {
    auto it = series_.minutes().find(m);
    if (it != series_.minutes().end()) {
      batch.minutes.emplace_back(m, &it->second);
    } else {
      // Already rolled into its hour (a very short retention).
      int64_t h = workload::MinuteSeries::hour_start(m);
      if (auto ht = series_.hours().find(h); ht != series_.hours().end()) batch.hours.emplace_back(h, &ht->second);
    }
  }
  for (int64_t m : rolled_minutes) {
    batch.delete_minutes.push_back(m);
    int64_t h = workload::MinuteSeries::hour_start(m);
    if (auto ht = series_.hours().find(h); ht != series_.hours().end()) {
      bool listed = std::any_of(batch.hours.begin(), batch.hours.end(), [&](const auto& p) { return p.first == h; });
      if (!listed) batch.hours.emplace_back(h, &ht->second);
    }
  }
  // Hours dropped by the hourly retention.
  if (series_.options().hourly_retention_ms > 0) {
    // roll_up already removed them from memory; delete what the store may still hold.
    const int64_t oldest_kept = now_ms - series_.options().hourly_retention_ms;
    for (int64_t h = workload::MinuteSeries::hour_start(oldest_kept) - 24 * workload::MinuteSeries::kHourMs;
         h < workload::MinuteSeries::hour_start(oldest_kept); h += workload::MinuteSeries::kHourMs) {
      if (series_.hours().count(h) == 0) batch.delete_hours.push_back(h);
    }
  }
  batch.totals = &totals_;
  try {
    store_->write(batch);
    ++counters_.store_writes;
    counters_.last_flush_ms = now_ms;
    counters_.store_disk_bytes = store_->disk_bytes();
    dirty_minutes_.clear();
  } catch (const std::exception& e) {
    ++counters_.store_errors;
    spdlog::error("workload store {}: write failed: {} (kept in memory, retried next second)", options_.data_dir,
                  e.what());
  }
}

void WorkloadMerger::with_totals(const std::function<void(const workload::WorkloadTable&)>& f) const {
  std::lock_guard lock(mu_);
  f(totals_);
}

workload::WorkloadTable WorkloadMerger::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

nlohmann::json WorkloadMerger::workload_json(int64_t since_ms, bool include_buckets) const {
  std::lock_guard lock(mu_);
  return workload::workload_response(series_, since_ms, common::unix_now_ms(), include_buckets);
}

MergerCounters WorkloadMerger::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace sluice::proxy::observe
