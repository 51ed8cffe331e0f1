// Internal to the config loader (config_loader.cc, config_auth_file.cc, config_names.cc,
// config_validation.cc, config_command_line.cc): the limits, the allowed names, and the small
// checks whose messages every part phrases the same way. Not for use outside common/config_*.
#pragma once

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/config.h"

namespace sluice::common::config_checks {

inline constexpr int kMaxWorkers = 1024;
inline constexpr int kMinPoolSize = 1;
inline constexpr int kMaxPoolSize = 10000;
inline constexpr int64_t kMinMessageSize = 1024;
inline constexpr int64_t kMaxMessageSize = INT32_MAX;  // the protocol's length field is an int32
inline constexpr std::string_view kAdminDatabase = "sluice";

inline constexpr std::string_view kPoolModes[] = {"session", "transaction"};
inline constexpr std::string_view kTlsModes[] = {"disable", "prefer", "require"};
inline constexpr std::string_view kAuthTypes[] = {"trust", "md5", "scram-sha-256"};
inline constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
inline constexpr std::string_view kSampleModes[] = {"on", "redacted", "off"};
inline constexpr std::string_view kIoBackends[] = {"auto", "io_uring", "libuv"};

struct TimeoutKey {
  std::string_view name;
  double TimeoutConfig::*member;
};
inline constexpr TimeoutKey kTimeoutKeys[] = {
    {"query_wait_timeout", &TimeoutConfig::query_wait_timeout},
    {"server_connect_timeout", &TimeoutConfig::server_connect_timeout},
    {"server_idle_timeout", &TimeoutConfig::server_idle_timeout},
    {"server_lifetime", &TimeoutConfig::server_lifetime},
    {"client_idle_timeout", &TimeoutConfig::client_idle_timeout},
    {"client_login_timeout", &TimeoutConfig::client_login_timeout},
    {"shutdown_timeout", &TimeoutConfig::shutdown_timeout},
};

// Reads a whole file; returns 0 or the errno of the failure.
int read_whole_file(const std::string& path, std::string& out);

// "" when the file can be opened for reading, else the reason.
std::string check_readable(const std::string& path);

inline std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

template <typename Range>
std::string join(const Range& items, std::string_view sep) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// Reasons are phrased after "<what> " so they read well in any message.
std::string check_int_range(int64_t value, int64_t min, int64_t max);
std::string check_seconds(double value);

template <typename Range>
std::string one_of(std::string_view what, const Range& allowed, std::string_view got) {
  return std::string(what) + " must be one of " + join(allowed, ", ") + " (got " + squote(got) + ")";
}

}  // namespace sluice::common::config_checks
