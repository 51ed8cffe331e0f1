// Splits a byte stream into typed PostgreSQL messages (type byte + int32 length + body).
// Pure: looks at bytes, never copies or allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::proxy::pg {

struct Frame {
  char type = 0;
  std::string_view body;   // without the type byte and length
  std::size_t total = 0;   // bytes of the whole message on the wire (1 + length)
};

enum class FrameStatus {
  Complete,    // `out` holds the next message
  Incomplete,  // need more bytes; `needed` says how many the whole message takes when known
  TooLarge,    // the declared length exceeds the limit
  Malformed,   // the declared length is impossible (< 4)
};

struct FrameResult {
  FrameStatus status;
  Frame frame;
  std::size_t needed = 0;
};

FrameResult next_frame(std::string_view data, std::size_t max_message_size);

inline uint32_t read_be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}
inline uint16_t read_be16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint16_t((uint16_t(u[0]) << 8) | uint16_t(u[1]));
}

}  // namespace sluice::proxy::pg
