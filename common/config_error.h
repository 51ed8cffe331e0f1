// A configuration problem, with where it was found: "sluice.toml:12:3: unknown key 'pool_sise'".
#pragma once

#include <stdexcept>
#include <string>

namespace sluice::common {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace sluice::common
