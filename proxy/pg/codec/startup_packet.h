// Decodes the first, untyped packet a client sends: StartupMessage, SSLRequest,
// GSSENCRequest or CancelRequest. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::proxy::pg {

struct StartupPacket {
  enum class Kind { Startup, SslRequest, GssEncRequest, CancelRequest, Incomplete, Invalid };
  Kind kind = Kind::Incomplete;
  int32_t protocol = 0;
  std::vector<std::pair<std::string, std::string>> params;  // Startup: in the client's order
  int32_t cancel_pid = 0;                                  // CancelRequest
  int32_t cancel_secret = 0;
  std::size_t consumed = 0;  // bytes used from the input when complete
  std::string error;         // Invalid: why

  const std::string* param(std::string_view name) const;
};

// `max_size` bounds the packet length (PostgreSQL itself allows 10000 bytes).
StartupPacket decode_startup_packet(std::string_view data, std::size_t max_size = 10000);

}  // namespace sluice::proxy::pg
