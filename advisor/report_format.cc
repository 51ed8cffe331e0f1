#include "advisor/report_format.h"

#include <cmath>
#include <cstdio>
#include <iterator>

#include "common/clock.h"

namespace sluice::advisor::report_format {

std::string group_digits(const std::string& digits) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fmt_int(int64_t v) {
  if (v < 0) return "-" + group_digits(std::to_string(uint64_t(-(v + 1)) + 1));
  return group_digits(std::to_string(v));
}

std::string fmt_uint(uint64_t v) { return group_digits(std::to_string(v)); }

std::string fmt_fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  std::string s = buf;
  const size_t dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot);
  const bool negative = v < 0 && s.find_first_not_of("0.") != std::string::npos;
  return (negative ? "-" : "") + group_digits(whole) + frac;
}

std::string fmt_ms(double ms) {
  if (!std::isfinite(ms)) return "n/a";
  return fmt_fixed(ms, 2) + " ms";
}

std::string fmt_ms(const std::optional<double>& ms) { return ms ? fmt_ms(*ms) : "\u2014"; }

// Longer spans read better in seconds and minutes.
std::string fmt_duration(double ms) {
  if (!std::isfinite(ms)) return "n/a";
  if (ms < 1000) return fmt_ms(ms);
  if (ms < 60'000) return fmt_fixed(ms / 1000, 2) + " s";
  const auto total_s = int64_t(ms / 1000);
  if (total_s < 3600) return std::to_string(total_s / 60) + " min " + std::to_string(total_s % 60) + " s";
  return fmt_int(total_s / 3600) + " h " + std::to_string(total_s % 3600 / 60) + " min";
}

// Two decimals while small, whole numbers once they are large.
std::string fmt_cost(double c) { return fmt_fixed(c, std::isfinite(c) && std::fabs(c) < 1000 ? 2 : 0); }

std::string fmt_bytes(int64_t bytes) {
  if (bytes < 0) return "n/a";
  if (bytes < 1024) return fmt_int(bytes) + " B";
  static const char* const units[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = double(bytes) / 1024;
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  return fmt_fixed(v, v < 100 ? 1 : 0) + " " + units[u];
}

std::string fmt_utc_seconds(int64_t unix_ms) {
  if (unix_ms <= 0) return "n/a";
  return common::format_utc(unix_ms, "%Y-%m-%d %H:%M:%S UTC");
}

std::string fmt_utc_minutes(int64_t unix_ms) {
  if (unix_ms <= 0) return "n/a";
  return common::format_utc(unix_ms, "%Y-%m-%d %H:%M UTC");
}

std::string fmt_saving(double before, double after) {
  if (!std::isfinite(before) || !std::isfinite(after) || before <= 0) return "n/a";
  return fmt_fixed((before - after) / before * 100, 1) + "%";
}

std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string truncate(std::string_view s, std::size_t max_chars) {
  std::string line = one_line(s);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == max_chars) return line.substr(0, i) + "\u2026";
    ++chars;
  }
  return line;
}

}  // namespace sluice::advisor::report_format
