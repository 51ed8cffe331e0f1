// libFuzzer target: the first packet a client sends (startup, SSL, GSS, cancel).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/pg/codec/startup_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = sluice::proxy::pg::decode_startup_packet(in);
  if (p.kind == sluice::proxy::pg::StartupPacket::Kind::Startup) {
    (void)p.param("user");
    if (p.consumed > size) __builtin_trap();
  }
  return 0;
}
