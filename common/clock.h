// Wall-clock time as the statistics store it: unix milliseconds.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice::common {

inline int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice::common
