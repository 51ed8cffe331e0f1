#include "common/config_checks.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace sluice::common::config_checks {

int read_whole_file(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return errno;
  out.clear();
  char buf[65536];
  int err = 0;
  for (;;) {
    std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (n < sizeof buf) {
      if (std::ferror(f) != 0) err = errno != 0 ? errno : EIO;
      break;
    }
  }
  std::fclose(f);
  return err;
}

std::string check_readable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return std::strerror(EISDIR);
  if (::access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  return {};
}

std::string check_int_range(int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return {};
  if (value < min && max >= INT_MAX) {  // no meaningful upper bound: do not print one
    return "must be at least " + std::to_string(min) + " (got " + std::to_string(value) + ")";
  }
  return "must be between " + std::to_string(min) + " and " + std::to_string(max) + " (got " +
         std::to_string(value) + ")";
}

std::string check_seconds(double value) {
  if (!std::isfinite(value)) return "must be a finite number of seconds";
  if (value < 0) return "must be >= 0 seconds (0 disables it)";
  return {};
}

}  // namespace sluice::common::config_checks
