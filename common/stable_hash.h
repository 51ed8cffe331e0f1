// A string hash for names and ids that are stored or shown.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::common {

// FNV-1a, 64 bit: stable across builds and platforms (unlike std::hash); used for index names and
// suggestion ids, which must not change.
inline uint64_t stable_hash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace sluice::common
