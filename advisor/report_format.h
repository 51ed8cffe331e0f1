// Number, size and time formatting shared by the advisor's reports (HTML, Markdown) and the CLI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::advisor::report_format {

// A string of decimal digits with thousands separators: "12345" -> "12,345".
std::string group_digits(const std::string& digits);

// An integer with thousands separators: "-12,345".
std::string fmt_int(int64_t v);

// An unsigned integer with thousands separators: "12,345".
std::string fmt_uint(uint64_t v);

// Fixed decimals with thousands separators: "1,234.50"; "n/a" for NaN and infinities.
std::string fmt_fixed(double v, int decimals);

// Milliseconds with two decimals: "1,234.50 ms"; "n/a" when not finite.
std::string fmt_ms(double ms);

// As fmt_ms, or "\u2014" (an em dash) when there is no value.
std::string fmt_ms(const std::optional<double>& ms);

// A time span, in the largest fitting unit: "12.34 ms", "1.50 s", "2 min 5 s", "3 h 12 min".
std::string fmt_duration(double ms);

// A planner cost: "12.34" while below 1,000, "12,345" above; "n/a" when not finite.
std::string fmt_cost(double c);

// A size in binary units: "512 B", "1.5 MB", "250 GB"; "n/a" when negative.
std::string fmt_bytes(int64_t bytes);

// UTC to the second: "2026-11-27 15:30:00 UTC"; "n/a" when unix_ms is not positive.
std::string fmt_utc_seconds(int64_t unix_ms);

// UTC to the minute: "2026-11-27 15:30 UTC"; "n/a" when unix_ms is not positive.
std::string fmt_utc_minutes(int64_t unix_ms);

// The share of before saved: "82.3%"; "n/a" when before is not a positive number.
std::string fmt_saving(double before, double after);

// Whitespace runs (newlines included) as one space, so a query fits on one line.
std::string one_line(std::string_view s);

// one_line(s) cut to at most max_chars UTF-8 code points (never half of one), "…" when cut.
std::string truncate(std::string_view s, std::size_t max_chars);

}  // namespace sluice::advisor::report_format
