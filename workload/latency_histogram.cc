#include "workload/latency_histogram.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace sluice::workload {
namespace {

// Lower bounds of every bucket, plus the upper bound of the last one.
struct BucketTable {
  std::array<double, LatencyHistogram::kBucketCount + 1> lower{};
  std::array<double, LatencyHistogram::kBucketCount> value{};

  BucketTable() {
    constexpr int K = LatencyHistogram::kBucketsPerOctave;
    for (int i = 0; i <= LatencyHistogram::kBucketCount; ++i) {
      const int e = i / K;
      const double f = double(i % K) / K;
      // Inverse of P(m) = m (4 - m) / 3 on [0, 1].
      const double m = 2.0 - std::sqrt(4.0 - 3.0 * f);
      lower[std::size_t(i)] = std::ldexp(1.0 + m, e);
    }
    lower[0] = LatencyHistogram::kMinValue;
    lower[LatencyHistogram::kBucketCount] = LatencyHistogram::kMaxValue;
    for (int i = 0; i < LatencyHistogram::kBucketCount; ++i) {
      const double lo = lower[std::size_t(i)];
      const double hi = lower[std::size_t(i) + 1];
      value[std::size_t(i)] = 2.0 * lo * hi / (lo + hi);
    }
  }
};

const BucketTable& table() {
  static const BucketTable t;
  return t;
}

}  // namespace

double LatencyHistogram::bucket_lower_bound(int index) {
  index = std::clamp(index, 0, kBucketCount);
  return table().lower[std::size_t(index)];
}

double LatencyHistogram::bucket_value(int index) {
  index = std::clamp(index, 0, kBucketCount - 1);
  return table().value[std::size_t(index)];
}

void LatencyHistogram::grow_to_cover(int lo, int hi) {
  const bool was_empty = counts_.empty();
  const int cur_lo = offset_;
  const int cur_hi = offset_ + int(counts_.size()) - 1;
  int new_lo = was_empty ? lo : std::min(cur_lo, lo);
  int new_hi = was_empty ? hi : std::max(cur_hi, hi);
  if (!was_empty && new_lo == cur_lo && new_hi == cur_hi) return;
  // Slack so that a slowly widening range does not reallocate on every new bucket.
  const int slack = std::max(4, (new_hi - new_lo + 1) / 4);
  if (was_empty || new_lo < cur_lo) new_lo = std::max(0, new_lo - slack);
  if (was_empty || new_hi > cur_hi) new_hi = std::min(kBucketCount - 1, new_hi + slack);
  std::vector<uint32_t> grown(std::size_t(new_hi - new_lo + 1), 0);
  if (!was_empty) std::copy(counts_.begin(), counts_.end(), grown.begin() + (cur_lo - new_lo));
  counts_ = std::move(grown);
  offset_ = new_lo;
}

void LatencyHistogram::add_carry(int index, uint64_t high) {
  for (auto& [i, h] : carries_) {
    if (i == index) {
      h += high;
      return;
    }
  }
  carries_.emplace_back(index, high);
}

uint64_t LatencyHistogram::carry_of(int index) const {
  for (const auto& [i, h] : carries_) {
    if (i == index) return h;
  }
  return 0;
}

uint64_t LatencyHistogram::bucket_count(int index) const {
  const uint32_t j = uint32_t(index - offset_);
  if (j >= counts_.size()) return 0;
  return uint64_t(counts_[j]) + (carries_.empty() ? 0 : carry_of(index));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (!other.counts_.empty()) {
    grow_to_cover(other.offset_, other.offset_ + int(other.counts_.size()) - 1);
    for (std::size_t j = 0; j < other.counts_.size(); ++j) {
      if (other.counts_[j] != 0) add_to_bucket(other.offset_ + int(j), other.counts_[j]);
    }
  }
  for (const auto& [index, high] : other.carries_) add_to_bucket(index, high);
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

void LatencyHistogram::clear() { *this = LatencyHistogram(); }

double LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0.0;
  if (!(q > 0.0)) return min_;
  if (q >= 1.0) return max_;
  const uint64_t rank = uint64_t(q * double(count_ - 1));
  uint64_t seen = 0;
  for (std::size_t j = 0; j < counts_.size(); ++j) {
    const int index = offset_ + int(j);
    seen += counts_[j];
    if (!carries_.empty()) seen += carry_of(index);
    if (seen > rank) return std::clamp(bucket_value(index), min_, max_);
  }
  return max_;
}

bool LatencyHistogram::from_parts(const std::vector<std::pair<int, uint64_t>>& buckets, double sum_us,
                                  double min_us, double max_us, LatencyHistogram* out) {
  LatencyHistogram h;
  int lo = kBucketCount;
  int hi = -1;
  for (const auto& [index, n] : buckets) {
    if (index < 0 || index >= kBucketCount) {
      *out = LatencyHistogram();
      return false;
    }
    if (n == 0) continue;
    lo = std::min(lo, index);
    hi = std::max(hi, index);
  }
  if (hi >= 0) {
    h.counts_.assign(std::size_t(hi - lo + 1), 0);
    h.offset_ = lo;
  }
  for (const auto& [index, n] : buckets) {
    if (n == 0) continue;
    h.add_to_bucket(index, n);
    h.count_ += n;
  }
  if (h.count_ != 0) {
    h.sum_ = sum_us;
    h.min_ = min_us;
    h.max_ = max_us;
  }
  *out = std::move(h);
  return true;
}

std::size_t LatencyHistogram::memory_bytes() const {
  return sizeof(*this) + counts_.capacity() * sizeof(uint32_t) + carries_.capacity() * sizeof(carries_[0]);
}

bool LatencyHistogram::same_distribution(const LatencyHistogram& other) const {
  if (count_ != other.count_ || min() != other.min() || max() != other.max()) return false;
  const double scale = std::max({1.0, std::fabs(sum_), std::fabs(other.sum_)});
  if (std::fabs(sum_ - other.sum_) > 1e-9 * scale) return false;
  std::vector<std::pair<int, uint64_t>> a;
  std::vector<std::pair<int, uint64_t>> b;
  for_each_bucket([&](int i, uint64_t n) { a.emplace_back(i, n); });
  other.for_each_bucket([&](int i, uint64_t n) { b.emplace_back(i, n); });
  return a == b;
}

}  // namespace sluice::workload
