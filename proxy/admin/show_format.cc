// Cell formats shared by the SHOW builders.
#include "proxy/admin/show_format.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace sluice::proxy::admin {

Cell time_cell(int64_t unix_ms) {
  if (unix_ms <= 0) return std::nullopt;
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return std::nullopt;
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  if (n == 0) return std::nullopt;
  return std::string(buf, n);
}

std::string hex_id(uint64_t id) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(id));
  return std::string(buf, std::size_t(n));
}

SecondsAndMicros split_ms(double ms) {
  if (!std::isfinite(ms) || ms <= 0) return {};
  int64_t us = std::llround(ms * 1000.0);
  return {us / 1'000'000, us % 1'000'000};
}

}  // namespace sluice::proxy::admin
