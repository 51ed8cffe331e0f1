// A mergeable latency histogram with bounded relative error (in the spirit of DDSketch).
//
// Values are durations in microseconds. A value x in [1 µs, 2^32 µs ≈ 71.6 min) is written
// x = 2^e · (1 + m) with 0 ≤ m < 1 (exponent and mantissa straight from the IEEE-754 bits), and
// goes to bucket
//
//     index = floor(K · (e + P(m))),   P(m) = m · (4 − m) / 3,   K = kBucketsPerOctave = 22.
//
// P is a quadratic stand-in for log2(1 + m): P(0) = 0, P(1) = 1, increasing, so the mapping is
// monotone and continuous across octaves. Its slope relative to the true log2 stays within
// [4/3·ln 2, 3/2·ln 2], so no bucket is wider than 2^(1 / (K · 4/3 · ln 2)) ≈ 1.0347 (ratio of
// upper to lower bound). Reporting a bucket by 2·lo·hi / (lo + hi) is then off by at most
// (γ − 1) / (γ + 1) ≈ 1.71 % (kRelativeError), for every quantile, before and after merges.
// Computing an index costs a few integer and floating-point operations (no log call).
//
// Values below 1 µs (including 0, negatives and NaN, which count as 0) land in bucket 0; values
// of 2^32 µs and more land in the last bucket. Quantiles are clamped to the exact [min, max],
// so a histogram of sub-microsecond values still reports them exactly at the extremes.
//
// Storage: counts are uint32 in one dense array covering only the index range seen so far
// (grown on demand, with a little slack), so a histogram of one query whose latencies span two
// decades (e.g. 200 µs .. 20 ms, ~146 buckets) holds ~0.6 KiB of counts; the full range is 704
// buckets = 2.75 KiB. A count that wraps past 2^32 keeps its high part in a small side list
// (never used in practice), so counts are exact up to 2^64. The object itself is 88 bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sluice::workload {

class LatencyHistogram {
 public:
  static constexpr int kBucketsPerOctave = 22;
  static constexpr int kOctaves = 32;
  static constexpr int kBucketCount = kBucketsPerOctave * kOctaves;  // 704
  static constexpr double kMinValue = 1.0;                            // µs
  static constexpr double kMaxValue = 4294967296.0;                   // 2^32 µs
  // Upper bound of |estimate − true| / true for any quantile of values in [kMinValue, kMaxValue).
  static constexpr double kRelativeError = 0.0171;

  // The bucket a value (µs) falls in, in [0, kBucketCount).
  static int bucket_index(double value_us) {
    if (!(value_us >= kMinValue)) return 0;  // also NaN
    if (value_us >= kMaxValue) return kBucketCount - 1;
    const uint64_t bits = std::bit_cast<uint64_t>(value_us);
    const int e = int(bits >> 52) - 1023;  // value is positive and normal here
    const double m = std::bit_cast<double>((bits & kMantissaMask) | kOneBits) - 1.0;
    const double y = double(e) + m * (4.0 - m) * (1.0 / 3.0);
    const int index = int(y * kBucketsPerOctave);
    return index < kBucketCount ? index : kBucketCount - 1;
  }
  // [lower, upper) bounds of a bucket in µs (bucket 0 starts at kMinValue).
  static double bucket_lower_bound(int index);
  static double bucket_upper_bound(int index) { return bucket_lower_bound(index + 1); }
  // The value reported for a bucket: 2·lo·hi / (lo + hi), the point of least relative error.
  static double bucket_value(int index);

  LatencyHistogram() = default;

  void record(double value_us) {
    add_to_bucket(bucket_index(value_us), 1);
    note_value(value_us, 1);
  }
  // The same value n times.
  void record(double value_us, uint64_t n) {
    if (n == 0) return;
    add_to_bucket(bucket_index(value_us), n);
    note_value(value_us, n);
  }
  void merge(const LatencyHistogram& other);
  void clear();

  // q in [0, 1]; the value at rank floor(q · (count − 1)) of the sorted values, within
  // kRelativeError; q ≤ 0 gives min(), q ≥ 1 gives max(); 0 when empty.
  double quantile(double q) const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  double sum() const { return sum_; }  // µs
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  double mean() const { return count_ ? sum_ / double(count_) : 0.0; }

  uint64_t bucket_count(int index) const;
  // Calls f(index, count) for every non-empty bucket, in increasing index order.
  template <typename F>
  void for_each_bucket(F&& f) const {
    for (std::size_t j = 0; j < counts_.size(); ++j) {
      const int index = offset_ + int(j);
      uint64_t n = counts_[j];
      if (!carries_.empty()) n += carry_of(index);
      if (n != 0) f(index, n);
    }
  }

  // Rebuilds a histogram from its serialized parts (bucket counts plus the exact sum, min and
  // max). Returns false, leaving *out empty, when an index is out of range.
  static bool from_parts(const std::vector<std::pair<int, uint64_t>>& buckets, double sum_us, double min_us,
                         double max_us, LatencyHistogram* out);

  // Bytes owned, the object included.
  std::size_t memory_bytes() const;
  // Same buckets, count, min and max; sums equal within a relative 1e-9.
  bool same_distribution(const LatencyHistogram& other) const;

 private:
  static constexpr uint64_t kMantissaMask = (uint64_t(1) << 52) - 1;
  static constexpr uint64_t kOneBits = uint64_t(1023) << 52;

  void add_to_bucket(int index, uint64_t n) {
    uint32_t j = uint32_t(index - offset_);
    if (j >= counts_.size()) {
      grow_to_cover(index, index);
      j = uint32_t(index - offset_);
    }
    const uint64_t total = uint64_t(counts_[j]) + n;
    counts_[j] = uint32_t(total);
    if (total >> 32) add_carry(index, total & ~uint64_t(0xffffffffu));
  }
  void note_value(double value_us, uint64_t n) {
    const double v = value_us > 0 ? value_us : 0.0;  // NaN and negatives count as 0
    if (count_ == 0) {
      min_ = max_ = v;
    } else {
      if (v < min_) min_ = v;
      if (v > max_) max_ = v;
    }
    count_ += n;
    sum_ += v * double(n);
  }
  void grow_to_cover(int lo, int hi);
  void add_carry(int index, uint64_t high);
  uint64_t carry_of(int index) const;

  std::vector<uint32_t> counts_;  // counts_[j] is bucket offset_ + j (low 32 bits)
  std::vector<std::pair<int, uint64_t>> carries_;  // high parts of wrapped counts, by index
  int offset_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace sluice::workload
