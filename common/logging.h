// Logging set-up: spdlog to stderr with levels; one place decides the format.
#pragma once

#include <atomic>
#include <string>

#include <spdlog/spdlog.h>

namespace sluice::common {

// level: trace | debug | info | warn | error | off. Unknown levels fall back to info.
void setup_logging(const std::string& level);
void set_log_level(const std::string& level);

// Whether the level is trace (set_log_level keeps it). Kept apart from spdlog so that the
// trace lines run per protocol message (SLUICE_TRACE) cost one relaxed load when off, not a
// call into spdlog with every argument evaluated.
inline std::atomic<bool> trace_on{false};
inline bool trace_enabled() { return trace_on.load(std::memory_order_relaxed); }

}  // namespace sluice::common

// SPDLOG_TRACE behind trace_enabled(), for the hot path.
#define SLUICE_TRACE(...)                                             \
  do {                                                                \
    if (::sluice::common::trace_enabled()) SPDLOG_TRACE(__VA_ARGS__); \
  } while (0)
