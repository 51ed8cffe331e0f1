// Prometheus text exposition format helpers (see prometheus_text.h).
#include "proxy/admin/prometheus_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace sluice::proxy::admin::prom {
namespace {

constexpr std::array<BucketBound, 16> kDurationBounds{{
    {100, "0.0001"},
    {250, "0.00025"},
    {500, "0.0005"},
    {1'000, "0.001"},
    {2'500, "0.0025"},
    {5'000, "0.005"},
    {10'000, "0.01"},
    {25'000, "0.025"},
    {50'000, "0.05"},
    {100'000, "0.1"},
    {250'000, "0.25"},
    {500'000, "0.5"},
    {1'000'000, "1"},
    {2'500'000, "2.5"},
    {10'000'000, "10"},
    {60'000'000, "60"},
}};

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      const std::size_t n = utf8_sequence_length(value, i);
      if (n == 0) {
        out += kReplacement;
        ++i;
      } else {
        out.append(value.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string format_value(uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::span<const BucketBound> duration_bounds() { return kDurationBounds; }

std::vector<uint64_t> cumulative_counts(const workload::LatencyHistogram& h, std::span<const BucketBound> bounds) {
  std::vector<uint64_t> counts(bounds.size(), 0);
  h.for_each_bucket([&](int index, uint64_t n) {
    const double value = std::clamp(workload::LatencyHistogram::bucket_value(index), h.min(), h.max());
    // The first bound at or above the value; the count belongs to it and every bound after it.
    const auto first = std::find_if(bounds.begin(), bounds.end(), [&](const BucketBound& b) { return value <= b.us; });
    for (auto it = first; it != bounds.end(); ++it) counts[std::size_t(it - bounds.begin())] += n;
  });
  return counts;
}

void TextWriter::family(std::string_view name, MetricType type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  switch (type) {
    case MetricType::Counter:
      out_ += " counter\n";
      break;
    case MetricType::Gauge:
      out_ += " gauge\n";
      break;
    case MetricType::Histogram:
      out_ += " histogram\n";
      break;
  }
}

void TextWriter::sample_prefix(std::string_view name, const Labels& labels, std::string_view le) {
  out_ += name;
  if (!labels.empty() || !le.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, value] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += label;
      out_ += "=\"";
      out_ += escape_label_value(value);
      out_ += '"';
    }
    if (!le.empty()) {
      if (!first) out_ += ',';
      out_ += "le=\"";
      out_ += le;
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
}

void TextWriter::sample(std::string_view name, const Labels& labels, double value) {
  sample_prefix(name, labels);
  out_ += format_value(value);
  out_ += '\n';
}

void TextWriter::sample(std::string_view name, const Labels& labels, uint64_t value) {
  sample_prefix(name, labels);
  out_ += format_value(value);
  out_ += '\n';
}

void TextWriter::histogram(std::string_view name, const Labels& labels, const workload::LatencyHistogram& h_us,
                           std::span<const BucketBound> bounds) {
  const std::string base(name);
  const std::vector<uint64_t> counts = cumulative_counts(h_us, bounds);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    sample_prefix(base + "_bucket", labels, bounds[i].le);
    out_ += format_value(counts[i]);
    out_ += '\n';
  }
  sample_prefix(base + "_bucket", labels, "+Inf");
  out_ += format_value(h_us.count());
  out_ += '\n';
  sample(base + "_sum", labels, h_us.sum() / 1e6);
  sample(base + "_count", labels, h_us.count());
}

}  // namespace sluice::proxy::admin::prom
