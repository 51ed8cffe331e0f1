// The latency histogram: bucket layout, the relative error bound on quantiles against exact
// sorted quantiles, merging, clamping, wide counts and storage size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

#include "workload/latency_histogram.h"

namespace sluice::workload {
namespace {

using H = LatencyHistogram;

constexpr double kQuantiles[] = {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0};

double exact_quantile(const std::vector<double>& sorted, double q) {
  return sorted[std::size_t(q * double(sorted.size() - 1))];
}

void expect_quantiles_within_bound(const std::vector<double>& values, const char* name) {
  H h;
  for (double v : values) h.record(v);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.max(), sorted.back());
  double worst = 0;
  for (double q : kQuantiles) {
    const double exact = exact_quantile(sorted, q);
    const double est = h.quantile(q);
    const double err = std::fabs(est - exact) / exact;
    worst = std::max(worst, err);
    EXPECT_LE(err, H::kRelativeError) << name << " q=" << q << " exact=" << exact << " estimate=" << est;
  }
  EXPECT_LE(worst, 0.02) << name;
  std::cout << "[          ] " << name << ": worst quantile error " << worst * 100 << " %, "
            << h.memory_bytes() << " bytes\n";
}

std::vector<double> uniform_values(std::size_t n, double lo, double hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<double> lognormal_values(std::size_t n, double median_us, double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(median_us), sigma);
  std::vector<double> v(n);
  for (auto& x : v) x = std::clamp(d(rng), 1.0, 3.6e9);
  return v;
}

std::vector<double> bimodal_values(std::size_t n, uint64_t seed) {
  // 90 % cache hits around 300 µs, 10 % slow path around 80 ms.
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> fast(300, 30);
  std::normal_distribution<double> slow(80'000, 8'000);
  std::bernoulli_distribution is_slow(0.1);
  std::vector<double> v(n);
  for (auto& x : v) x = std::max(1.0, is_slow(rng) ? slow(rng) : fast(rng));
  return v;
}

TEST(LatencyHistogramTest, BucketsAreContiguousAndNarrowEnough) {
  EXPECT_LE(H::kRelativeError, 0.02);
  EXPECT_EQ(H::bucket_lower_bound(0), H::kMinValue);
  EXPECT_EQ(H::bucket_upper_bound(H::kBucketCount - 1), H::kMaxValue);
  double widest = 0;
  for (int i = 0; i < H::kBucketCount; ++i) {
    const double lo = H::bucket_lower_bound(i);
    const double hi = H::bucket_upper_bound(i);
    ASSERT_LT(lo, hi) << i;
    if (i > 0) {
      ASSERT_EQ(lo, H::bucket_upper_bound(i - 1));
    }
    widest = std::max(widest, (hi - lo) / (hi + lo));
    ASSERT_EQ(H::bucket_index(lo * (1 + 1e-12)), i) << lo;
    ASSERT_EQ(H::bucket_index(hi * (1 - 1e-12)), i) << hi;
    const double v = H::bucket_value(i);
    ASSERT_GE(v, lo);
    ASSERT_LE(v, hi);
  }
  // (hi - lo) / (hi + lo) is the worst relative error of the reported value within a bucket.
  EXPECT_LE(widest, H::kRelativeError);
  EXPECT_GT(widest, H::kRelativeError - 0.001);  // the bound is tight, not loose
}

TEST(LatencyHistogramTest, EveryValueIsReportedWithinTheBound) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(0, 32);
  for (int i = 0; i < 1'000'000; ++i) {
    const double x = std::min(std::exp2(exponent(rng)), std::nextafter(H::kMaxValue, 0.0));
    const double v = H::bucket_value(H::bucket_index(x));
    ASSERT_LE(std::fabs(v - x) / x, H::kRelativeError) << x;
  }
}

TEST(LatencyHistogramTest, IndexIsMonotone) {
  int last = 0;
  for (double x = 0.5; x < 5e9; x *= 1.001) {
    const int i = H::bucket_index(x);
    ASSERT_GE(i, last) << x;
    last = i;
  }
  EXPECT_EQ(last, H::kBucketCount - 1);
}

TEST(LatencyHistogramTest, QuantilesOfUniformData) {
  expect_quantiles_within_bound(uniform_values(200'000, 50, 50'000, 1), "uniform 50us..50ms");
  expect_quantiles_within_bound(uniform_values(1'001, 1, 10, 2), "uniform 1us..10us");
}

TEST(LatencyHistogramTest, QuantilesOfLognormalData) {
  expect_quantiles_within_bound(lognormal_values(200'000, 2'000, 1.2, 3), "lognormal median 2ms");
  expect_quantiles_within_bound(lognormal_values(50'000, 50, 3.0, 4), "lognormal wide");
}

TEST(LatencyHistogramTest, QuantilesOfBimodalData) {
  expect_quantiles_within_bound(bimodal_values(200'000, 5), "bimodal 300us / 80ms");
}

TEST(LatencyHistogramTest, QuantilesOfLogUniformDataOverTheWholeRange) {
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> exponent(0, 31.7);
  std::vector<double> v(100'000);
  for (auto& x : v) x = std::exp2(exponent(rng));
  expect_quantiles_within_bound(v, "log-uniform 1us..1h");
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  const auto values = lognormal_values(100'000, 1'500, 1.5, 8);
  H all;
  H parts[4];
  for (std::size_t i = 0; i < values.size(); ++i) {
    all.record(values[i]);
    parts[i % 4].record(values[i]);
  }
  H merged;
  for (const H& p : parts) merged.merge(p);
  EXPECT_TRUE(merged.same_distribution(all));
  for (double q : kQuantiles) EXPECT_EQ(merged.quantile(q), all.quantile(q)) << q;

  // Merge order does not matter, nor does merging an empty one.
  H reversed;
  for (int i = 3; i >= 0; --i) reversed.merge(parts[i]);
  reversed.merge(H{});
  EXPECT_TRUE(reversed.same_distribution(all));
}

TEST(LatencyHistogramTest, MergeOfDisjointRanges) {
  H low;
  H high;
  for (int i = 0; i < 1000; ++i) low.record(10 + i % 7);
  for (int i = 0; i < 1000; ++i) high.record(1e8 + i);
  H merged = low;
  merged.merge(high);
  EXPECT_EQ(merged.count(), 2000u);
  EXPECT_EQ(merged.min(), 10);
  EXPECT_EQ(merged.max(), 1e8 + 999);
  EXPECT_NEAR(merged.quantile(0.25), 13, 13 * 0.02);     // rank 499 of 10..16, ~143 each
  EXPECT_NEAR(merged.quantile(0.75), 1e8 + 500, 1e8 * 0.02);
  H other_way = high;
  other_way.merge(low);
  EXPECT_TRUE(other_way.same_distribution(merged));
}

TEST(LatencyHistogramTest, EmptyHistogram) {
  H h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0);
  int buckets = 0;
  h.for_each_bucket([&](int, uint64_t) { ++buckets; });
  EXPECT_EQ(buckets, 0);
}

TEST(LatencyHistogramTest, OutOfRangeValuesAreClamped) {
  H h;
  h.record(0);
  h.record(-5);
  h.record(std::numeric_limits<double>::quiet_NaN());
  h.record(0.25);
  h.record(1e12);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 1e12);
  EXPECT_EQ(h.sum(), 0.25 + 1e12);
  EXPECT_EQ(H::bucket_index(0), 0);
  EXPECT_EQ(H::bucket_index(-1), 0);
  EXPECT_EQ(H::bucket_index(1e12), H::kBucketCount - 1);
  EXPECT_EQ(h.bucket_count(0), 4u);
  EXPECT_EQ(h.bucket_count(H::kBucketCount - 1), 1u);
  EXPECT_EQ(h.quantile(0), 0);
  EXPECT_EQ(h.quantile(1), 1e12);
  // Values below 1 µs share bucket 0 and are reported as ~1 µs inside the range.
  EXPECT_NEAR(h.quantile(0.5), 1.0, 0.02);
}

TEST(LatencyHistogramTest, SingleValueIsExact) {
  H h;
  h.record(1234.5);
  for (double q : kQuantiles) EXPECT_EQ(h.quantile(q), 1234.5);
  EXPECT_EQ(h.mean(), 1234.5);
}

TEST(LatencyHistogramTest, CountsPast32Bits) {
  H h;
  h.record(1000, 3'000'000'000ULL);
  h.record(1000, 3'000'000'000ULL);
  h.record(5000);
  EXPECT_EQ(h.count(), 6'000'000'001ULL);
  EXPECT_EQ(h.bucket_count(H::bucket_index(1000)), 6'000'000'000ULL);
  H twice = h;
  twice.merge(h);
  EXPECT_EQ(twice.bucket_count(H::bucket_index(1000)), 12'000'000'000ULL);
  EXPECT_EQ(twice.count(), 12'000'000'002ULL);
  EXPECT_NEAR(twice.quantile(0.5), 1000, 1000 * H::kRelativeError);
  EXPECT_EQ(twice.quantile(1), 5000);
  uint64_t total = 0;
  twice.for_each_bucket([&](int, uint64_t n) { total += n; });
  EXPECT_EQ(total, twice.count());
}

TEST(LatencyHistogramTest, StorageGrowsOnlyWithTheRangeSeen) {
  H one;
  one.record(800);
  EXPECT_LE(one.memory_bytes(), 160u);

  H typical;  // 200 µs .. 20 ms: two decades
  for (double x = 200; x <= 20'000; x *= 1.01) typical.record(x);
  EXPECT_LE(typical.memory_bytes(), 1024u);

  H full;
  for (double x = 1; x < 4e9; x *= 1.01) full.record(x);
  EXPECT_LE(full.memory_bytes(), sizeof(H) + H::kBucketCount * sizeof(uint32_t));
  std::cout << "[          ] histogram bytes: object " << sizeof(H) << ", one value " << one.memory_bytes()
            << ", 200us..20ms " << typical.memory_bytes() << ", full range " << full.memory_bytes() << "\n";
}

TEST(LatencyHistogramTest, FromPartsRebuildsAndRejectsBadIndexes) {
  H h;
  for (int i = 1; i < 5000; i += 3) h.record(i);
  std::vector<std::pair<int, uint64_t>> buckets;
  h.for_each_bucket([&](int i, uint64_t n) { buckets.emplace_back(i, n); });
  H rebuilt;
  ASSERT_TRUE(H::from_parts(buckets, h.sum(), h.min(), h.max(), &rebuilt));
  EXPECT_TRUE(rebuilt.same_distribution(h));

  buckets.emplace_back(H::kBucketCount, 1);
  EXPECT_FALSE(H::from_parts(buckets, 0, 0, 0, &rebuilt));
  EXPECT_TRUE(rebuilt.empty());
}

TEST(LatencyHistogramTest, ClearEmpties) {
  H h;
  h.record(10);
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.bucket_count(H::bucket_index(10)), 0u);
}

}  // namespace
}  // namespace sluice::workload
