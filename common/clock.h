// Wall-clock time as the statistics store it (unix milliseconds), and monotonic time for
// durations.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace sluice::common {

inline int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Monotonic time in nanoseconds (steady_clock), for durations.
inline uint64_t steady_now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// unix_ms (whole seconds, milliseconds dropped) as UTC through strftime: format_utc(ms, "%Y%m%dT%H%M%SZ") gives
// "20261125T153000Z". Empty when the result does not fit 64 characters.
inline std::string format_utc(int64_t unix_ms, const char* strftime_format) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, strftime_format, &tm);
  return std::string(buf, n);
}

}  // namespace sluice::common
