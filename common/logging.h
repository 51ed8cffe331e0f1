// Logging set-up: spdlog to stderr with levels; one place decides the format.
#pragma once

#include <string>

namespace sluice::common {

// level: trace | debug | info | warn | error | off. Unknown levels fall back to info.
void setup_logging(const std::string& level);
void set_log_level(const std::string& level);

}  // namespace sluice::common
