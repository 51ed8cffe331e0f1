// Cell formats shared by the SHOW builders (internal to proxy/admin/).
#pragma once

#include <cstdint>
#include <string>

#include "proxy/admin/result_set.h"

namespace sluice::proxy::admin {

// 'YYYY-MM-DD HH:MM:SS' UTC from unix ms; NULL for 0 or less (unknown).
Cell time_cell(int64_t unix_ms);
// "0x" + lowercase hex.
std::string hex_id(uint64_t id);

// A duration split PgBouncer-style: whole seconds and the microseconds beyond them.
struct SecondsAndMicros {
  int64_t seconds = 0;
  int64_t micros = 0;
};
SecondsAndMicros split_ms(double ms);

}  // namespace sluice::proxy::admin
