// Building blocks of the Prometheus text exposition format (version 0.0.4): escaping, number
// formatting, a writer that emits metric families, and the conversion of a LatencyHistogram
// (log buckets in µs) into cumulative `le` buckets in seconds.
//
// The format: every family is introduced once by "# HELP name text" and "# TYPE name type",
// followed by all of its samples, "name{label="value",...} value", one per line. Label values
// escape backslash, double quote and newline; HELP text escapes backslash and newline.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "workload/latency_histogram.h"

namespace sluice::proxy::admin::prom {

// Name / value pairs; the views must stay valid for the duration of the writer call.
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

enum class MetricType { Counter, Gauge, Histogram };

// Backslash, double quote and newline escaped; invalid UTF-8 replaced by U+FFFD (Prometheus
// rejects label values that are not UTF-8).
std::string escape_label_value(std::string_view value);
// Backslash and newline escaped.
std::string escape_help(std::string_view help);
// Shortest text that reads back as the same double; NaN, +Inf, -Inf as Prometheus spells them.
std::string format_value(double value);
std::string format_value(uint64_t value);

// One `le` bound of a histogram: the value in µs (to compare with LatencyHistogram values) and
// the label text in seconds.
struct BucketBound {
  double us;
  std::string_view le;
};

// The fixed bounds used for durations: 100 µs .. 60 s, roughly 1-2.5-5 per decade.
std::span<const BucketBound> duration_bounds();

// Cumulative counts for each bound: result[i] is the number of recorded values ≤ bounds[i].
// Each log bucket of h counts as its reported value (LatencyHistogram::bucket_value, clamped to
// the exact [min, max]), so a value within ~1.7 % of a bound may land on either side of it;
// a histogram holding a single distinct value is placed exactly.
std::vector<uint64_t> cumulative_counts(const workload::LatencyHistogram& h, std::span<const BucketBound> bounds);

class TextWriter {
 public:
  // Starts a family: its HELP and TYPE lines. Call once per family, then all its samples.
  void family(std::string_view name, MetricType type, std::string_view help);
  // One sample line; name is the family name, or for histograms the family name plus _bucket,
  // _sum or _count.
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, uint64_t value);
  // The _bucket (with le, ending in +Inf), _sum (seconds) and _count lines of one histogram
  // whose values are in µs.
  void histogram(std::string_view name, const Labels& labels, const workload::LatencyHistogram& h_us,
                 std::span<const BucketBound> bounds);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void sample_prefix(std::string_view name, const Labels& labels, std::string_view le = {});
  std::string out_;
};

}  // namespace sluice::proxy::admin::prom
